package org.cvtzoo.zoo.train;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.data.Dataset;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.zoo.ModelFile;
import org.cvtzoo.zoo.ParameterGroups;
import org.cvtzoo.zoo.TrainingGraph;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

/**
 * Fine-tunes a zoo model as a {@link FineTuneConfig} says: a new head for the new classes, what
 * trains ({@link Trainable}, by the family's {@link ParameterGroups}), AdamW or SGD with the
 * family's weight-decay groups ({@link DecayRule#of}), linear warm-up then cosine learning rate
 * per step, label smoothing, gradient clipping. After each epoch: validation loss and
 * {@link Evaluation} with the inference graph, the best model so far kept as a model file
 * ({@value #BEST_FILE}), and a {@link TrainingCheckpoint} ({@value #CHECKPOINT_FILE}) from which
 * a run resumes.
 *
 * <p>Training data: the project's {@link Dataset}s (shuffled per epoch from the seed, a last
 * partial batch dropped), or a DL4J {@link DataSetIterator} (features float NCHW at the training
 * size, one-hot labels), whose batches are used as it gives them. The iterator is read once more
 * before training, to count its batches (the schedule is per step) and check them, and
 * {@code reset()} before each epoch. A run on an iterator resumes like one on a dataset (parameters, optimiser state,
 * schedule, epoch), but its remaining epochs see the batches the iterator gives after
 * {@code reset()}: the same as a straight run only if the iterator's order depends on nothing
 * else (a dataset's order is drawn from the seed and the epoch, so a resumed run on a dataset
 * ends as a straight run does).
 */
public final class Trainer {
    public static final String BEST_FILE = "best.safetensors", CHECKPOINT_FILE = "last.ckpt.safetensors";

    /** Progress as training goes: every batch and every epoch. */
    public interface Listener {
        default void batch(int epoch, int batch, int batches, double loss) {
        }

        default void epoch(EpochReport report) {
        }
    }

    /**
     * @param best       the model of the best validation top-1 (the last one without validation data)
     * @param history    every epoch's figures, those before a resume included
     * @param bestFile   where {@code best} is saved
     * @param evaluation {@code best} on the validation data; null without
     */
    public record Result(VisionModel best, List<EpochReport> history, Path bestFile, Evaluation evaluation) {
    }

    private final VisionModel base;
    private final FineTuneConfig config;
    private final Listener listener;

    public Trainer(VisionModel base, FineTuneConfig config) {
        this(base, config, new Listener() {
        });
    }

    public Trainer(VisionModel base, FineTuneConfig config, Listener listener) {
        this.base = base;
        this.config = config;
        this.listener = listener;
    }

    /** Trains on a dataset; {@code validation} may be null or empty. */
    public Result fit(Dataset train, Dataset validation) {
        int batch = config.batchSize();
        if (train.size() < batch) {
            throw new ZooException("the training set has " + train.size() + " examples, fewer than one batch of " + batch);
        }
        try (Batches batches = Batches.shuffled(train, batch, config.seed())) {
            return run(batches, validation == null || validation.size() == 0 ? null : m -> Evaluator.evaluate(m, validation, batch));
        }
    }

    /**
     * Trains on a DL4J iterator's batches; {@code validation} may be null. Where the iterator
     * knows its classes ({@code getLabels()}, as DataVec's record readers do), they name the
     * model's classes (a new head where their number differs from the model's); class names
     * configured otherwise, or a validation iterator with other labels, are an error. Features
     * that cannot be the model's input (raw 0..255 pixels where it expects normalised ones) are an
     * error; see {@link org.cvtzoo.zoo.datavec.ZooPreProcessor} for DataVec's images.
     */
    public Result fit(DataSetIterator train, DataSetIterator validation) {
        List<String> labels = labels(train);
        if (labels != null) {
            List<String> valLabels = validation == null ? null : labels(validation);
            if (valLabels != null && !valLabels.equals(labels)) {
                throw new ZooException("the validation iterator's labels " + valLabels + " differ from the training iterator's "
                        + labels + " (the order of the one-hot columns must be the same)");
            }
            if (config.classNames().isEmpty()) {
                if (config.numClasses() > 0 && config.numClasses() != labels.size()) {
                    throw new ZooException("the configuration asks for " + config.numClasses() + " classes, the iterator has "
                            + labels.size() + " labels: " + labels);
                }
                return new Trainer(base, config.withClasses(labels), listener).fit(train, validation);
            }
            if (!config.classNames().equals(labels)) {
                throw new ZooException("the class names " + config.classNames() + " disagree with the iterator's labels " + labels
                        + " (the order of its one-hot columns): leave withClasses(...) out to take the iterator's, or give them"
                        + " in its order");
            }
        }
        int classes = config.numClasses() > 0 ? config.numClasses() : base.architecture().numClasses();
        IteratorChecks trainChecks = new IteratorChecks(train, base.eval(), null, null);
        IteratorChecks valChecks = validation == null ? null
                : new IteratorChecks(validation, base.eval(), inputSize(base), "the training size");
        try (Batches batches = Batches.of(train, classes, trainChecks)) {
            return run(batches, validation == null ? null : m -> Evaluator.evaluate(m, validation, valChecks));
        }
    }

    /** An iterator's class labels, or null where it has none. */
    private static List<String> labels(DataSetIterator it) {
        try {
            List<String> l = it.getLabels();
            return l == null || l.isEmpty() ? null : List.copyOf(l);
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    private Result run(Batches train, Function<VisionModel, Evaluator.Result> validate) {
        Path dir = config.outputDir();
        if (dir == null) throw new ZooException("set withOutputDir(...) for checkpoints and the best model");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ZooException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        int batchesPerEpoch = train.perEpoch(); // before the graph is built: an iterator's batches are checked here
        if (batchesPerEpoch == 0) throw new ZooException("the training data has no batches");
        VisionModel model = withHead();
        int classes = model.architecture().numClasses();
        int[] size = inputSize(model);
        TrainingGraph graph = new TrainingGraph(model, size[0], size[1], new Random(config.seed()));
        ParameterGroups groups = model.architecture().parameterGroups();
        List<String> names = config.trainable().select(graph.trainableNames(), groups);
        if (names.isEmpty()) throw new ZooException("nothing to train (" + config.trainable() + ")");
        Map<String, INDArray> params = new LinkedHashMap<>();
        for (String n : names) params.put(n, model.parameters().entries().get(n).value());
        Optimizer opt = switch (config.optimizer()) {
            case ADAMW -> new AdamW(config.weightDecay(), DecayRule.of(groups));
            case SGD -> new SgdMomentum(config.momentum(), false, config.weightDecay(), DecayRule.of(groups));
        };
        LrSchedule schedule = LrSchedule.cosine(config.lr(), config.lr() * 1e-3,
                Math.round(config.warmupEpochs() * batchesPerEpoch), config.minLr(), (long) config.epochs() * batchesPerEpoch);

        Path checkpoint = dir.resolve(CHECKPOINT_FILE), bestFile = dir.resolve(BEST_FILE);
        TrainingCheckpoint.Progress progress = config.resume() && Files.exists(checkpoint)
                ? TrainingCheckpoint.read(checkpoint, model, opt) : TrainingCheckpoint.Progress.START;
        List<EpochReport> history = new ArrayList<>(progress.history());
        double bestTop1 = progress.bestTop1();
        Evaluation bestEvaluation = null;
        for (int epoch = progress.epochsDone(); epoch < config.epochs(); epoch++) {
            long t0 = System.nanoTime();
            double lossSum = 0, lastLr = 0;
            long correct = 0, seen = 0;
            int b = 0;
            Iterator<Batches.Labelled> batches = train.epoch(epoch);
            graph.reseed(config.seed() * 1_000_003L + epoch); // masks depend on (seed, epoch) only: resumable
            while (batches.hasNext()) {
                Batches.Labelled batch = batches.next();
                checkSize(batch.images(), size);
                long step = opt.steps();
                INDArray targets = targets(batch.labels(), classes);
                TrainingGraph.Step s = graph.step(batch.images(), targets, names);
                double norm = config.clipNorm() > 0 ? GradClip.clipByGlobalNorm(s.gradients().values(), config.clipNorm()) : 0;
                if (Double.isFinite(norm) && Double.isFinite(s.loss())) { // a non-finite step is skipped
                    lastLr = schedule.lr(step);
                    opt.step(params, s.gradients(), lastLr);
                    graph.updateRunningStats(s, 0.1);
                }
                lossSum += s.loss() * batch.labels().length;
                correct += correctTop1(s.logits(), batch.labels());
                seen += batch.labels().length;
                // freed now rather than when the garbage collector finds them (it seldom runs: little Java garbage)
                targets.close();
                batch.release();
                listener.batch(epoch + 1, ++b, batchesPerEpoch, s.loss());
            }
            Evaluator.Result val = validate == null ? null : validate.apply(model);
            EpochReport r = new EpochReport(epoch + 1, config.epochs(), lossSum / Math.max(1, seen),
                    (double) correct / Math.max(1, seen), val == null ? Double.NaN : val.loss(),
                    val == null ? Double.NaN : val.top1(), val == null ? Double.NaN : val.top5(), lastLr,
                    (System.nanoTime() - t0) / 1e9);
            history.add(r);
            if (val == null || val.top1() > bestTop1) {
                if (val != null) {
                    bestTop1 = val.top1();
                    bestEvaluation = val.evaluation();
                }
                ModelFile.save(model, bestFile, opt.steps());
            }
            TrainingCheckpoint.write(checkpoint, model, opt, new TrainingCheckpoint.Progress(epoch + 1, bestTop1, history));
            listener.epoch(r);
        }
        VisionModel best = Files.exists(bestFile) ? ModelFile.load(bestFile) : model;
        if (validate != null && bestEvaluation == null) bestEvaluation = validate.apply(best).evaluation(); // best before a resume
        return new Result(best, List.copyOf(history), bestFile, bestEvaluation);
    }

    /**
     * The model that trains: a copy of the base model's parameters and buffers (those of the same
     * name and shape), with a new head where the class count changes. Never the base model's own
     * arrays: training must not change the model it was given.
     */
    private VisionModel withHead() {
        int n = config.numClasses() > 0 ? config.numClasses() : base.architecture().numClasses();
        Nd4j.getRandom().setSeed(config.seed()); // a new head's initial values follow the run's seed
        VisionModel m = new VisionModel(base.architecture().withNumClasses(n));
        Map<String, ParamStore.Entry> from = base.parameters().entries();
        for (ParamStore.Entry e : m.parameters().entries().values()) {
            ParamStore.Entry src = from.get(e.name());
            if (src != null && Arrays.equals(src.torchShape(), e.torchShape())) e.value().assign(src.value());
        }
        m = m.withEval(base.eval());
        if (!config.classNames().isEmpty()) return m.withClassNames(config.classNames());
        return n == base.architecture().numClasses() ? m.withClassNames(base.classNames()) : m;
    }

    /** The configured size, else the model's native size (its spec's, which its evaluation produces). */
    private int[] inputSize(VisionModel model) {
        if (config.inputHeight() > 0) return new int[]{config.inputHeight(), config.inputWidth()};
        return model.architecture().nativeSize();
    }

    private static void checkSize(INDArray images, int[] size) {
        if (images.size(2) != size[0] || images.size(3) != size[1]) {
            throw new ZooException("training images must be " + size[0] + "x" + size[1] + " (the training size),"
                    + " got a batch of " + Arrays.toString(images.shape()));
        }
    }

    /** One-hot targets, label-smoothed: {@code 1 - s + s/C} on the label, {@code s/C} elsewhere. */
    private INDArray targets(int[] labels, int classes) {
        double s = config.labelSmoothing();
        INDArray t = Nd4j.valueArrayOf(new long[]{labels.length, classes}, s / classes, DataType.FLOAT);
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new ZooException("label " + labels[i] + " for a model of " + classes + " classes");
            }
            t.putScalar(i, labels[i], 1 - s + s / classes);
        }
        return t;
    }

    /** Rows with no logit above the label's (ties count; unlike Evaluation, NaN logits of a skipped step do not throw). */
    private static long correctTop1(INDArray logits, int[] labels) {
        long c = 0;
        for (int i = 0; i < labels.length; i++) {
            double[] row = logits.getRow(i).toDoubleVector();
            double mine = row[labels[i]];
            boolean higher = false;
            for (double v : row) higher |= v > mine;
            if (!higher) c++;
        }
        return c;
    }
}
