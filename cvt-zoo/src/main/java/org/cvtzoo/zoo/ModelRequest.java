package org.cvtzoo.zoo;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.download.WeightsCache;

import java.io.Serializable;
import java.nio.file.Path;

/**
 * Which model to load, as {@code bin/cvt}, {@code bin/cvt-spark} and Spark's ZooTransformer say
 * it: exactly one of a registered variant ({@code --model NAME}), a spec file ({@code --spec FILE})
 * or a model file ({@code --model-file FILE}); a head of another size ({@code --num-classes N},
 * 0: the model's own); and the weights, a checkpoint ({@code --weights FILE}) or the variant's
 * published ones ({@code --pretrained}). Empty strings mean "not given". Files are named by
 * strings and found by the caller's finder at load time, so a request travels (Spark ships it to
 * executors, which find shipped files by name).
 */
public record ModelRequest(String model, String spec, String modelFile, String weights, boolean pretrained, int numClasses)
        implements Serializable {

    /** Finds a named file: {@code what} is "spec", "model file" or "weights", for messages. */
    @FunctionalInterface
    public interface FileFinder {
        Path find(String what, String name);
    }

    /** Files as they are named. */
    public static final FileFinder AS_NAMED = (what, name) -> Path.of(name);

    public ModelRequest {
        model = model == null ? "" : model.trim();
        spec = spec == null ? "" : spec.trim();
        modelFile = modelFile == null ? "" : modelFile.trim();
        weights = weights == null ? "" : weights.trim();
    }

    /** The weights that {@link #named} takes for the variant's published ones ({@code --pretrained}). */
    public static final String PRETRAINED = "pretrained";

    /**
     * A request from one name and its weights, as a notebook says it ({@code model("cvt-13")},
     * {@code model("spec.yaml", "w.pth")}, {@code model("best.safetensors")}): {@code what} is a
     * registered variant, else a model file ({@code .safetensors}, as {@link ModelFile} saves) or
     * a spec file ({@code .yaml}, {@code .yml}, {@code .json}); anything else is taken for a
     * variant's name, so that a wrong one is an {@link UnknownModelException} listing the known.
     * {@code weights}: a checkpoint file, {@value #PRETRAINED}, or null for random weights.
     */
    public static ModelRequest named(String what, String weights) {
        String name = what == null ? "" : what.trim();
        String w = weights == null ? "" : weights.trim();
        boolean pretrained = w.equals(PRETRAINED);
        String file = name.toLowerCase(java.util.Locale.ROOT);
        boolean variant = Zoo.variants().stream().anyMatch(v -> v.name().equals(name));
        boolean modelFile = !variant && file.endsWith(".safetensors");
        boolean spec = !variant && !modelFile && (file.endsWith(".yaml") || file.endsWith(".yml") || file.endsWith(".json"));
        return new ModelRequest(modelFile || spec ? null : name, spec ? name : null, modelFile ? name : null,
                pretrained ? null : w, pretrained, 0);
    }

    /** A request from command-line values, where null means "not given". */
    public static ModelRequest of(String model, Path spec, Path modelFile, Path weights, boolean pretrained, Integer numClasses) {
        return new ModelRequest(model, spec == null ? null : spec.toString(), modelFile == null ? null : modelFile.toString(),
                weights == null ? null : weights.toString(), pretrained, numClasses == null ? 0 : numClasses);
    }

    /**
     * Checks what goes together (not the files); each problem is a {@link ZooException} of one
     * line naming the options.
     *
     * @param weightsRequiredBecause null where random weights will do; else why they will not
     */
    public ModelRequest check(String weightsRequiredBecause) {
        int given = (model.isEmpty() ? 0 : 1) + (spec.isEmpty() ? 0 : 1) + (modelFile.isEmpty() ? 0 : 1);
        if (given != 1) throw new ZooException("give exactly one of --model NAME, --spec FILE or --model-file FILE");
        if (numClasses < 0) throw new ZooException("--num-classes must be positive (0: the model's own), got " + numClasses);
        if (!modelFile.isEmpty()) {
            if (!weights.isEmpty() || pretrained || numClasses > 0) {
                throw new ZooException("--model-file carries the model, its weights and its classes: give it alone");
            }
            return this;
        }
        if (!weights.isEmpty() && pretrained) throw new ZooException("give --weights FILE or --pretrained, not both");
        if (pretrained && model.isEmpty()) throw new ZooException("--pretrained needs --model NAME");
        if (weightsRequiredBecause != null && weights.isEmpty() && !pretrained) {
            throw new ZooException("give --weights FILE or --pretrained (" + weightsRequiredBecause + ")");
        }
        return this;
    }

    /** Whether the weights will be random (neither a model file, nor --weights, nor --pretrained). */
    public boolean randomWeights() {
        return modelFile.isEmpty() && weights.isEmpty() && !pretrained;
    }

    /** The model, files named as they are. */
    public VisionModel load() {
        return load(AS_NAMED);
    }

    /**
     * The model with its weights (and the evaluation preprocessing its spec carries), checked
     * first (random weights allowed).
     *
     * @param files finds a named file ({@code Path::of}; Spark also looks among shipped files)
     */
    public VisionModel load(FileFinder files) {
        check(null);
        if (!modelFile.isEmpty()) return ModelFile.load(files.find("model file", modelFile));
        Architecture arch = architecture(files);
        Path w = pretrained ? pretrainedWeights() : weights.isEmpty() ? null : files.find("weights", weights);
        return w == null ? new VisionModel(arch) : VisionModel.fromCheckpoint(arch, w);
    }

    /** The variant's published weights; the library's advice in Java terms (Zoo.load) said in the options' words. */
    private Path pretrainedWeights() {
        try {
            return Zoo.pretrainedWeights(model, WeightsCache.standard());
        } catch (ZooException e) {
            String msg = e.getMessage().replaceAll("(, or |; )load (a local copy|a checkpoint file) with Zoo\\.load\\(.*\\)$", "");
            throw new ZooException(msg + "; or pass --weights FILE (bin/cvt models --sources: where the weights come from)", e);
        }
    }

    /** The architecture of a variant or spec (a model file carries its own: load it). */
    public Architecture architecture(FileFinder files) {
        check(null);
        if (!modelFile.isEmpty()) throw new IllegalStateException("a model file carries its own architecture: load() it");
        Integer classes = numClasses > 0 ? numClasses : null;
        return !model.isEmpty() ? Zoo.architecture(model, classes) : Zoo.architecture(files.find("spec", spec), classes);
    }

    /** The model's short name: the variant, or the spec's or model file's file name. */
    public String name() {
        return !model.isEmpty() ? model : Path.of(!spec.isEmpty() ? spec : modelFile).getFileName().toString();
    }

    /** What was asked, for messages: "cvt-13 + w.pth", "cvt-13 (pretrained)", "spec.yaml + w.pth", "best.safetensors". */
    public String label() {
        if (!modelFile.isEmpty()) return modelFile;
        String weightsPart = pretrained ? " (pretrained)" : weights.isEmpty() ? " (random weights)" : " + " + weights;
        return (!model.isEmpty() ? model : spec) + weightsPart;
    }
}
