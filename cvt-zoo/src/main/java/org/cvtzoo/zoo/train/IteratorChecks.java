package org.cvtzoo.zoo.train;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.zoo.datavec.ZooPreProcessor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;
import org.nd4j.linalg.dataset.api.preprocessor.VGG16ImagePreProcessor;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a DL4J iterator's features must be for a zoo model, checked batch by batch: the values its
 * preprocessing gives (an error where they cannot be: raw 0..255 pixels; a warning for [0, 1]),
 * a preprocessor made for this preprocessing, the size it expects. Each warning goes to stderr
 * once per checker (one per training run's iterator, one per evaluation).
 */
final class IteratorChecks {
    private final Set<String> warned = new HashSet<>();

    private final DataSetIterator data;
    private final EvalTransform eval;
    private final int[] size;
    private final String sizeIs;

    /**
     * @param eval   the model's preprocessing (null: unknown, values not checked)
     * @param size   the {@code {height, width}} expected (null: any); a batch of another size is warned about
     * @param sizeIs what that size is, for the warning
     */
    IteratorChecks(DataSetIterator data, EvalTransform eval, int[] size, String sizeIs) {
        this.data = data;
        this.eval = eval;
        this.size = size;
        this.sizeIs = sizeIs;
        DataSetPreProcessor p = data.getPreProcessor();
        if (p instanceof ZooPreProcessor z && eval != null && !z.matches(eval)) {
            throw new ZooException("the iterator's " + z + " was made for other preprocessing than the model's ("
                    + eval + "): make it with ZooPreProcessor.of(model) for this model");
        }
        if (p instanceof ImagePreProcessingScaler || p instanceof VGG16ImagePreProcessor) {
            warn("preprocessor", "the iterator's " + p.getClass().getSimpleName() + " keeps DataVec's BGR channel"
                    + " order and not the model's normalisation" + (eval == null ? "" : " (" + eval + ")")
                    + ": the model trains on other inputs than classify() gives it. Use"
                    + " iterator.setPreProcessor(ZooPreProcessor.of(model)) with ZooImageTransform.recordReader(model, labels)");
        }
    }

    void check(INDArray x) {
        if (size != null && (x.size(2) != size[0] || x.size(3) != size[1])) {
            warn("size", "the iterator's images are " + x.size(2) + "x" + x.size(3) + ", " + sizeIs + " is "
                    + size[0] + "x" + size[1] + ": the model sees other inputs than classify() gives it");
        }
        if (eval == null || data.getPreProcessor() instanceof ZooPreProcessor) return; // it checked them
        double[] range = eval.valueRange();
        double min = x.minNumber().doubleValue(), max = x.maxNumber().doubleValue(), span = range[1] - range[0];
        if (min < range[0] - span || max > range[1] + span) {
            throw new ZooException(String.format(Locale.ROOT, "the iterator's features range from %.4g to %.4g, far"
                    + " outside [%.3f, %.3f], what the model's preprocessing (%s) gives%s. With DataVec's"
                    + " ImageRecordReader set iterator.setPreProcessor(ZooPreProcessor.of(model)): it turns the reader's"
                    + " BGR 0..255 pixels into the model's RGB input", min, max, range[0], range[1], eval,
                    max > 2 ? ": raw pixels 0..255?" : ""));
        }
        if (min >= 0 && max <= 1 && range[0] < 0) {
            warn("range", String.format(Locale.ROOT, "the iterator's features lie within [0, 1] (scaled pixels?), not"
                    + " normalised as the model's preprocessing (%s) does (its values span [%.3f, %.3f]). With DataVec's"
                    + " ImageRecordReader use iterator.setPreProcessor(ZooPreProcessor.of(model))", eval, range[0], range[1]));
        }
    }

    private void warn(String kind, String message) {
        if (warned.add(kind)) System.err.println("warning: " + message);
    }
}
