package org.cvtzoo.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/** The image files named on the command line: files as given, directories walked (sorted). */
final class ImageFiles {
    static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");

    private ImageFiles() {
    }

    static List<Path> collect(List<Path> args) {
        List<Path> files = new ArrayList<>();
        for (Path p : args) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> walk = Files.walk(p)) {
                    walk.filter(Files::isRegularFile).filter(ImageFiles::looksLikeImage).sorted().forEach(files::add);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read directory " + p, e);
                }
            } else if (Files.exists(p)) {
                files.add(p);
            } else {
                throw new Errors.UserError("no such file: " + p);
            }
        }
        if (files.isEmpty()) throw new Errors.UserError("no image files (" + String.join(", ", EXTENSIONS) + ") in " + args);
        return files;
    }

    private static boolean looksLikeImage(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(n.substring(dot + 1));
    }
}
