package org.cvtzoo.cli;

import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.ModelRequest;
import org.cvtzoo.zoo.VisionModel;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --model NAME | --spec FILE | --model-file FILE}, {@code --num-classes N} and the weights
 * ({@code --weights FILE | --pretrained}), shared by the commands: the options of a
 * {@link ModelRequest}, which checks and loads.
 * (Plain options checked here: picocli lists an exclusive group in a mixin twice in --help.)
 */
final class ModelChoice {
    @Option(names = "--model", paramLabel = "NAME", description = "A registered variant (see: cvt models).")
    String model;

    @Option(names = "--spec", paramLabel = "FILE",
            description = "A model spec: an official CvT experiment YAML (or JSON of its structure), "
                    + "or a flat JSON with \"family\": \"vit\" / \"patchconvnet\".")
    Path spec;

    @Option(names = "--model-file", paramLabel = "FILE",
            description = "A model saved by this tool (e.g. finetune's best.safetensors): spec, weights and class names in one file.")
    Path modelFile;

    @Option(names = "--num-classes", paramLabel = "N", description = "Classes of the head (default: the variant's or spec's).")
    Integer numClasses;

    @Option(names = "--weights", paramLabel = "FILE",
            description = "Checkpoint: .pth (torch.save) or .safetensors, official or Hugging Face names.")
    Path weights;

    @Option(names = "--pretrained", description = "The variant's official weights, downloaded once into the cache.")
    boolean pretrained;

    /** What the options ask for (the one description of "which model", shared with cvt-spark and notebooks). */
    ModelRequest request() {
        return ModelRequest.of(model, spec, modelFile, weights, pretrained, numClasses);
    }

    /** Checks the choice of model and weights; {@code required}: predictions of random weights mean nothing. */
    void checkWeights(boolean required) {
        request().check(required ? "predictions of random weights mean nothing" : null);
    }

    /** The model with its weights (and the evaluation preprocessing its spec carries). */
    VisionModel load() {
        return request().load();
    }

    /** The architecture asked for (not for --model-file), so that a bad name or spec fails early. */
    Architecture architecture() {
        return request().architecture(ModelRequest.AS_NAMED);
    }


    String describe() {
        return request().name();
    }
}
