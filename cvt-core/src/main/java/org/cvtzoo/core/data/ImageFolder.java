package org.cvtzoo.core.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Labelled image files in a folder with one sub-folder per class, as torchvision's
 * {@code ImageFolder} reads it: the classes are the sub-folder names sorted (label {@code k}
 * is the {@code k}-th name), and each class's examples are the files under its folder
 * (sub-folders included, links followed) whose names end in {@code .jpg}, {@code .jpeg},
 * {@code .png}, {@code .bmp} or {@code .gif} (any case), in torchvision's order: folders by
 * their path, files by name within a folder. Unlike torchvision, hidden entries (names
 * starting with a dot, such as {@code .ipynb_checkpoints} or macOS {@code ._x.jpg} files) are
 * skipped. Names are compared by UTF-16 unit, which is Python's order for every name without
 * characters beyond the Basic Multilingual Plane.
 *
 * <p>An instance is immutable; {@link #split} and {@link #subset} give views with the same
 * classes over part of the examples.
 */
public final class ImageFolder {
    /** The file-name endings taken as images (lower case; matched in any case). */
    public static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp",
            ".gif");

    private final Path root;
    private final List<String> classes;
    private final List<Path> paths;
    private final int[] labels;

    private ImageFolder(Path root, List<String> classes, List<Path> paths, int[] labels) {
        this.root = root;
        this.classes = classes;
        this.paths = paths;
        this.labels = labels;
    }

    /**
     * Scans {@code root}.
     *
     * @throws DataException naming the folder: missing, not a folder, no class folders, or a
     *                       class folder without image files
     */
    public static ImageFolder open(Path root) {
        if (!Files.exists(root)) {
            throw new DataException("image folder " + root + " does not exist");
        }
        if (!Files.isDirectory(root)) {
            throw new DataException("image folder " + root + " is not a folder");
        }
        List<String> classes = new ArrayList<>();
        try (Stream<Path> entries = Files.list(root)) {
            entries.filter(Files::isDirectory)
                    .map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("."))
                    .forEach(classes::add);
        } catch (IOException | UncheckedIOException e) {
            throw new DataException("image folder " + root + ": cannot list it (" + e + ")", e);
        }
        Collections.sort(classes);
        if (classes.isEmpty()) {
            throw new DataException("image folder " + root + " has no class folders (expected "
                    + "one sub-folder per class, holding that class's "
                    + String.join("/", EXTENSIONS) + " files)");
        }
        List<Path> paths = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (int k = 0; k < classes.size(); k++) {
            List<Path> files = imageFiles(root.resolve(classes.get(k)));
            if (files.isEmpty()) {
                empty.add(classes.get(k));
            }
            for (Path f : files) {
                paths.add(f);
                labels.add(k);
            }
        }
        if (!empty.isEmpty()) {
            throw new DataException("image folder " + root + ": class folder"
                    + (empty.size() > 1 ? "s " : " ") + String.join(", ", empty)
                    + (empty.size() > 1 ? " hold" : " holds") + " no image files ("
                    + String.join(", ", EXTENSIONS) + ")");
        }
        return new ImageFolder(root, List.copyOf(classes), List.copyOf(paths),
                labels.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The image files under {@code dir}, in torchvision's order. */
    private static List<Path> imageFiles(Path dir) {
        // folder path (as a string, sorted as os.walk's sorted tuples) -> its image files
        TreeMap<String, List<Path>> byFolder = new TreeMap<>();
        try (Stream<Path> all = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
            all.filter(p -> !p.equals(dir))
                    .filter(p -> !hiddenBelow(dir, p))
                    .filter(Files::isRegularFile)
                    .filter(p -> isImageName(p.getFileName().toString()))
                    .forEach(p -> byFolder.computeIfAbsent(p.getParent().toString(),
                            k -> new ArrayList<>()).add(p));
        } catch (IOException | UncheckedIOException e) {
            Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
            String why = cause instanceof FileSystemLoopException
                    ? "links form a loop at " + cause.getMessage() : cause.toString();
            throw new DataException("image folder: cannot walk class folder " + dir + " ("
                    + why + ")", e);
        }
        List<Path> out = new ArrayList<>();
        for (List<Path> files : byFolder.values()) {
            files.sort((a, b) -> a.getFileName().toString()
                    .compareTo(b.getFileName().toString()));
            out.addAll(files);
        }
        return out;
    }

    private static boolean hiddenBelow(Path dir, Path p) {
        for (Path part : dir.relativize(p)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** Whether a file name ends in one of {@link #EXTENSIONS}, in any case. */
    public static boolean isImageName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (String ext : EXTENSIONS) {
            if (n.endsWith(ext)) {
                return true;
            }
        }
        return false;
    }

    /** The folder scanned. */
    public Path root() {
        return root;
    }

    /** The class names, sorted; label {@code k} is {@code classes().get(k)}. */
    public List<String> classes() {
        return classes;
    }

    /** The number of examples. */
    public int size() {
        return labels.length;
    }

    /** The file of example {@code i}. */
    public Path path(int i) {
        return paths.get(i);
    }

    /** The label of example {@code i}. */
    public int label(int i) {
        if (i < 0 || i >= labels.length) {
            throw new IndexOutOfBoundsException("example " + i + " of " + labels.length);
        }
        return labels[i];
    }

    /** The number of examples of each class, by label. */
    public int[] classCounts() {
        int[] counts = new int[classes.size()];
        for (int l : labels) {
            counts[l]++;
        }
        return counts;
    }

    /**
     * Decodes every image once ({@link org.cvtzoo.core.image.Images#read}, on all cores) and
     * returns why each one that fails does (its message names the file), in folder order: a
     * long run checks its data before it starts rather than stopping at a broken file hours in.
     */
    public List<String> unreadable() {
        return java.util.stream.IntStream.range(0, paths.size()).parallel().mapToObj(i -> {
            try {
                org.cvtzoo.core.image.Images.read(paths.get(i));
                return null;
            } catch (org.cvtzoo.core.image.ImageException e) {
                return e.getMessage();
            }
        }).filter(java.util.Objects::nonNull).toList();
    }

    /** The examples at {@code indices} (in that order), with the same classes. */
    public ImageFolder subset(int[] indices) {
        List<Path> p = new ArrayList<>(indices.length);
        int[] l = new int[indices.length];
        for (int k = 0; k < indices.length; k++) {
            p.add(path(indices[k]));
            l[k] = labels[indices[k]];
        }
        return new ImageFolder(root, classes, List.copyOf(p), l);
    }

    /** A training part and a validation part over the same classes. */
    public record Split(ImageFolder train, ImageFolder validation) {
    }

    /**
     * A stratified, deterministic split: within each class (taken in label order), the
     * examples are shuffled with one {@code java.util.Random(seed)} (Fisher-Yates from the
     * last position down), and the first {@code round(valFraction * n)} go to validation,
     * though at least one when the class has two or more examples and never all of them
     * (training keeps one of each class). Both parts keep this folder's order.
     *
     * @param valFraction the validation share, in (0, 1)
     */
    public Split split(double valFraction, long seed) {
        if (!(valFraction > 0 && valFraction < 1)) {
            throw new DataException("validation fraction must be in (0, 1), got "
                    + valFraction);
        }
        Random rng = new Random(seed);
        boolean[] val = new boolean[labels.length];
        for (int k = 0; k < classes.size(); k++) {
            int[] members = indicesOf(k);
            int n = members.length;
            Shuffle.inPlace(members, rng);
            long want = Math.round(valFraction * n);
            int take = (int) Math.max(Math.min(want, n - 1), n >= 2 ? 1 : 0);
            for (int m = 0; m < take; m++) {
                val[members[m]] = true;
            }
        }
        int nVal = 0;
        for (boolean v : val) {
            nVal += v ? 1 : 0;
        }
        int[] trainIdx = new int[labels.length - nVal];
        int[] valIdx = new int[nVal];
        int t = 0;
        int v = 0;
        for (int i = 0; i < labels.length; i++) {
            if (val[i]) {
                valIdx[v++] = i;
            } else {
                trainIdx[t++] = i;
            }
        }
        return new Split(subset(trainIdx), subset(valIdx));
    }

    private int[] indicesOf(int label) {
        return java.util.stream.IntStream.range(0, labels.length)
                .filter(i -> labels[i] == label).toArray();
    }

    /**
     * Training and validation data from {@code root}: if it holds folders {@code train} and
     * {@code val} (or {@code validation}), each is an image folder and they must have the same
     * classes; otherwise {@code root} itself is split with {@link #split}.
     *
     * @throws DataException as {@link #open}, or when the two folders' classes differ
     */
    public static Split trainVal(Path root, double valFraction, long seed) {
        Path train = root.resolve("train");
        Path val = root.resolve("val");
        if (!Files.isDirectory(val)) {
            val = root.resolve("validation");
        }
        if (Files.isDirectory(train) && Files.isDirectory(val)) {
            return trainVal(train, val);
        }
        return open(root).split(valFraction, seed);
    }

    /**
     * Training images from {@code train} and validation images from {@code val}, which must have
     * the same class folders (label k means one class in both).
     *
     * @throws DataException as {@link #open}, or when the two folders' classes differ
     */
    public static Split trainVal(Path train, Path val) {
        ImageFolder t = open(train);
        ImageFolder v = open(val);
        if (!t.classes.equals(v.classes)) {
            List<String> onlyTrain = new ArrayList<>(t.classes);
            onlyTrain.removeAll(v.classes);
            List<String> onlyVal = new ArrayList<>(v.classes);
            onlyVal.removeAll(t.classes);
            throw new DataException("image folders " + train + " and " + val
                    + " have different classes (only in " + train.getFileName() + ": " + onlyTrain
                    + "; only in " + val.getFileName() + ": " + onlyVal + ")");
        }
        return new Split(t, v);
    }

    @Override
    public String toString() {
        return "ImageFolder[" + root + ", " + classes.size() + " classes, " + size()
                + " images" + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ImageFolder f && f.root.equals(root) && f.classes.equals(classes)
                && f.paths.equals(paths) && Arrays.equals(f.labels, labels);
    }

    @Override
    public int hashCode() {
        return 31 * paths.hashCode() + Arrays.hashCode(labels);
    }
}
