package org.cvtzoo.core.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Zalando's Fashion-MNIST: 70,000 grey 28x28 images of 10 kinds of clothing (60,000 to train,
 * 10,000 to test), as the four IDX files {@code train-images-idx3-ubyte},
 * {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte},
 * {@code t10k-labels-idx1-ubyte}, each plain or with {@code .gz}.
 *
 * <p>{@link #locate()} looks, in this order, in the folder that the system property
 * {@value #PROPERTY} names, in the one that the environment variable {@value #ENV} names, and
 * in {@value #DEBIAN_DIR}, where Debian's package {@code dataset-fashion-mnist} puts the
 * gzipped files ({@value #APT_COMMAND}).
 */
public final class FashionMnist {
    /** System property naming a folder that holds the four files. */
    public static final String PROPERTY = "cvt.fashion.dir";
    /** Environment variable naming a folder that holds the four files. */
    public static final String ENV = "CVT_FASHION_DIR";
    /** Where Debian's {@code dataset-fashion-mnist} installs the files. */
    public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
    /** The command that installs them there (the update first: a fresh system's package lists are empty). */
    public static final String APT_COMMAND = "apt-get update && apt-get install -y dataset-fashion-mnist";

    /**
     * The class names in label order (label 0 first), as the data set's README gives them
     * (zalandoresearch/fashion-mnist, "Labels" table; the copy Debian ships as
     * /usr/share/doc/dataset-fashion-mnist/README.md.gz).
     */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover",
            "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Image side length. */
    public static final int SIDE = 28;

    /** The two published splits. */
    public enum Split {
        /** The 60,000 training examples. */
        TRAIN("train", 60_000),
        /** The 10,000 test examples. */
        TEST("t10k", 10_000);

        private final String prefix;
        private final int size;

        Split(String prefix, int size) {
            this.prefix = prefix;
            this.size = size;
        }

        /** The file-name prefix: {@code train} or {@code t10k}. */
        public String prefix() {
            return prefix;
        }

        /** The number of examples of the published split. */
        public int size() {
            return size;
        }
    }

    private final Path dir;

    private FashionMnist(Path dir) {
        this.dir = dir;
    }

    /**
     * The data set in {@code dir}, which must hold the four files (plain or gzipped).
     *
     * @throws DataException naming the folder and the missing files
     */
    public static FashionMnist in(Path dir) {
        List<String> missing = missing(dir);
        if (!missing.isEmpty()) {
            throw new DataException("Fashion-MNIST: " + dir + (Files.isDirectory(dir)
                    ? " lacks " + String.join(", ", missing) + " (each plain or with .gz)"
                    : " is not a folder"));
        }
        return new FashionMnist(dir);
    }

    /**
     * Finds the data set: in the folder named by the system property {@value #PROPERTY}, else
     * by the environment variable {@value #ENV}, else in {@value #DEBIAN_DIR}.
     *
     * @throws DataException saying where it looked and how to install the files
     */
    public static FashionMnist locate() {
        return locate(System.getProperty(PROPERTY), System.getenv(ENV), Path.of(DEBIAN_DIR));
    }

    /** {@link #locate()} with its three places given (for tests). */
    static FashionMnist locate(String property, String env, Path debianDir) {
        if (property != null && !property.isBlank()) {
            return explicit(Path.of(property), "the system property " + PROPERTY);
        }
        if (env != null && !env.isBlank()) {
            return explicit(Path.of(env), "the environment variable " + ENV);
        }
        List<String> missing = missing(debianDir);
        if (missing.isEmpty()) {
            return new FashionMnist(debianDir);
        }
        throw new DataException("Fashion-MNIST not found: " + debianDir
                + (Files.isDirectory(debianDir) ? " lacks " + String.join(", ", missing)
                : " does not exist")
                + ", and neither the system property " + PROPERTY
                + " nor the environment variable " + ENV + " names a folder. Install it with '"
                + APT_COMMAND + "' (Debian/Ubuntu) or put the four IDX files "
                + String.join(", ", fileNames()) + " (plain or .gz) in a folder and pass -D"
                + PROPERTY + "=FOLDER or set " + ENV + "=FOLDER");
    }

    private static FashionMnist explicit(Path dir, String source) {
        List<String> missing = missing(dir);
        if (!missing.isEmpty()) {
            throw new DataException("Fashion-MNIST: " + dir + " (from " + source + ") "
                    + (Files.isDirectory(dir) ? "lacks " + String.join(", ", missing)
                    + " (each plain or with .gz)" : "is not a folder")
                    + "; fix it or unset it to use " + DEBIAN_DIR + " ('" + APT_COMMAND + "')");
        }
        return new FashionMnist(dir);
    }

    private static List<String> fileNames() {
        List<String> names = new ArrayList<>();
        for (Split s : Split.values()) {
            names.add(s.prefix + "-images-idx3-ubyte");
            names.add(s.prefix + "-labels-idx1-ubyte");
        }
        return names;
    }

    private static List<String> missing(Path dir) {
        List<String> out = new ArrayList<>();
        for (String name : fileNames()) {
            if (find(dir, name) == null) {
                out.add(name);
            }
        }
        return out;
    }

    /** {@code dir/name}, or {@code dir/name.gz}, or null. */
    private static Path find(Path dir, String name) {
        Path plain = dir.resolve(name);
        if (Files.isRegularFile(plain)) {
            return plain;
        }
        Path gz = dir.resolve(name + ".gz");
        return Files.isRegularFile(gz) ? gz : null;
    }

    /** The folder holding the files. */
    public Path dir() {
        return dir;
    }

    /** The image file of a split (the plain one if both exist). */
    public Path imagesFile(Split split) {
        return file(split.prefix + "-images-idx3-ubyte");
    }

    /** The label file of a split (the plain one if both exist). */
    public Path labelsFile(Split split) {
        return file(split.prefix + "-labels-idx1-ubyte");
    }

    private Path file(String name) {
        Path p = find(dir, name);
        if (p == null) {
            throw new DataException("Fashion-MNIST: " + dir + " no longer holds " + name
                    + " (plain or .gz)");
        }
        return p;
    }

    /**
     * Reads a split's images and labels, checking that the counts match, the images are
     * 28x28 and the labels are 0..9.
     *
     * @throws DataException naming the file at fault
     */
    public Idx.Labelled load(Split split) {
        Idx.Labelled data = Idx.readLabelled(imagesFile(split), labelsFile(split));
        IdxImages images = data.images();
        if (images.rows() != SIDE || images.cols() != SIDE) {
            throw new DataException(imagesFile(split) + ": Fashion-MNIST images are " + SIDE
                    + "x" + SIDE + ", this file holds " + images.rows() + "x" + images.cols());
        }
        for (int i = 0; i < data.size(); i++) {
            if (data.label(i) >= CLASSES.size()) {
                throw new DataException(labelsFile(split) + ": label " + data.label(i)
                        + " of example " + i + " is not a Fashion-MNIST class (0.."
                        + (CLASSES.size() - 1) + ")");
            }
        }
        return data;
    }

    @Override
    public String toString() {
        return "FashionMnist[" + dir + "]";
    }
}
