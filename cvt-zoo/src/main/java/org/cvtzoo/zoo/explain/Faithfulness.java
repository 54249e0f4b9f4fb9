package org.cvtzoo.zoo.explain;

import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;

/**
 * How faithful a map is: Petsiuk et al.'s deletion and insertion metrics (RISE, 2018), on the
 * map's own grid. The grid's cells are ranked by the map, highest first; deletion removes them in
 * that order from the image, insertion puts them back, in {@code steps} equal steps, and each
 * curve records the model's softmax probability of the class. "Removed" is 0 in the model's
 * normalised input: its normalisation mean, a flat colour (RISE removes to black and inserts
 * into a blurred copy; a flat mean colour serves both here, and is what this measures). The
 * area under each curve is the mean of the trapezoids over [0, 1]: lower is better for
 * deletion, higher for insertion. A random map (uniform values) is the baseline.
 */
public final class Faithfulness {
    private Faithfulness() {
    }

    /** The probability curves ({@code steps + 1} points each, from nothing removed or inserted to all) and their areas. */
    public record Curves(double[] deletion, double[] insertion) {
        public double deletionAuc() {
            return auc(deletion);
        }

        public double insertionAuc() {
            return auc(insertion);
        }
    }

    /**
     * Deletion and insertion curves of one preprocessed image {@code [3, H, W]} (or
     * {@code [1, 3, H, W]}) for class {@code cls}, with a map {@code [h, w]} over a grid that
     * divides the image evenly or not (pixel (y, x) belongs to cell (y h / H, x w / W)).
     */
    public static Curves measure(VisionModel model, INDArray image, INDArray map, int cls, int steps) {
        return measure(model, image, map, cls, steps, null);
    }

    /**
     * As {@link #measure(VisionModel, INDArray, INDArray, int, int)}, with removed pixels set to
     * {@code fill} (one value per channel, in the normalised input) instead of 0; see {@link #black}.
     */
    public static Curves measure(VisionModel model, INDArray image, INDArray map, int cls, int steps, double[] fill) {
        INDArray x = image.rank() == 4 ? image.get(NDArrayIndex.point(0)) : image;
        long c = x.size(0), height = x.size(1), width = x.size(2);
        int gh = (int) map.size(map.rank() - 2), gw = (int) map.size(map.rank() - 1), cells = gh * gw;
        int[] order = ranking(map.castTo(DataType.DOUBLE).reshape(cells).toDoubleVector());
        int s = Math.max(1, Math.min(steps, cells));
        INDArray batch = Nd4j.create(DataType.FLOAT, 2L * (s + 1), c, height, width);
        for (int j = 0; j <= s; j++) {
            int done = Math.round((float) j * cells / s);
            boolean[] chosen = new boolean[cells];
            for (int k = 0; k < done; k++) chosen[order[k]] = true;
            INDArray deleted = x.dup(), inserted = Nd4j.zeros(DataType.FLOAT, c, height, width);
            if (fill != null) {
                for (int ch = 0; ch < c; ch++) inserted.get(NDArrayIndex.point(ch)).assign(fill[ch]);
            }
            for (int y = 0; y < height; y++) {
                int cy = (int) ((long) y * gh / height);
                for (int xx = 0; xx < width; xx++) {
                    int cell = cy * gw + (int) ((long) xx * gw / width);
                    if (!chosen[cell]) continue;
                    for (int ch = 0; ch < c; ch++) {
                        deleted.putScalar(new long[]{ch, y, xx}, fill == null ? 0 : fill[ch]);
                        inserted.putScalar(new long[]{ch, y, xx}, x.getFloat(ch, y, xx));
                    }
                }
            }
            batch.get(NDArrayIndex.point(j)).assign(deleted);
            batch.get(NDArrayIndex.point(s + 1 + j)).assign(inserted);
        }
        INDArray probs = Transforms.softmax(model.forward(batch).logits().castTo(DataType.DOUBLE), true);
        double[] del = new double[s + 1], ins = new double[s + 1];
        for (int j = 0; j <= s; j++) {
            del[j] = probs.getDouble(j, cls);
            ins[j] = probs.getDouble(s + 1 + j, cls);
        }
        return new Curves(del, ins);
    }

    /** Black (pixel value 0) in a model's normalised input: {@code -mean / std} per channel. */
    public static double[] black(float[] mean, float[] std) {
        double[] v = new double[mean.length];
        for (int i = 0; i < v.length; i++) v[i] = -mean[i] / (double) std[i];
        return v;
    }

    /** A map of uniform random values over an {@code h x w} grid: the baseline. */
    public static INDArray randomMap(long h, long w, Random rng) {
        double[] v = new double[(int) (h * w)];
        for (int i = 0; i < v.length; i++) v[i] = rng.nextDouble();
        return Nd4j.create(v, new long[]{h, w}, DataType.DOUBLE);
    }

    /** Cell indices, highest value first (ties: lower index first). */
    static int[] ranking(double[] values) {
        Integer[] idx = new Integer[values.length];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, Comparator.comparingDouble((Integer i) -> -values[i]).thenComparingInt(i -> i));
        return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }

    /** Trapezoidal area under a curve of evenly spaced points over [0, 1]. */
    public static double auc(double[] curve) {
        if (curve.length == 1) return curve[0];
        double sum = 0;
        for (int i = 1; i < curve.length; i++) sum += (curve[i - 1] + curve[i]) / 2;
        return sum / (curve.length - 1);
    }
}
