package org.cvtzoo.cli;

import org.cvtzoo.core.image.HeatMap;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.Prediction;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "attention", mixinStandardHelpOptions = true,
        description = "Write an image with the model's attention map laid over it as a heat map (PNG).")
final class AttentionCommand implements Callable<Integer> {
    @Mixin
    ModelChoice model;

    @Mixin
    Main.Common common;

    @Parameters(paramLabel = "IMAGE", arity = "1")
    Path image;

    @Option(names = "--out", paramLabel = "HEAT.png", required = true, description = "The PNG to write.")
    Path out;

    @Option(names = "--alpha", defaultValue = "0.5", description = "Opacity of the heat map (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Option(names = "--class", paramLabel = "LABEL", description = "With one class token per class (PatchConvNet multiclass):"
            + " whose map to show, a class name or index (default: the predicted class).")
    String label;

    @Override
    public Integer call() throws IOException {
        model.checkWeights(true);
        if (!(alpha >= 0 && alpha <= 1)) throw new Errors.UserError("--alpha must be between 0 and 1");
        if (Files.isDirectory(out)) throw new Errors.UserError("output " + out + " is a directory");
        if (model.modelFile == null) model.architecture();
        RgbImage img = Images.read(image);
        VisionModel m = model.load();
        if (!m.hasAttentionMap()) {
            throw new Errors.UserError(m.architecture().name() + " has no attention map (its last stage has no class token)");
        }
        VisionModel.Output o = m.forward(m.preprocess(List.of(img)));
        INDArray map = o.attention().slice(0);
        Prediction p = m.predictions(o.logits(), 1).get(0);
        if (m.architecture().attentionPerClass()) { // one map per class: the asked or the predicted class's
            int cls = label != null ? org.cvtzoo.zoo.explain.Explainer.classIndex(m.classNames(), label) : p.best().index();
            map = map.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(cls, cls + 1)).dup();
        } else if (label != null) {
            throw new Errors.UserError("--class picks a map of a model with one class token per class; "
                    + m.architecture().name() + "'s attention is per head (see bin/cvt explain for class-specific maps)");
        }
        HeatMap.writePng(HeatMap.overlay(m.eval().resizeAndCrop(img), map, alpha), out);
        System.out.printf(Locale.ROOT, "%s: %s (%.1f%%); attention map %s written to %s%n", image, p.best().name(),
                100 * p.best().probability(), java.util.Arrays.toString(map.shape()), out);
        return 0;
    }
}
