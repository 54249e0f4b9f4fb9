package org.cvtzoo.zoo.train;

import org.cvtzoo.core.ZooException;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * How a model is fine-tuned: an immutable value; each {@code withX} returns a changed copy.
 *
 * <pre>{@code
 * FineTuneConfig c = FineTuneConfig.defaults().withClasses(names).withTrainable(Trainable.HEAD)
 *         .withEpochs(5).withLr(5e-4).withOutputDir(Path.of("run"));
 * }</pre>
 *
 * @param numClasses     classes of the new head; 0 keeps the model's head
 * @param classNames     their names (empty: the model's, or "class i")
 * @param trainable      what trains
 * @param epochs         passes over the training data
 * @param batchSize      images per step (with an iterator, the iterator's batches are used)
 * @param lr             peak learning rate, reached after the warm-up
 * @param minLr          learning rate at the end of the cosine decay
 * @param warmupEpochs   length of the linear warm-up, in epochs (may be fractional)
 * @param weightDecay    λ for the parameters that take decay ({@link DecayRule#of})
 * @param optimizer      AdamW (decoupled decay) or SGD (momentum, coupled decay)
 * @param momentum       SGD's momentum
 * @param labelSmoothing share of the target spread over all classes, in [0, 1)
 * @param clipNorm       gradients clipped to this global L2 norm; 0: no clipping
 * @param seed           seeds the new head, the batch order, augmentation and drop-path masks
 * @param inputHeight    training input height; 0 (with width 0): the model's evaluation crop, or its native size
 * @param inputWidth     training input width
 * @param outputDir      where {@value Trainer#CHECKPOINT_FILE} and {@value Trainer#BEST_FILE} go
 * @param resume         whether a run continues from {@code outputDir}'s checkpoint
 */
public record FineTuneConfig(int numClasses, List<String> classNames, Trainable trainable, int epochs, int batchSize,
                             double lr, double minLr, double warmupEpochs, double weightDecay, OptimizerKind optimizer,
                             double momentum, double labelSmoothing, double clipNorm, long seed, int inputHeight,
                             int inputWidth, Path outputDir, boolean resume) {

    /** The optimiser of a run. */
    public enum OptimizerKind {
        /** {@link AdamW} with the run's weight decay. */
        ADAMW,
        /** {@link SgdMomentum} with the run's momentum and weight decay. */
        SGD;

        /** {@code adamw} or {@code sgd}, in any case. */
        public static OptimizerKind parse(String text) {
            for (OptimizerKind k : values()) if (k.name().equalsIgnoreCase(text)) return k;
            throw new ZooException("the optimizer must be adamw or sgd, got '" + text + "'");
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public FineTuneConfig {
        classNames = List.copyOf(classNames);
        if (trainable == null || optimizer == null) throw new NullPointerException("trainable and optimizer are required");
        if (numClasses < 0) throw new ZooException("the number of classes must be >= 0 (0: the model's), got " + numClasses);
        if (!classNames.isEmpty() && classNames.size() != numClasses) {
            throw new ZooException(classNames.size() + " class names for " + numClasses + " classes");
        }
        if (epochs < 1) throw new ZooException("epochs must be at least 1, got " + epochs);
        if (batchSize < 1) throw new ZooException("the batch size must be at least 1, got " + batchSize);
        atLeastZero(lr, "the learning rate");
        atLeastZero(minLr, "the minimum learning rate");
        atLeastZero(warmupEpochs, "the warm-up");
        atLeastZero(weightDecay, "the weight decay");
        atLeastZero(clipNorm, "the clipping norm");
        if (!(momentum >= 0 && momentum < 1)) throw new ZooException("momentum must be in [0, 1), got " + momentum);
        if (!(labelSmoothing >= 0 && labelSmoothing < 1)) {
            throw new ZooException("label smoothing must be in [0, 1), got " + labelSmoothing);
        }
        if ((inputHeight == 0) != (inputWidth == 0) || inputHeight < 0 || inputWidth < 0) {
            throw new ZooException("the input size must be positive (or 0x0: the model's), got " + inputHeight + "x" + inputWidth);
        }
    }

    private static void atLeastZero(double v, String what) {
        if (!(v >= 0) || Double.isInfinite(v)) throw new ZooException(what + " must be finite and >= 0, got " + v);
    }

    /**
     * The model's head, everything trains, 5 epochs of batch 32, AdamW at 5e-4 (weight decay
     * 0.05) after one warm-up epoch, cosine decay to 1e-6, label smoothing 0.1, no clipping, seed 42.
     */
    public static FineTuneConfig defaults() {
        return new FineTuneConfig(0, List.of(), Trainable.ALL, 5, 32, 5e-4, 1e-6, 1, 0.05, OptimizerKind.ADAMW, 0.9,
                0.1, 0, 42, 0, 0, null, false);
    }

    /** A new head of {@code n} classes (named "class i"). */
    public FineTuneConfig withNumClasses(int n) {
        return with(b -> {
            b.numClasses = n;
            b.classNames = List.of();
        });
    }

    /** A new head for these classes, with their names. */
    public FineTuneConfig withClasses(List<String> names) {
        return with(b -> {
            b.numClasses = names.size();
            b.classNames = names;
        });
    }

    public FineTuneConfig withTrainable(Trainable t) {
        return with(b -> b.trainable = t);
    }

    public FineTuneConfig withEpochs(int n) {
        return with(b -> b.epochs = n);
    }

    public FineTuneConfig withBatchSize(int n) {
        return with(b -> b.batchSize = n);
    }

    public FineTuneConfig withLr(double v) {
        return with(b -> b.lr = v);
    }

    public FineTuneConfig withMinLr(double v) {
        return with(b -> b.minLr = v);
    }

    public FineTuneConfig withWarmupEpochs(double v) {
        return with(b -> b.warmupEpochs = v);
    }

    public FineTuneConfig withWeightDecay(double v) {
        return with(b -> b.weightDecay = v);
    }

    public FineTuneConfig withOptimizer(OptimizerKind k) {
        return with(b -> b.optimizer = k);
    }

    public FineTuneConfig withMomentum(double v) {
        return with(b -> b.momentum = v);
    }

    public FineTuneConfig withLabelSmoothing(double v) {
        return with(b -> b.labelSmoothing = v);
    }

    /** Clips gradients to this global L2 norm (0: no clipping). */
    public FineTuneConfig withClipNorm(double v) {
        return with(b -> b.clipNorm = v);
    }

    public FineTuneConfig withSeed(long s) {
        return with(b -> b.seed = s);
    }

    public FineTuneConfig withInputSize(int h, int w) {
        return with(b -> {
            b.inputHeight = h;
            b.inputWidth = w;
        });
    }

    public FineTuneConfig withOutputDir(Path dir) {
        return with(b -> b.outputDir = dir);
    }

    /** Continue from the output directory's checkpoint: parameters, optimiser state, epoch and schedule. */
    public FineTuneConfig withResume(boolean r) {
        return with(b -> b.resume = r);
    }

    private FineTuneConfig with(Consumer<Copy> change) {
        Copy c = new Copy(this);
        change.accept(c);
        return c.build();
    }

    /** The fields of a config being changed (the record's constructor checks the result). */
    private static final class Copy {
        int numClasses, epochs, batchSize, inputHeight, inputWidth;
        List<String> classNames;
        Trainable trainable;
        double lr, minLr, warmupEpochs, weightDecay, momentum, labelSmoothing, clipNorm;
        OptimizerKind optimizer;
        long seed;
        Path outputDir;
        boolean resume;

        Copy(FineTuneConfig c) {
            numClasses = c.numClasses;
            classNames = c.classNames;
            trainable = c.trainable;
            epochs = c.epochs;
            batchSize = c.batchSize;
            lr = c.lr;
            minLr = c.minLr;
            warmupEpochs = c.warmupEpochs;
            weightDecay = c.weightDecay;
            optimizer = c.optimizer;
            momentum = c.momentum;
            labelSmoothing = c.labelSmoothing;
            clipNorm = c.clipNorm;
            seed = c.seed;
            inputHeight = c.inputHeight;
            inputWidth = c.inputWidth;
            outputDir = c.outputDir;
            resume = c.resume;
        }

        FineTuneConfig build() {
            return new FineTuneConfig(numClasses, classNames, trainable, epochs, batchSize, lr, minLr, warmupEpochs,
                    weightDecay, optimizer, momentum, labelSmoothing, clipNorm, seed, inputHeight, inputWidth, outputDir, resume);
        }
    }
}
