package org.cvtzoo.notebook;

import org.cvtzoo.notebook.CellErrors.MagicException;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The class-path magics of the Java kernels notebooks come from, so that their notebooks run
 * here unchanged: BeakerX's {@code %classpath add jar PATH} and IJava/JJava's
 * {@code %jars GLOB...} and {@code %classpath PATH...}; {@code %classpath} alone lists what was
 * added, {@code %lsmagic} the magics. Paths are relative to the notebook's folder and may be
 * globs ({@code lib/*.jar}, {@code ~/jars/**}). Maven downloads ({@code %maven},
 * {@code %classpath add mvn}) are refused with a one-line error: the kernel works offline.
 */
final class Magics {
    static final List<String> NAMES = List.of("%classpath", "%jars", "%lsmagic");

    private final JavaCells cells;

    Magics(JavaCells cells) {
        this.cells = cells;
    }

    /** Runs one magic line; returns what the cell shows for it (null for nothing). */
    Object run(String line) {
        if (line.startsWith("%%")) {
            String name = line.split("\\s+")[0];
            if (name.equals("%%loadFromPOM") || name.equals("%%classpath")) throw offline(name);
            throw new MagicException("unknown cell magic " + name + " (this kernel has line magics only: " + String.join(", ", NAMES) + ")");
        }
        List<String> args = split(line.substring(1));
        String name = args.isEmpty() ? "" : args.remove(0);
        switch (name) {
            case "classpath" -> {
                if (args.isEmpty()) return cells.describeClasspath();
                if (args.size() >= 2 && args.get(0).equals("add")) {
                    String kind = args.get(1);
                    List<String> rest = args.subList(2, args.size());
                    if (kind.equals("mvn")) throw offline("%classpath add mvn");
                    if (!kind.equals("jar") || rest.isEmpty()) {
                        throw new MagicException("usage: %classpath add jar PATH... (or %classpath PATH..., %jars GLOB...)");
                    }
                    return add(rest, false);
                }
                return add(args, false);
            }
            case "jars" -> {
                if (args.isEmpty()) throw new MagicException("usage: %jars GLOB... (e.g. %jars lib/*.jar)");
                return add(args, true);
            }
            case "maven", "mavenRepo", "loadFromPOM" -> throw offline("%" + name);
            case "lsmagic" -> {
                return "line magics: " + String.join(" ", NAMES);
            }
            default -> throw new MagicException("unknown magic %" + name + " (this kernel knows " + String.join(", ", NAMES) + ")");
        }
    }

    private static MagicException offline(String magic) {
        return new MagicException(magic + ": this kernel does not download from Maven (it runs offline); "
                + "put the jars on disk and add them with %jars PATH");
    }

    private String add(List<String> patterns, boolean jarsOnly) {
        List<Path> found = new ArrayList<>();
        for (String p : patterns) {
            List<Path> matches = resolve(p);
            if (jarsOnly) matches = matches.stream().filter(m -> m.getFileName().toString().endsWith(".jar")).toList();
            if (matches.isEmpty()) {
                throw new MagicException((hasGlob(p) ? "no " + (jarsOnly ? "jar" : "file") + " matches " : "no such file: ")
                        + p + " (paths are relative to " + Path.of("").toAbsolutePath() + ")");
            }
            found.addAll(matches);
        }
        for (Path p : found) cells.addToClasspath(p.toString());
        return found.size() == 1 ? "added to the class path: " + found.get(0)
                : "added to the class path: " + found.size() + " entries";
    }

    private static boolean hasGlob(String p) {
        return p.chars().anyMatch(c -> "*?[{".indexOf(c) >= 0);
    }

    /** The files a path or glob names, absolute, in a stable order. */
    static List<Path> resolve(String pattern) {
        String p = pattern.startsWith("~/") ? System.getProperty("user.home") + pattern.substring(1) : pattern;
        if (!hasGlob(p)) {
            Path path = Path.of(p).toAbsolutePath().normalize();
            return Files.exists(path) ? List.of(path) : List.of();
        }
        // the folder before the first glob character is where the search starts
        int firstGlob = 0;
        while ("*?[{".indexOf(p.charAt(firstGlob)) < 0) firstGlob++;
        int slash = p.lastIndexOf('/', firstGlob);
        Path base = Path.of(slash < 0 ? "." : slash == 0 ? "/" : p.substring(0, slash)).toAbsolutePath().normalize();
        String rest = slash < 0 ? p : p.substring(slash + 1);
        if (!Files.isDirectory(base)) return List.of();
        PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + rest);
        int depth = rest.contains("**") ? Integer.MAX_VALUE : (int) rest.chars().filter(c -> c == '/').count() + 1;
        try (Stream<Path> s = Files.walk(base, depth)) {
            return s.filter(f -> !f.equals(base) && m.matches(base.relativize(f))).sorted().toList();
        } catch (IOException e) {
            throw new MagicException("cannot list " + base + ": " + e.getMessage());
        }
    }

    /** Splits magic arguments at blanks; "double" or 'single' quotes keep blanks inside one argument. */
    static List<String> split(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        boolean any = false;
        for (char c : s.toCharArray()) {
            if (quote != 0) {
                if (c == quote) quote = 0;
                else cur.append(c);
            } else if (c == '"' || c == '\'') {
                quote = c;
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (any || !cur.isEmpty()) out.add(cur.toString());
                cur.setLength(0);
                any = false;
            } else {
                cur.append(c);
            }
        }
        if (quote != 0) throw new MagicException("unclosed quote in: %" + s);
        if (any || !cur.isEmpty()) out.add(cur.toString());
        return out;
    }
}
