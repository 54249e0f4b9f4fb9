package org.cvtzoo.zoo.datavec;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * DataVec's images as a zoo model expects them: DataVec's {@code ImageRecordReader} gives float
 * NCHW pixels 0..255 in OpenCV's <b>BGR</b> order; this turns each batch into what the model's
 * own preprocessing ({@link VisionModel#preprocess}) gives: RGB, {@code (v / 255 - mean) / std}
 * in float32 as torchvision computes it. The resize and crop come first, in the record reader:
 * {@link ZooImageTransform} (DataVec would otherwise stretch every image to the reader's size).
 *
 * <pre>{@code
 * ImageRecordReader reader = ZooImageTransform.recordReader(model, new ParentPathLabelGenerator());
 * reader.initialize(new FileSplit(folder));
 * DataSetIterator it = new RecordReaderDataSetIterator(reader, 16, 1, reader.getLabels().size());
 * it.setPreProcessor(ZooPreProcessor.of(model));   // instead of ImagePreProcessingScaler
 * }</pre>
 *
 * <p>It takes raw pixels only: values outside 0..255 (already normalised) are an error, and a
 * batch within [0, 1] (already scaled, e.g. by {@code ImagePreProcessingScaler}) is warned about
 * once.
 */
public final class ZooPreProcessor implements DataSetPreProcessor {
    private static final long serialVersionUID = 1L;

    /** The channel order of the pixels given: DataVec's (OpenCV's) BGR, or RGB. */
    public enum ChannelOrder { BGR, RGB }

    private final float[] mean, std;
    private final int[] size; // {height, width}
    private final ChannelOrder order;
    private final String describe;
    private volatile boolean warnedScaled;

    /** For DataVec's {@code ImageRecordReader} (BGR), to the model's preprocessing. */
    public static ZooPreProcessor of(VisionModel model) {
        return of(model, ChannelOrder.BGR);
    }

    public static ZooPreProcessor of(VisionModel model, ChannelOrder order) {
        if (model.eval() == null) {
            throw new ZooException("no evaluation preprocessing is known for " + model.architecture().name()
                    + "; set one with withEval(...) before making its ZooPreProcessor");
        }
        return new ZooPreProcessor(model.eval(), order);
    }

    public ZooPreProcessor(EvalTransform eval, ChannelOrder order) {
        int[] s = eval.outputSize();
        if (s == null) {
            throw new ZooException("the preprocessing " + eval + " gives images of varying size (a shorter-side resize"
                    + " without a crop), which cannot be batched");
        }
        this.mean = eval.mean();
        this.std = eval.std();
        this.size = s;
        this.order = order;
        this.describe = eval.toString();
    }

    public ChannelOrder channelOrder() {
        return order;
    }

    /** The {@code {height, width}} of the images it takes. */
    public int[] size() {
        return size.clone();
    }

    /** Whether it normalises as {@code eval} does, to the same size. */
    public boolean matches(EvalTransform eval) {
        return eval != null && Arrays.equals(eval.mean(), mean) && Arrays.equals(eval.std(), std)
                && Arrays.equals(eval.outputSize(), size);
    }

    @Override
    public void preProcess(DataSet data) {
        data.setFeatures(apply(data.getFeatures()));
    }

    /** Pixels {@code [B, 3, H, W]} 0..255 in this channel order, as the model's input (a new array). */
    public INDArray apply(INDArray pixels) {
        long[] s = pixels.shape();
        if (pixels.rank() != 4 || s[1] != 3) {
            throw new ZooException("ZooPreProcessor takes NCHW images [B, 3, H, W] (ImageRecordReader with 3 channels),"
                    + " got " + Arrays.toString(s));
        }
        if (s[2] != size[0] || s[3] != size[1]) {
            throw new ZooException("the images are " + s[2] + "x" + s[3] + ", the model's preprocessing (" + describe
                    + ") gives " + size[0] + "x" + size[1] + ": read them with ZooImageTransform.recordReader(model, labels)");
        }
        float[] in = pixels.castTo(DataType.FLOAT).dup('c').data().asFloat();
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float v : in) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        if (!(min >= -0.5f && max <= 255.5f)) {
            throw new ZooException("ZooPreProcessor takes pixels 0..255 (as DataVec's ImageRecordReader gives them), got"
                    + " values from " + min + " to " + max + ": already normalised? Set only ZooPreProcessor on the iterator,"
                    + " no other preprocessor or normaliser, and apply it once");
        }
        if (max <= 1f && !warnedScaled) {
            warnedScaled = true;
            System.err.println("warning: ZooPreProcessor got a batch of values within [0, 1]: already scaled (an"
                    + " ImagePreProcessingScaler?); it takes DataVec's pixels 0..255 and scales them itself");
        }
        int plane = (int) (s[2] * s[3]);
        float[] out = new float[in.length];
        for (int b = 0; b < s[0]; b++) {
            for (int c = 0; c < 3; c++) {
                int from = (b * 3 + (order == ChannelOrder.BGR ? 2 - c : c)) * plane, to = (b * 3 + c) * plane;
                for (int i = 0; i < plane; i++) {
                    out[to + i] = (in[from + i] / 255f - mean[c]) / std[c]; // as Images.normalize: float32, torch's order
                }
            }
        }
        return org.cvtzoo.core.image.Images.floats(out, s);
    }

    @Override
    public String toString() {
        return "ZooPreProcessor[" + order + " 0..255 -> RGB, " + describe + "]";
    }
}
