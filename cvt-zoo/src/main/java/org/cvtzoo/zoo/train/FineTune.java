package org.cvtzoo.zoo.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvtzoo.core.data.Batch;
import org.cvtzoo.core.data.BatchLoader;
import org.cvtzoo.core.data.Dataset;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.weights.CheckpointException;
import org.cvtzoo.core.weights.Checkpoints;
import org.cvtzoo.core.weights.SafetensorsWriter;
import org.cvtzoo.core.weights.StateDict;
import org.cvtzoo.zoo.ModelFile;
import org.cvtzoo.zoo.ParameterGroups;
import org.cvtzoo.zoo.TrainingGraph;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Fine-tunes a zoo model on a dataset: a new head for the new classes, a choice of what trains
 * (head only, the last N blocks, or everything; the family's {@link ParameterGroups} say which
 * parameters those are), AdamW (decoupled decay, none on norms, biases, tokens, position
 * embeddings and layer scales) or SGD with momentum, linear warm-up then cosine
 * learning rate, label smoothing, gradient clipping; after each epoch validation loss and top-1 /
 * top-5, a checkpoint written atomically (resumable with optimiser state and schedule), and the
 * best model kept as a model file.
 *
 * <pre>{@code
 * FineTune.Result r = FineTune.of(Zoo.load("cvt-13", weights)).numClasses(10).classNames(names)
 *         .freezeBackbone().epochs(5).outputDir(dir).fit(train, validation);
 * }</pre>
 */
public final class FineTune {
    /** One epoch's figures. */
    public record EpochReport(int epoch, int epochs, double trainLoss, double trainTop1, double valLoss, double valTop1,
                              double valTop5, double lr, double seconds) {
    }

    /** Progress as training goes: every batch and every epoch. */
    public interface Listener {
        default void batch(int epoch, int batch, int batches, double loss) {
        }

        default void epoch(EpochReport report) {
        }
    }

    public record Result(VisionModel best, List<EpochReport> history, Path bestFile) {
    }

    public static final String LAST = "last.ckpt.safetensors", BEST = "best.safetensors";

    private final VisionModel base;
    private Integer numClasses;
    private List<String> classNames;
    private Trainable trainable = Trainable.ALL;
    private int epochs = 5, batchSize = 32;
    private double lr = 5e-4, minLr = 1e-6, warmupEpochs = 1, weightDecay = 0.05, momentum = 0.9;
    private double labelSmoothing = 0.1, clipNorm = 0;
    private String optimizer = "adamw";
    private long seed = 42;
    private int[] inputSize;
    private Path outputDir;
    private boolean resume;
    private Listener listener = new Listener() {
    };

    private FineTune(VisionModel base) {
        this.base = base;
    }

    public static FineTune of(VisionModel base) {
        return new FineTune(base);
    }

    public FineTune numClasses(int n) {
        this.numClasses = n;
        return this;
    }

    public FineTune classNames(List<String> names) {
        this.classNames = List.copyOf(names);
        return this;
    }

    /** Trains the new head only (the rest keeps its pretrained values; BatchNorm statistics still move, as in PyTorch's train mode). */
    public FineTune freezeBackbone() {
        trainable = Trainable.HEAD;
        return this;
    }

    public FineTune trainAll() {
        trainable = Trainable.ALL;
        return this;
    }

    /** Trains the head, the final norm and the last {@code n} transformer blocks. */
    public FineTune unfreezeLast(int n) {
        trainable = Trainable.lastBlocks(n);
        return this;
    }

    public FineTune epochs(int n) {
        epochs = positive(n, "epochs");
        return this;
    }

    public FineTune batchSize(int n) {
        batchSize = positive(n, "batch size");
        return this;
    }

    public FineTune lr(double v) {
        lr = v;
        return this;
    }

    public FineTune minLr(double v) {
        minLr = v;
        return this;
    }

    public FineTune warmupEpochs(double v) {
        warmupEpochs = v;
        return this;
    }

    public FineTune weightDecay(double v) {
        weightDecay = v;
        return this;
    }

    /** {@code adamw} (default) or {@code sgd} (with {@link #momentum}). */
    public FineTune optimizer(String name) {
        if (!name.equals("adamw") && !name.equals("sgd")) throw new IllegalArgumentException("optimizer must be adamw or sgd, got " + name);
        optimizer = name;
        return this;
    }

    public FineTune momentum(double v) {
        momentum = v;
        return this;
    }

    public FineTune labelSmoothing(double v) {
        if (v < 0 || v >= 1) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + v);
        labelSmoothing = v;
        return this;
    }

    /** Clips gradients to this global L2 norm (0: no clipping). */
    public FineTune clipNorm(double v) {
        clipNorm = v;
        return this;
    }

    public FineTune seed(long s) {
        seed = s;
        return this;
    }

    /** The training input size (default: the model's evaluation crop, or its native size). */
    public FineTune inputSize(int h, int w) {
        inputSize = new int[]{h, w};
        return this;
    }

    /** Where checkpoints ({@value #LAST}) and the best model ({@value #BEST}) go. */
    public FineTune outputDir(Path dir) {
        outputDir = dir;
        return this;
    }

    /** Continue from {@code outputDir}'s last checkpoint: parameters, optimiser state, epoch and schedule. */
    public FineTune resume(boolean r) {
        resume = r;
        return this;
    }

    public FineTune listener(Listener l) {
        listener = l;
        return this;
    }

    private static int positive(int n, String what) {
        if (n < 1) throw new IllegalArgumentException(what + " must be at least 1, got " + n);
        return n;
    }

    /** The model with the new head (pretrained values copied for every other parameter). */
    VisionModel withHead() {
        int n = numClasses == null ? base.architecture().numClasses() : numClasses;
        VisionModel m = base;
        if (n != base.architecture().numClasses()) {
            Nd4j.getRandom().setSeed(seed); // the new head's initial values follow the run's seed
            m = new VisionModel(base.architecture().withNumClasses(n));
            Map<String, ParamStore.Entry> from = base.parameters().entries();
            for (ParamStore.Entry e : m.parameters().entries().values()) {
                ParamStore.Entry src = from.get(e.name());
                if (src != null && java.util.Arrays.equals(src.torchShape(), e.torchShape())) e.value().assign(src.value());
            }
        }
        m.withEval(base.eval());
        if (classNames != null) m.withClassNames(classNames);
        return m;
    }

    public Result fit(Dataset train, Dataset validation) {
        if (outputDir == null) throw new IllegalArgumentException("set outputDir(...) for checkpoints and the best model");
        try {
            Files.createDirectories(outputDir);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot create " + outputDir + ": " + e.getMessage(), e);
        }
        VisionModel model = withHead();
        int[] size = inputSize != null ? inputSize : model.eval().hasCrop()
                ? new int[]{model.eval().crop(), model.eval().crop()} : model.architecture().nativeSize();
        TrainingGraph graph = new TrainingGraph(model, size[0], size[1], new Random(seed));
        ParameterGroups groups = model.architecture().parameterGroups();
        List<String> names = trainable.select(graph.trainableNames(), groups);
        if (names.isEmpty()) throw new IllegalArgumentException("nothing to train (" + trainable + ")");
        Optimizer opt = optimizer.equals("adamw") ? new AdamW(weightDecay, DecayRule.of(groups))
                : new SgdMomentum(momentum, false, weightDecay, DecayRule.of(groups));
        int batchesPerEpoch = Math.max(1, train.size() / batchSize);
        long totalSteps = (long) epochs * batchesPerEpoch;
        LrSchedule schedule = LrSchedule.cosine(lr, lr * 1e-3, Math.round(warmupEpochs * batchesPerEpoch), minLr, totalSteps);

        List<EpochReport> history = new ArrayList<>();
        int startEpoch = 0;
        double bestTop1 = -1;
        if (resume && Files.exists(outputDir.resolve(LAST))) {
            Checkpoint c = Checkpoint.read(outputDir.resolve(LAST), model, opt);
            startEpoch = c.epochsDone;
            bestTop1 = c.bestTop1;
            history.addAll(c.history);
        }
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String n : names) params.put(n, model.parameters().entries().get(n).value());

        try (BatchLoader loader = new BatchLoader(train, BatchLoader.Options.of(batchSize, seed).withDropLast(true))) {
            for (int epoch = startEpoch; epoch < epochs; epoch++) {
                long t0 = System.nanoTime();
                double lossSum = 0, lastLr = 0;
                long correct = 0, seen = 0;
                int b = 0;
                BatchLoader.Epoch batches = loader.epoch(epoch); // batches and masks depend on (seed, epoch) only: resumable
                graph.reseed(seed * 1_000_003L + epoch);
                while (batches.hasNext()) {
                    Batch batch = batches.next();
                    long step = opt.steps();
                    INDArray target = targets(batch.labels(), model.architecture().numClasses());
                    TrainingGraph.Step s = graph.step(batch.images(), target, names);
                    double norm = clipNorm > 0 ? GradClip.clipByGlobalNorm(s.gradients().values(), clipNorm) : 0;
                    if (Double.isFinite(norm) && Double.isFinite(s.loss())) { // a non-finite step is skipped
                        lastLr = schedule.lr(step);
                        opt.step(params, s.gradients(), lastLr);
                        graph.updateRunningStats(s, 0.1);
                        model.countTrainingStep();
                    }
                    TrainingGraph.releaseStepMemory();
                    lossSum += s.loss() * batch.labels().length;
                    correct += correctTop(s.logits(), batch.labels(), 1);
                    seen += batch.labels().length;
                    listener.batch(epoch + 1, ++b, batchesPerEpoch, s.loss());
                }
                double[] val = evaluate(model, validation);
                EpochReport r = new EpochReport(epoch + 1, epochs, lossSum / Math.max(1, seen),
                        (double) correct / Math.max(1, seen), val[0], val[1], val[2], lastLr, (System.nanoTime() - t0) / 1e9);
                history.add(r);
                if (val[1] > bestTop1 || Double.isNaN(val[1])) {
                    bestTop1 = Double.isNaN(val[1]) ? bestTop1 : val[1];
                    ModelFile.save(model, outputDir.resolve(BEST));
                }
                Checkpoint.write(outputDir.resolve(LAST), model, opt, epoch + 1, bestTop1, history);
                listener.epoch(r);
            }
        }
        Path best = outputDir.resolve(BEST);
        return new Result(Files.exists(best) ? ModelFile.load(best) : model, history, best);
    }

    private INDArray targets(int[] labels, int classes) {
        INDArray t = Nd4j.valueArrayOf(new long[]{labels.length, classes}, labelSmoothing / classes, DataType.FLOAT);
        for (int i = 0; i < labels.length; i++) t.putScalar(i, labels[i], 1 - labelSmoothing + labelSmoothing / classes);
        return t;
    }

    /** Validation loss (no smoothing), top-1 and top-5 accuracy with the inference graph. */
    private double[] evaluate(VisionModel model, Dataset validation) {
        if (validation == null || validation.size() == 0) return new double[]{Double.NaN, Double.NaN, Double.NaN};
        double loss = 0;
        long top1 = 0, top5 = 0, n = 0;
        try (BatchLoader loader = new BatchLoader(validation,
                BatchLoader.Options.of(batchSize, 0).withShuffle(false).withDropLast(false))) {
            BatchLoader.Epoch batches = loader.epoch(0);
            while (batches.hasNext()) {
                Batch batch = batches.next();
                INDArray logits = model.forward(batch.images()).logits();
                loss += CrossEntropy.loss(logits, batch.labels(), 0) * batch.labels().length;
                top1 += correctTop(logits, batch.labels(), 1);
                top5 += correctTop(logits, batch.labels(), 5);
                n += batch.labels().length;
            }
        }
        return new double[]{loss / n, (double) top1 / n, (double) top5 / n};
    }

    static long correctTop(INDArray logits, int[] labels, int k) {
        long c = 0;
        for (int i = 0; i < labels.length; i++) {
            double[] row = logits.getRow(i).toDoubleVector();
            double mine = row[labels[i]];
            int higher = 0;
            for (double v : row) if (v > mine) higher++;
            if (higher < k) c++;
        }
        return c;
    }

    /** The resumable state of a run, in one .safetensors written atomically. */
    static final class Checkpoint {
        private static final ObjectMapper JSON = new ObjectMapper();
        private static final String OPT = "optimizer/";
        int epochsDone;
        double bestTop1;
        List<EpochReport> history = new ArrayList<>();

        static void write(Path file, VisionModel model, Optimizer opt, int epochsDone, double bestTop1,
                          List<EpochReport> history) {
            Map<String, INDArray> tensors = new LinkedHashMap<>(model.parameters().stateDict());
            OptimizerState s = opt.state();
            s.tensors().forEach((k, v) -> tensors.put(OPT + k, v));
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("cvt.checkpoint.epochs_done", Integer.toString(epochsDone));
            meta.put("cvt.checkpoint.best_top1", Double.toString(bestTop1));
            meta.put("cvt.checkpoint.optimizer", s.optimizer());
            meta.put("cvt.checkpoint.steps", Long.toString(s.steps()));
            meta.put("cvt.checkpoint.param_steps", JSON.valueToTree(s.paramSteps()).toString());
            meta.put("cvt.checkpoint.history", JSON.valueToTree(history).toString());
            SafetensorsWriter.write(file, tensors, Map.of(), meta);
        }

        static Checkpoint read(Path file, VisionModel model, Optimizer opt) {
            try (StateDict d = Checkpoints.open(file)) {
                Map<String, String> meta = d.metadata();
                if (!meta.containsKey("cvt.checkpoint.epochs_done")) {
                    throw new CheckpointException(file + ": not a fine-tuning checkpoint");
                }
                model.parameters().load(d.renamed(k -> k.startsWith(OPT) ? null : k), file.getFileName().toString());
                Map<String, INDArray> tensors = new LinkedHashMap<>();
                for (String k : d.keys()) {
                    if (k.startsWith(OPT)) tensors.put(k.substring(OPT.length()), d.get(k));
                }
                Map<String, Long> paramSteps = new LinkedHashMap<>();
                JSON.readTree(meta.get("cvt.checkpoint.param_steps")).fields()
                        .forEachRemaining(e -> paramSteps.put(e.getKey(), e.getValue().asLong()));
                opt.loadState(new OptimizerState(meta.get("cvt.checkpoint.optimizer"),
                        Long.parseLong(meta.get("cvt.checkpoint.steps")), paramSteps, tensors));
                Checkpoint c = new Checkpoint();
                c.epochsDone = Integer.parseInt(meta.get("cvt.checkpoint.epochs_done"));
                c.bestTop1 = Double.parseDouble(meta.get("cvt.checkpoint.best_top1"));
                for (var h : JSON.readTree(meta.get("cvt.checkpoint.history"))) c.history.add(JSON.treeToValue(h, EpochReport.class));
                return c;
            } catch (IOException e) {
                throw new CheckpointException(file + ": damaged checkpoint metadata (" + e.getMessage() + ")", e);
            }
        }
    }
}
