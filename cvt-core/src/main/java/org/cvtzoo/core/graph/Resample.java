package org.cvtzoo.core.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Resampling of token grids inside the graph, as a product with constant interpolation
 * matrices: resampling is linear, so {@code out = Mh . grid . Mw^T} follows the current
 * parameter values and is differentiable with respect to them.
 *
 * <p>The matrices reproduce PyTorch's {@code F.interpolate(mode='bicubic', antialias=True,
 * align_corners=False)} (ATen's separable anti-aliased kernel, the one PIL uses): the cubic
 * convolution kernel with {@code a = -0.5} (not the {@code -0.75} of plain bicubic), stretched by
 * the scale {@code in/out} when downsampling (support {@code 2 * scale}) and unstretched when
 * upsampling (support 2); taps outside the input are dropped and each row's weights are
 * renormalised to sum to 1 (no edge replication). Checked against torch 1.13 for sizes 1..37,
 * up and down, to 1e-14.
 */
public final class Resample {
    private Resample() {
    }

    /** The cubic convolution kernel (Keys) with {@code a = -0.5}. */
    static double cubic(double x) {
        final double a = -0.5;
        x = Math.abs(x);
        if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
        if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
        return 0.0;
    }

    /**
     * The {@code [out, in]} matrix of PyTorch's anti-aliased bicubic resize along one axis
     * ({@code align_corners=False}, size given, no scale factor). Row i holds the weights of
     * output sample i; the identity when {@code out == in}.
     */
    public static double[][] bicubicAntialiasMatrix(int out, int in) {
        if (out < 1 || in < 1) throw new IllegalArgumentException("sizes must be positive, got " + in + " -> " + out);
        double scale = (double) in / out;
        double support = scale >= 1.0 ? 2.0 * scale : 2.0;
        double invScale = scale >= 1.0 ? 1.0 / scale : 1.0;
        double[][] m = new double[out][in];
        for (int i = 0; i < out; i++) {
            double centre = scale * (i + 0.5);
            // ATen truncates towards zero (static_cast<int64_t>) before clamping
            int lo = Math.max((int) (centre - support + 0.5), 0);
            int hi = Math.min((int) (centre + support + 0.5), in);
            double total = 0.0;
            for (int j = lo; j < hi; j++) {
                m[i][j] = cubic((j - centre + 0.5) * invScale);
                total += m[i][j];
            }
            if (total != 0.0) {
                for (int j = lo; j < hi; j++) m[i][j] /= total;
            }
        }
        return m;
    }

    /**
     * A learned absolute position embedding {@code [1, prefix + oldH*oldW, C]} resampled to an
     * {@code h x w} grid as timm's {@code resample_abs_pos_embed} does: the {@code prefix} leading
     * tokens (class token) kept as they are, the grid part resized with anti-aliased bicubic.
     * Returns {@code posEmbed} itself when the grid keeps its size; an axis that keeps its size is
     * not touched (its matrix would be the identity).
     */
    public static SDVariable absPosEmbed(SDVariable posEmbed, long prefix, long oldH, long oldW, long h, long w, long c) {
        if (h == oldH && w == oldW) return posEmbed;
        SameDiff sd = posEmbed.getSameDiff();
        SDVariable grid = Ops.tokenRange(posEmbed, prefix, prefix + oldH * oldW); // [1, oldH*oldW, C]
        long curW = oldW;
        // rows: [oldH, oldW*C]; Mh . rows = [h, oldW*C]
        SDVariable rows = sd.reshape(grid, oldH, oldW * c);
        if (h != oldH) rows = sd.mmul(matrix(sd, h, oldH, posEmbed.dataType()), rows);
        if (w != oldW) {
            // columns first: [h, oldW, C] -> [oldW, h, C] -> [oldW, h*C]; Mw . cols = [w, h*C]
            SDVariable cols = sd.reshape(sd.permute(sd.reshape(rows, h, oldW, c), 1, 0, 2), oldW, h * c);
            cols = sd.mmul(matrix(sd, w, oldW, posEmbed.dataType()), cols);
            rows = sd.reshape(sd.permute(sd.reshape(cols, w, h, c), 1, 0, 2), h, w * c);
            curW = w;
        }
        SDVariable resized = sd.reshape(rows, 1, h * curW, c);
        return prefix > 0 ? sd.concat(1, Ops.tokenRange(posEmbed, 0, prefix), resized) : resized;
    }

    /**
     * The same resampling applied eagerly to an array {@code [1, prefix + oldH*oldW, C]} (for
     * adapting a checkpoint's position embedding on load, as timm's checkpoint filter does),
     * computed in double precision; returns a new float32 array {@code [1, prefix + h*w, C]}.
     */
    public static INDArray absPosEmbed(INDArray posEmbed, long prefix, long oldH, long oldW, long h, long w) {
        long c = posEmbed.size(2);
        if (posEmbed.rank() != 3 || posEmbed.size(0) != 1 || posEmbed.size(1) != prefix + oldH * oldW) {
            throw new IllegalArgumentException("expected a position embedding [1, " + (prefix + oldH * oldW) + ", C], got "
                    + java.util.Arrays.toString(posEmbed.shape()));
        }
        INDArray p = posEmbed.castTo(DataType.DOUBLE);
        INDArray grid = p.get(NDArrayIndex.all(), NDArrayIndex.interval(prefix, prefix + oldH * oldW), NDArrayIndex.all())
                .dup('c').reshape('c', oldH, oldW * c);
        INDArray rows = Nd4j.createFromArray(bicubicAntialiasMatrix(Math.toIntExact(h), Math.toIntExact(oldH))).mmul(grid);
        INDArray cols = rows.reshape('c', h, oldW, c).permute(1, 0, 2).dup('c').reshape('c', oldW, h * c);
        INDArray resized = Nd4j.createFromArray(bicubicAntialiasMatrix(Math.toIntExact(w), Math.toIntExact(oldW))).mmul(cols)
                .reshape('c', w, h, c).permute(1, 0, 2).dup('c').reshape('c', 1, h * w, c);
        INDArray out = prefix > 0
                ? Nd4j.concat(1, p.get(NDArrayIndex.all(), NDArrayIndex.interval(0, prefix), NDArrayIndex.all()).dup('c'), resized)
                : resized;
        return out.castTo(DataType.FLOAT);
    }

    private static SDVariable matrix(SameDiff sd, long out, long in, DataType type) {
        double[][] m = bicubicAntialiasMatrix(Math.toIntExact(out), Math.toIntExact(in));
        INDArray a = Nd4j.createFromArray(m).castTo(type == null || !type.isFPType() ? DataType.FLOAT : type);
        return sd.constant(a);
    }
}
