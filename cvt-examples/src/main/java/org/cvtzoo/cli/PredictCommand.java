package org.cvtzoo.cli;

import org.cvtzoo.core.weights.Npy;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Run a model on a preprocessed float32 NCHW batch (.npy) and write its logits and features.")
final class PredictCommand implements Callable<Integer> {
    @Mixin
    ModelChoice model;

    @Mixin
    Main.Common common;

    @Option(names = "--weights", paramLabel = "FILE", required = true,
            description = "Checkpoint: .pth (torch.save) or .safetensors, official or Hugging Face names.")
    Path weights;

    @Option(names = "--input", paramLabel = "X.npy", description = "float32 [B, 3, H, W], already preprocessed.")
    Path input;

    @Parameters(paramLabel = "IMAGE", arity = "0..*", hidden = true)
    List<Path> images = new ArrayList<>();

    @Option(names = "--logits-out", paramLabel = "OUT.npy", description = "Write float32 logits [B, classes].")
    Path logitsOut;

    @Option(names = "--features-out", paramLabel = "F.npy", description = "Write float32 pre-logits features [B, dim].")
    Path featuresOut;

    @Option(names = "--attention-out", paramLabel = "A.npy",
            description = "Write float32 attention maps: CvT [B, heads, kh, kw] (last stage's class token over the key grid).")
    Path attentionOut;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16",
            description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Override
    public Integer call() throws IOException {
        if (!images.isEmpty()) {
            throw new Errors.UserError("image files as input are not supported yet; give a preprocessed batch with --input X.npy");
        }
        if (input == null) throw new Errors.UserError("give the input batch with --input X.npy");
        if (batchSize < 1) throw new Errors.UserError("--batch-size must be at least 1");
        for (Path out : new Path[]{logitsOut, featuresOut, attentionOut}) {
            if (out != null && Files.isDirectory(out)) throw new Errors.UserError("output " + out + " is a directory");
        }
        Architecture arch = model.architecture();
        INDArray x = InputArrays.readImageBatch(input);

        long t0 = System.nanoTime();
        VisionModel m = VisionModel.fromCheckpoint(arch, weights);
        long t1 = System.nanoTime();
        if (attentionOut != null && !m.hasAttentionMap()) {
            throw new Errors.UserError(arch.name() + " has no attention map (its last stage has no class token)");
        }
        List<INDArray> logits = new ArrayList<>(), features = new ArrayList<>(), attention = new ArrayList<>();
        long n = x.size(0);
        for (long i = 0; i < n; i += batchSize) {
            INDArray chunk = x.get(NDArrayIndex.interval(i, Math.min(n, i + batchSize)), NDArrayIndex.all(),
                    NDArrayIndex.all(), NDArrayIndex.all());
            VisionModel.Output o = m.forward(chunk.dup());
            logits.add(o.logits());
            features.add(o.features());
            if (attentionOut != null) attention.add(o.attention());
        }
        long t2 = System.nanoTime();
        INDArray allLogits = Nd4j.concat(0, logits.toArray(INDArray[]::new));
        INDArray allFeatures = Nd4j.concat(0, features.toArray(INDArray[]::new));

        Map<Path, INDArray> outputs = new LinkedHashMap<>();
        if (logitsOut != null) outputs.put(logitsOut, allLogits);
        if (featuresOut != null) outputs.put(featuresOut, allFeatures);
        if (attentionOut != null) outputs.put(attentionOut, Nd4j.concat(0, attention.toArray(INDArray[]::new)));
        OutputFiles.writeAll(outputs);

        System.err.printf("%s: %d image(s) %dx%d, load %.2f s, forward %.2f s%n", arch.name(), n, x.size(2), x.size(3),
                (t1 - t0) / 1e9, (t2 - t1) / 1e9);
        INDArray top = allLogits.argMax(1);
        for (long i = 0; i < n; i++) {
            System.out.printf("%d: class %d (logit %.4f)%n", i, top.getLong(i), allLogits.getDouble(i, top.getLong(i)));
        }
        return 0;
    }
}
