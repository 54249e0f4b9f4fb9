package org.cvtzoo.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.cvtzoo.core.image.ImageException;
import org.cvtzoo.core.weights.AtomicFile;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.Prediction;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = {"Classify images (top-k ImageNet labels), or run a preprocessed batch; write logits, features, attention.",
                "A preprocessed batch is a float32 NCHW .npy file (--input X.npy)."})
final class PredictCommand implements Callable<Integer> {
    @Mixin
    ModelChoice model;

    @Mixin
    Main.Common common;

    @Parameters(paramLabel = "IMAGE|DIR", arity = "0..*", description = "Images (JPEG, PNG, BMP, GIF) or directories of them.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--input", paramLabel = "X.npy", description = "Instead of images: float32 [B, 3, H, W], already preprocessed.")
    Path input;

    @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "Labels per image (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--format", defaultValue = "text", description = "text, json or csv (default: ${DEFAULT-VALUE}).")
    String format;

    @Option(names = "--logits-out", paramLabel = "OUT.npy", description = "Write float32 logits [B, classes].")
    Path logitsOut;

    @Option(names = "--features-out", paramLabel = "F.npy",
            description = "Write float32 pre-logits features [B, dim] (for images, also F.txt: the file of each row).")
    Path featuresOut;

    @Option(names = "--attention-out", paramLabel = "A.npy",
            description = "Write float32 attention maps [B, heads, h, w]: the class token's attention over the patch grid (PatchConvNet: one head).")
    Path attentionOut;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16",
            description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    private double loadSeconds;

    @Override
    public Integer call() throws IOException {
        if ((input == null) == images.isEmpty()) {
            throw new Errors.UserError("give images (files or directories) or a preprocessed batch with --input X.npy");
        }
        model.checkWeights(true);
        if (batchSize < 1) throw new Errors.UserError("--batch-size must be at least 1");
        if (top < 1) throw new Errors.UserError("--top must be at least 1");
        if (!List.of("text", "json", "csv").contains(format)) throw new Errors.UserError("--format must be text, json or csv");
        for (Path out : new Path[]{logitsOut, featuresOut, attentionOut}) {
            if (out != null && Files.isDirectory(out)) throw new Errors.UserError("output " + out + " is a directory");
        }
        if (model.modelFile == null) model.architecture(); // a bad spec or name fails before the inputs are read
        INDArray x = input == null ? null : InputArrays.readImageBatch(input);
        List<Path> files = input == null ? ImageFiles.collect(images) : List.of();

        long t0 = System.nanoTime();
        VisionModel m = model.load();
        if (attentionOut != null && !m.hasAttentionMap()) {
            throw new Errors.UserError(m.architecture().name() + " has no attention map (its last stage has no class token)");
        }
        loadSeconds = (System.nanoTime() - t0) / 1e9;
        return x != null ? runArray(m, x) : runImages(m, files);
    }

    /** A preprocessed batch: logits, features and attention as arrays; the top-1 class of each row. */
    private int runArray(VisionModel m, INDArray x) throws IOException {
        long t0 = System.nanoTime();
        Outputs o = new Outputs(attentionOut != null);
        long n = x.size(0);
        for (long i = 0; i < n; i += batchSize) {
            INDArray chunk = x.get(NDArrayIndex.interval(i, Math.min(n, i + batchSize)), NDArrayIndex.all(),
                    NDArrayIndex.all(), NDArrayIndex.all());
            o.add(m.forward(chunk.dup()));
        }
        System.err.printf("%s: %d image(s) %dx%d, load %.2f s, forward %.2f s%n", m.architecture().name(), n, x.size(2),
                x.size(3), loadSeconds, (System.nanoTime() - t0) / 1e9);
        o.write(null);
        INDArray logits = o.logits();
        INDArray best = logits.argMax(1);
        for (long i = 0; i < n; i++) {
            System.out.printf(Locale.ROOT, "%d: class %d (logit %.4f)%n", i, best.getLong(i), logits.getDouble(i, best.getLong(i)));
        }
        return 0;
    }

    /** Image files: decoded, preprocessed with the model's evaluation transform, classified in batches. */
    private int runImages(VisionModel m, List<Path> files) throws IOException {
        Outputs o = new Outputs(attentionOut != null);
        List<Path> done = new ArrayList<>();
        List<Prediction> predictions = new ArrayList<>();
        int failed = 0;
        ProgressBar bar = new ProgressBar("images", files.size(), 5);
        for (int i = 0; i < files.size(); i += batchSize) {
            List<Path> chunk = files.subList(i, Math.min(files.size(), i + batchSize));
            List<RgbImage> decoded = new ArrayList<>();
            List<Path> ok = new ArrayList<>();
            for (Path f : chunk) {
                try {
                    decoded.add(Images.read(f));
                    ok.add(f);
                } catch (ImageException e) {
                    System.err.println((files.size() >= 5 ? "\n" : "") + "error: " + e.getMessage());
                    failed++;
                }
            }
            if (!decoded.isEmpty()) {
                INDArray x = m.preprocess(decoded);
                VisionModel.Output out;
                try {
                    out = m.forward(x);
                } finally {
                    x.close(); // off the heap, where the collector does not see batches pile up over a large folder
                }
                o.add(out);
                predictions.addAll(m.predictions(out.logits(), top));
                done.addAll(ok);
            }
            bar.update(Math.min(files.size(), i + batchSize));
        }
        print(done, predictions);
        if (!done.isEmpty()) o.write(done);
        if (failed > 0) {
            System.err.printf("error: %d of %d images could not be read%n", failed, files.size());
            return Main.EXIT_USER_ERROR;
        }
        return 0;
    }

    private void print(List<Path> files, List<Prediction> predictions) throws IOException {
        switch (format) {
            case "json" -> {
                ObjectMapper json = new ObjectMapper();
                ArrayNode all = json.createArrayNode();
                for (int i = 0; i < files.size(); i++) {
                    ObjectNode row = all.addObject().put("file", files.get(i).toString());
                    ArrayNode labels = row.putArray("top");
                    for (Prediction.Label l : predictions.get(i).top()) {
                        labels.addObject().put("index", l.index()).put("label", l.name()).put("probability", l.probability());
                    }
                }
                System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(all));
            }
            case "csv" -> {
                System.out.println("file,rank,index,label,probability");
                for (int i = 0; i < files.size(); i++) {
                    int rank = 1;
                    for (Prediction.Label l : predictions.get(i).top()) {
                        System.out.printf(Locale.ROOT, "%s,%d,%d,%s,%.6f%n", csv(files.get(i).toString()), rank++, l.index(),
                                csv(l.name()), l.probability());
                    }
                }
            }
            default -> {
                for (int i = 0; i < files.size(); i++) {
                    System.out.println(files.get(i));
                    for (Prediction.Label l : predictions.get(i).top()) {
                        System.out.printf(Locale.ROOT, "  %6.2f%%  %s%n", 100 * l.probability(), l.name());
                    }
                }
            }
        }
    }

    private static String csv(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    /** The arrays gathered over the batches, written all or nothing at the end. */
    private final class Outputs {
        private final boolean attention;
        private final List<INDArray> logits = new ArrayList<>(), features = new ArrayList<>(), maps = new ArrayList<>();

        Outputs(boolean attention) {
            this.attention = attention;
        }

        void add(VisionModel.Output o) {
            logits.add(o.logits());
            features.add(o.features());
            if (attention) maps.add(o.attention());
        }

        INDArray logits() {
            return Nd4j.concat(0, logits.toArray(INDArray[]::new));
        }

        /** Writes the requested files; with image files, features get a list of the file of each row. */
        void write(List<Path> files) throws IOException {
            Map<Path, INDArray> out = new LinkedHashMap<>();
            if (logitsOut != null) out.put(logitsOut, logits());
            if (featuresOut != null) out.put(featuresOut, Nd4j.concat(0, features.toArray(INDArray[]::new)));
            if (attentionOut != null) out.put(attentionOut, Nd4j.concat(0, maps.toArray(INDArray[]::new)));
            OutputFiles.writeAll(out);
            if (featuresOut != null && files != null) {
                Path list = featuresOut.resolveSibling(featuresOut.getFileName().toString().replaceFirst("\\.npy$", "") + ".txt");
                byte[] text = (String.join("\n", files.stream().map(Path::toString).toList()) + "\n")
                        .getBytes(StandardCharsets.UTF_8);
                AtomicFile.write(list, ch -> AtomicFile.writeFully(ch, java.nio.ByteBuffer.wrap(text)));
            }
        }
    }
}
