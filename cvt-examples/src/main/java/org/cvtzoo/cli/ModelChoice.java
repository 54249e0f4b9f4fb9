package org.cvtzoo.cli;

import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.ModelFile;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.cvtzoo.zoo.download.DownloadException;
import org.cvtzoo.zoo.download.WeightsCache;
import org.cvtzoo.zoo.spec.SpecException;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/**
 * {@code --model NAME | --spec FILE | --model-file FILE}, {@code --num-classes N} and the weights
 * ({@code --weights FILE | --pretrained}), shared by the commands.
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

    Architecture architecture() {
        int given = (model != null ? 1 : 0) + (spec != null ? 1 : 0) + (modelFile != null ? 1 : 0);
        if (given != 1) throw new Errors.UserError("give exactly one of --model NAME, --spec FILE or --model-file FILE");
        if (modelFile != null) throw new IllegalStateException("a model file carries its own architecture");
        return model != null ? Zoo.architecture(model, numClasses) : Zoo.architecture(spec, numClasses);
    }

    /** Checks the choice of weights; {@code required}: predictions of random weights mean nothing. */
    void checkWeights(boolean required) {
        if (modelFile != null) {
            if (weights != null || pretrained || model != null || spec != null) {
                throw new Errors.UserError("--model-file carries the model and its weights: give it alone");
            }
            return;
        }
        architectureChoiceOnly();
        if (weights != null && pretrained) throw new Errors.UserError("give --weights FILE or --pretrained, not both");
        if (required && weights == null && !pretrained) {
            throw new Errors.UserError("give --weights FILE or --pretrained (predictions of random weights mean nothing)");
        }
        if (pretrained && model == null) throw new Errors.UserError("--pretrained needs --model NAME");
    }

    private void architectureChoiceOnly() {
        if ((model == null) == (spec == null)) throw new Errors.UserError("give exactly one of --model NAME, --spec FILE or --model-file FILE");
    }

    /** The model with its weights (and the evaluation preprocessing its spec carries). */
    VisionModel load() {
        if (modelFile != null) return ModelFile.load(modelFile);
        Architecture arch = architecture();
        Path w = pretrained ? pretrainedWeights() : weights;
        return w == null ? new VisionModel(arch) : VisionModel.fromCheckpoint(arch, w);
    }

    /** The library says what to do in Java terms (Zoo.load); here the same in the command's words. */
    private Path pretrainedWeights() {
        try {
            return Zoo.pretrainedWeights(model, WeightsCache.standard());
        } catch (DownloadException | SpecException e) {
            String msg = e.getMessage().replaceAll("(, or |; )load (a local copy|a checkpoint file) with Zoo\\.load\\(.*\\)$", "");
            throw new Errors.UserError(msg + "; or pass --weights FILE (bin/cvt models --sources: where the weights come from)");
        }
    }

    String describe() {
        return modelFile != null ? modelFile.getFileName().toString() : model != null ? model : spec.getFileName().toString();
    }
}
