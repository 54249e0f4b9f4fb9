package org.cvtzoo.zoo.train;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.data.Dataset;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.util.Iterator;

/**
 * A model on labelled data, with its inference graph: the cross-entropy loss and ND4J's
 * {@link Evaluation} (accuracy, top-5 accuracy, per-class precision, recall and F1, the
 * confusion matrix; labelled with the model's class names).
 */
public final class Evaluator {
    /** Top-N of the {@link Evaluation}s made here. */
    public static final int TOP_N = 5;

    private Evaluator() {
    }

    /** The mean cross-entropy (no label smoothing) and the evaluation. */
    public record Result(double loss, Evaluation evaluation) {
        public double top1() {
            return evaluation.accuracy();
        }

        public double top5() {
            return evaluation.topNAccuracy();
        }
    }

    /**
     * Over a DL4J iterator's batches (features float NCHW, one-hot labels), from its start. Features
     * that cannot be the model's input are an error; another size than the model's preprocessing
     * gives is warned about.
     */
    public static Result evaluate(VisionModel model, DataSetIterator data) {
        int[] size = model.eval() != null && model.eval().outputSize() != null ? model.eval().outputSize()
                : model.architecture().nativeSize();
        return evaluate(model, data, new IteratorChecks(data, model.eval(), size, "the size the model's preprocessing gives (classify())"));
    }

    static Result evaluate(VisionModel model, DataSetIterator data, IteratorChecks checks) {
        try (Batches batches = Batches.of(data, model.architecture().numClasses(), checks)) {
            return evaluate(model, batches);
        }
    }

    /** Over every example of a dataset, in batches of {@code batchSize}. */
    public static Result evaluate(VisionModel model, Dataset data, int batchSize) {
        try (Batches batches = Batches.inOrder(data, batchSize)) {
            return evaluate(model, batches);
        }
    }

    private static Result evaluate(VisionModel model, Batches data) {
        int classes = model.architecture().numClasses();
        Evaluation evaluation = new Evaluation(model.classNames(), TOP_N);
        double loss = 0;
        long n = 0;
        for (Iterator<Batches.Labelled> it = data.epoch(0); it.hasNext(); ) {
            Batches.Labelled b = it.next();
            INDArray logits = model.forward(b.images()).logits();
            loss += CrossEntropy.loss(logits, b.labels(), 0) * b.labels().length;
            INDArray oneHot = b.oneHot(classes);
            evaluation.eval(oneHot, logits); // ranks only: logits rank the classes as probabilities do
            n += b.labels().length;
            oneHot.close();
            logits.close();
            b.release();
        }
        if (n == 0) throw new ZooException("nothing to evaluate: the data has no examples");
        return new Result(loss / n, evaluation);
    }
}
