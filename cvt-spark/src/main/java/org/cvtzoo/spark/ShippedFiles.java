package org.cvtzoo.spark;

import org.apache.spark.SparkFiles;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.ModelRequest;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How a job finds the files of its {@link ModelRequest}: where they are named, or else among the
 * files shipped with the job ({@code spark.files}, {@code --files}, {@code SparkContext.addFile})
 * under their file name, so {@code weights=cvt13.safetensors} works on executors that got the
 * file from the driver.
 */
final class ShippedFiles {
    /** Why a job needs weights: every executor would draw its own random ones. */
    static final String WEIGHTS_REQUIRED = "random weights would differ on every executor";

    private ShippedFiles() {
    }

    /** The request's model, its files found here or among the shipped ones. */
    static org.cvtzoo.zoo.VisionModel load(ModelRequest r) {
        return r.check(WEIGHTS_REQUIRED).load(ShippedFiles::locate);
    }

    /**
     * The per-JVM cache key: the request, and for each file where it was found with its size and
     * time, so that a file replaced between jobs is loaded again.
     */
    static String key(ModelRequest r) {
        StringBuilder s = new StringBuilder();
        if (!r.model().isEmpty()) s.append("model=").append(r.model());
        if (!r.spec().isEmpty()) s.append("spec=").append(fileKey(r.spec()));
        if (!r.modelFile().isEmpty()) s.append("modelFile=").append(fileKey(r.modelFile()));
        if (!r.weights().isEmpty()) s.append(" weights=").append(fileKey(r.weights()));
        if (r.pretrained()) s.append(" pretrained");
        if (r.numClasses() > 0) s.append(" numClasses=").append(r.numClasses());
        return s.toString();
    }

    private static String fileKey(String name) {
        Path p = find(name);
        if (p == null) return name;
        try {
            return p.toAbsolutePath() + "@" + Files.size(p) + ":" + Files.getLastModifiedTime(p).toMillis();
        } catch (java.io.IOException e) {
            return p.toAbsolutePath().toString();
        }
    }

    static Path locate(String what, String name) {
        Path p = find(name);
        if (p == null) {
            throw new ZooException(what + " " + name + ": no such file here, nor among the files shipped with the job "
                    + "(spark.files / --files / SparkContext.addFile)");
        }
        return p;
    }

    /** The file as named, or the shipped copy of that name; null where neither exists. */
    static Path find(String name) {
        Path p = Path.of(name);
        if (Files.isRegularFile(p)) return p;
        try {
            Path shipped = Path.of(SparkFiles.get(p.getFileName().toString()));
            return Files.isRegularFile(shipped) ? shipped : null;
        } catch (RuntimeException e) { // no SparkEnv here (outside a job)
            return null;
        }
    }
}
