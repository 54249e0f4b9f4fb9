package org.cvtzoo.cli;

import org.cvtzoo.core.image.HeatMap;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.explain.Explainer;
import org.cvtzoo.zoo.explain.Faithfulness;
import org.cvtzoo.zoo.explain.Method;
import org.cvtzoo.zoo.explain.Rollout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Explain where the model looked: maps over the patch grid as heat maps (PNG) or arrays.",
                "With --score, the deletion and insertion metrics (Petsiuk et al.) of the method and of random maps over a folder.",
                "Methods: last (the model's attention), rollout and chefer (ViT), gradcam (every family),",
                "class-attention (PatchConvNet)."})
final class ExplainCommand implements Callable<Integer> {
    @Mixin
    ModelChoice model;

    @Mixin
    Main.Common common;

    @Parameters(paramLabel = "IMAGE", arity = "0..*", description = "Images or folders of images to explain.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--method", required = true, description = "last, rollout, gradcam, chefer or class-attention.")
    String method;

    @Option(names = "--class", defaultValue = "top", paramLabel = "LABEL|top",
            description = "The class to explain: a class name or index, or top (each image's predicted class; default).")
    String label;

    @Option(names = "--fusion", defaultValue = "mean", description = "rollout: how heads are fused, mean, max or min (default: ${DEFAULT-VALUE}).")
    String fusion;

    @Option(names = "--discard", defaultValue = "0", description = "rollout: share of the lowest attention weights dropped per block (default: ${DEFAULT-VALUE}).")
    double discard;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the heat maps (IMAGE-METHOD.png).")
    Path out;

    @Option(names = "--maps-out", paramLabel = "maps.npy", description = "The maps as float32 [N, h, w] (raw values).")
    Path mapsOut;

    @Option(names = "--score", paramLabel = "DIR", description = "Deletion and insertion areas of the method and of random maps over DIR's images.")
    Path score;

    @Option(names = "--steps", defaultValue = "16", description = "--score: steps of each curve, at most one per grid cell (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--fill", defaultValue = "mean", description = "--score: what removed pixels become, mean (0 in the normalised input,"
            + " as RISE's code deletes) or black (default: ${DEFAULT-VALUE}).")
    String fill;

    @Option(names = "--seed", defaultValue = "0", description = "--score: seed of the random maps (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--alpha", defaultValue = "0.5", description = "Opacity of the heat map (default: ${DEFAULT-VALUE}).")
    double alpha;

    @Override
    public Integer call() throws IOException {
        Method m = Method.parse(method);
        Rollout rollout = new Rollout(Rollout.Fusion.parse(fusion), discard);
        if (images.isEmpty() && score == null) throw new Errors.UserError("give images to explain, or --score DIR");
        if (!images.isEmpty() && out == null && mapsOut == null) throw new Errors.UserError("give --out DIR and/or --maps-out FILE for the maps");
        if (steps < 1) throw new Errors.UserError("--steps must be at least 1");
        if (!(alpha >= 0 && alpha <= 1)) throw new Errors.UserError("--alpha must be between 0 and 1");
        model.checkWeights(true);
        VisionModel vm = model.load();
        Explainer explainer = Explainer.of(vm);
        explainer.check(m);
        Integer cls = label.equals("top") ? null : Explainer.classIndex(vm.classNames(), label);
        if (!images.isEmpty()) writeMaps(vm, explainer, m, cls, rollout, ImageFiles.collect(images));
        if (score != null) score(vm, explainer, m, cls, rollout, ImageFiles.collect(List.of(score)));
        return 0;
    }

    private void writeMaps(VisionModel vm, Explainer explainer, Method m, Integer cls, Rollout rollout, List<Path> files)
            throws IOException {
        if (out != null) {
            if (Files.exists(out) && !Files.isDirectory(out)) throw new Errors.UserError("--out " + out + " is not a folder");
            Files.createDirectories(out);
        }
        List<INDArray> maps = new ArrayList<>();
        for (Path file : files) {
            RgbImage img = Images.read(file);
            INDArray x = vm.preprocess(List.of(img));
            Explainer.Explanation e = explainer.explain(x, m, cls == null ? null : new int[]{cls}, rollout);
            INDArray map = e.maps().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0));
            maps.add(map);
            String name = vm.classNames().get(e.classes()[0]);
            if (out != null) {
                Path png = out.resolve(stem(file) + "-" + m.cliName() + ".png");
                HeatMap.writePng(HeatMap.overlay(vm.eval().resizeAndCrop(img), map.reshape(1, map.size(0), map.size(1)), alpha), png);
                System.out.printf(Locale.ROOT, "%s: %s for %s, %s%n", file, m, name, png);
            } else {
                System.out.printf(Locale.ROOT, "%s: %s for %s%n", file, m, name);
            }
        }
        if (mapsOut != null) {
            OutputFiles.writeAll(Map.of(mapsOut, Nd4j.stack(0, maps.toArray(new INDArray[0]))));
            System.out.println("maps " + java.util.Arrays.toString(new long[]{maps.size(), maps.get(0).size(0), maps.get(0).size(1)})
                    + " written to " + mapsOut);
        }
    }

    private void score(VisionModel vm, Explainer explainer, Method m, Integer cls, Rollout rollout, List<Path> files) {
        Random rng = new Random(seed);
        double[] fillValues = switch (fill) {
            case "mean" -> null;
            case "black" -> Faithfulness.black(vm.eval().mean(), vm.eval().std());
            default -> throw new Errors.UserError("--fill must be mean or black, got '" + fill + "'");
        };
        double[] sums = new double[4];
        for (Path file : files) {
            INDArray x = vm.preprocess(List.of(Images.read(file)));
            Explainer.Explanation e = explainer.explain(x, m, cls == null ? null : new int[]{cls}, rollout);
            INDArray map = e.maps().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0));
            Faithfulness.Curves method = Faithfulness.measure(vm, x, map, e.classes()[0], steps, fillValues);
            Faithfulness.Curves random = Faithfulness.measure(vm, x, Faithfulness.randomMap(map.size(0), map.size(1), rng),
                    e.classes()[0], steps, fillValues);
            sums[0] += method.deletionAuc();
            sums[1] += method.insertionAuc();
            sums[2] += random.deletionAuc();
            sums[3] += random.insertionAuc();
        }
        int n = files.size();
        System.out.printf(Locale.ROOT, "%d images of %s, removed pixels %s; areas under the probability curves (deletion: lower is better,"
                + " insertion: higher is better)%n", n, score, fill.equals("mean") ? "to the normalisation mean" : "to black");
        System.out.printf(Locale.ROOT, "%-16s %10s %10s%n", "method", "deletion", "insertion");
        System.out.printf(Locale.ROOT, "%-16s %10.4f %10.4f%n", m.cliName(), sums[0] / n, sums[1] / n);
        System.out.printf(Locale.ROOT, "%-16s %10.4f %10.4f%n", "random", sums[2] / n, sums[3] / n);
    }

    private static String stem(Path file) {
        String n = file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
