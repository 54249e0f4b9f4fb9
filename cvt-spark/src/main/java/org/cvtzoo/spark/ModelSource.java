package org.cvtzoo.spark;

import org.apache.spark.SparkFiles;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.ModelFile;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.cvtzoo.zoo.download.WeightsCache;

import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Which model a job runs, as {@code bin/cvt}'s {@code --model NAME | --spec FILE | --model-file FILE},
 * {@code --num-classes}, {@code --weights FILE | --pretrained} choose it (the same cvt-zoo calls
 * as cvt-examples' ModelChoice), in a form that travels to the executors. Empty strings mean
 * "not given".
 *
 * <p>A file is found where it is named, or else among the files shipped with the job
 * ({@code spark.files}, {@code --files}, {@code SparkContext.addFile}) under its file name,
 * so {@code weights=cvt13.safetensors} works on executors that got the file from the driver.
 *
 * <p>Random weights are refused: every executor would draw its own.
 */
public record ModelSource(String model, String spec, String modelFile, String weights, boolean pretrained, int numClasses)
        implements Serializable {

    public ModelSource {
        model = model == null ? "" : model.trim();
        spec = spec == null ? "" : spec.trim();
        modelFile = modelFile == null ? "" : modelFile.trim();
        weights = weights == null ? "" : weights.trim();
    }

    /** Checks the combination of settings (not the files): a user error names what is wrong. */
    public void check() {
        int given = (model.isEmpty() ? 0 : 1) + (spec.isEmpty() ? 0 : 1) + (modelFile.isEmpty() ? 0 : 1);
        if (given != 1) throw new ZooException("give exactly one of model (a variant name), spec (a spec file) or modelFile");
        if (!modelFile.isEmpty()) {
            if (!weights.isEmpty() || pretrained || numClasses > 0) {
                throw new ZooException("modelFile carries the model, its weights and classes: give it alone");
            }
            return;
        }
        if (!weights.isEmpty() && pretrained) throw new ZooException("give weights or pretrained, not both");
        if (pretrained && model.isEmpty()) throw new ZooException("pretrained needs model (a variant name)");
        if (weights.isEmpty() && !pretrained) {
            throw new ZooException("give weights (a checkpoint file) or pretrained: random weights would differ on every executor");
        }
        if (numClasses < 0) throw new ZooException("numClasses must be positive (0: the model's own), got " + numClasses);
    }

    /** The model with its weights, on this JVM. */
    public VisionModel load() {
        check();
        if (!modelFile.isEmpty()) return ModelFile.load(locate(modelFile, "model file"));
        Integer classes = numClasses > 0 ? numClasses : null;
        Architecture arch = !model.isEmpty() ? Zoo.architecture(model, classes) : Zoo.architecture(locate(spec, "spec"), classes);
        Path w = pretrained ? Zoo.pretrainedWeights(model, WeightsCache.standard()) : locate(weights, "weights");
        return VisionModel.fromCheckpoint(arch, w);
    }

    /**
     * The per-JVM cache key: the settings, and for each file where it was found with its size and
     * time, so that a file replaced between jobs is loaded again.
     */
    public String describe() {
        StringBuilder s = new StringBuilder();
        if (!model.isEmpty()) s.append("model=").append(model);
        if (!spec.isEmpty()) s.append("spec=").append(fileKey(spec));
        if (!modelFile.isEmpty()) s.append("modelFile=").append(fileKey(modelFile));
        if (!weights.isEmpty()) s.append(" weights=").append(fileKey(weights));
        if (pretrained) s.append(" pretrained");
        if (numClasses > 0) s.append(" numClasses=").append(numClasses);
        return s.toString();
    }

    /** A short name for messages. */
    public String label() {
        return !modelFile.isEmpty() ? modelFile : !spec.isEmpty() ? spec + (weights.isEmpty() ? "" : " + " + weights)
                : model + (weights.isEmpty() ? " (pretrained)" : " + " + weights);
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

    private static Path locate(String name, String what) {
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
