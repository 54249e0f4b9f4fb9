package org.cvtzoo.zoo.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Cross-entropy with label smoothing on logits, as
 * {@code F.cross_entropy(logits, labels, label_smoothing=s)} (no class weights, no ignored
 * index). Per sample, with {@code log p = log_softmax(z)} over {@code C} classes:
 * <pre>
 *   loss = (1 − s) · (−log p[y]) + s · mean_c(−log p[c])
 * </pre>
 * i.e. the target is {@code (1 − s)} on the label plus {@code s / C} on every class.
 * Computed in double precision; a reference for the graph version and for validation loss.
 */
public final class CrossEntropy {
    private CrossEntropy() {
    }

    /** The mean over the batch of {@link #perSample}. */
    public static double loss(INDArray logits, int[] labels, double smoothing) {
        double[] l = perSample(logits, labels, smoothing);
        double sum = 0;
        for (double v : l) sum += v;
        return sum / l.length;
    }

    /**
     * @param logits    {@code [B, C]}
     * @param labels    {@code B} class indices in {@code [0, C)}
     * @param smoothing label smoothing {@code s} in [0, 1]
     * @return the loss of each sample
     */
    public static double[] perSample(INDArray logits, int[] labels, double smoothing) {
        if (logits.rank() != 2) {
            throw new IllegalArgumentException("logits must be [batch, classes], got rank " + logits.rank());
        }
        int b = (int) logits.size(0);
        int c = (int) logits.size(1);
        if (labels.length != b) {
            throw new IllegalArgumentException(labels.length + " labels for a batch of " + b);
        }
        if (b == 0 || c == 0) throw new IllegalArgumentException("empty logits");
        if (!(smoothing >= 0 && smoothing <= 1)) {
            throw new IllegalArgumentException("smoothing must be in [0, 1]: " + smoothing);
        }
        double[][] z = logits.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[] out = new double[b];
        for (int i = 0; i < b; i++) {
            int y = labels[i];
            if (y < 0 || y >= c) throw new IllegalArgumentException("label " + y + " of sample " + i + " not in [0, " + c + ")");
            double max = Double.NEGATIVE_INFINITY;
            for (double v : z[i]) max = Math.max(max, v);
            double sumExp = 0;
            double sumZ = 0;
            for (double v : z[i]) {
                sumExp += Math.exp(v - max);
                sumZ += v;
            }
            double logSumExp = max + Math.log(sumExp);
            double nll = logSumExp - z[i][y];
            double uniform = logSumExp - sumZ / c;
            out[i] = (1 - smoothing) * nll + smoothing * uniform;
        }
        return out;
    }
}
