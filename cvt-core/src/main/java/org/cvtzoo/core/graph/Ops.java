package org.cvtzoo.core.graph;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Pooling2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The few operations SameDiff 1.0.0-M2.1 lacks or gets wrong, composed from primitives that are
 * right forwards and backwards (see shared/docs/samediff-notes.md), and the token/grid
 * reshapes every family needs. Tokens are {@code [B, N, C]}, held as rows {@code [B*N, C]} between
 * linear layers; the families' grids are NHWC ({@link #nhwcConvConfig}), so that tokens and grid
 * are one reshape apart. Where an inference graph can take a cheaper form than a training graph
 * (whose gradients are verified against PyTorch's), the op says so and takes {@code training}.
 */
public final class Ops {
    private Ops() {
    }

    /**
     * LayerNorm over {@code axis} with an epsilon (SameDiff's own has none). The axis must be
     * given as a non-negative number: M2.1's reductions with axis -1 over a permuted view
     * return wrong values once the batch is larger than one. {@code training}: the graph will be
     * differentiated.
     *
     * <p>An inference graph takes the mean and the biased variance from one {@code moments} op:
     * 7 ops instead of 9 and two passes over the input fewer, measured 1.4-1.7x faster on
     * [197, 384] to [50176, 64] rows and NHWC grids, and no less accurate. A training graph keeps
     * {@code mean((x - mean)^2)}, whose gradient is verified (M2.1's variance differentiates with N - 1).
     */
    public static SDVariable layerNorm(SDVariable x, SDVariable gain, SDVariable bias, double eps, int axis,
                                       boolean training) {
        SameDiff sd = x.getSameDiff();
        SDVariable normalised;
        if (training) {
            SDVariable centred = x.sub(x.mean(true, axis));
            SDVariable variance = square(centred).mean(true, axis);
            normalised = centred.mul(sd.math().rsqrt(variance.add(eps)));
        } else {
            SDVariable[] meanAndVariance = sd.math().moments(x, new int[]{axis}, true);
            normalised = x.sub(meanAndVariance[0]).mul(sd.math().rsqrt(meanAndVariance[1].add(eps)));
        }
        return normalised.mul(gain).add(bias);
    }

    /** LayerNorm module {@code module} of the scope over the channels of rows {@code [B*n, dim]}. */
    public static SDVariable layerNorm(Scope s, String module, SDVariable rows, long dim, double eps) {
        SDVariable gain = s.param(module + ".weight", ParamStore.Layout.AS_IS, Scope.ones(), dim);
        SDVariable bias = s.param(module + ".bias", ParamStore.Layout.AS_IS, Scope.zeros(), dim);
        return layerNorm(rows, gain, bias, eps, 1, s.differentiable());
    }

    /**
     * {@code x * x}: SameDiff's square differentiates through pow's derivative, which calls powf
     * per element (7.6 ms a call on the demo model's activations); a multiply's is two products.
     */
    public static SDVariable square(SDVariable x) {
        return x.mul(x);
    }

    /** {@code x * sigmoid(1.702 x)}: CvT's activation. SameDiff's {@code nn.gelu} is exactly this. */
    public static SDVariable quickGelu(SDVariable x) {
        return x.getSameDiff().nn().gelu(x);
    }

    /** Exact GELU {@code 0.5 x (1 + erf(x / sqrt 2))} (SameDiff's preciseGelu is wrong). */
    public static SDVariable exactGelu(SDVariable x) {
        SameDiff sd = x.getSameDiff();
        return x.mul(sd.math().erf(x.mul(1.0 / Math.sqrt(2.0))).add(1.0)).mul(0.5);
    }

    /** Tokens {@code [B, n, c]} (or any tensor whose last axis is c) as rows {@code [B*n, c]}: what a linear layer takes. */
    public static SDVariable rows(SDVariable x, long c) {
        return x.getSameDiff().reshape(x, -1, c);
    }

    /** Rows {@code [B*n, c]} back to tokens {@code [B, n, c]}. */
    public static SDVariable tokens(SDVariable rows, long n, long c) {
        return rows.getSameDiff().reshape(rows, -1, n, c);
    }

    /**
     * nn.Linear module on rows {@code [R, in]}, giving {@code [R, out]}: SameDiff's mmul cannot
     * do rank 3 by rank 2, so token tensors go through a linear layer as rows ({@link #rows}).
     * Every reshape is a copy in an M2.1 graph, so blocks keep their tokens as rows between
     * linear layers rather than reshaping around each one. (M2.1's {@code nn.linear} /
     * xw_plus_b gave wrong values here: not used.)
     */
    public static SDVariable linear(Scope s, String module, SDVariable rows, long in, long out, boolean bias) {
        SDVariable w = s.param(module + ".weight", ParamStore.Layout.LINEAR, Scope.truncNormal(0.02), out, in);
        SDVariable y = s.sd().mmul(rows, w);
        return bias ? y.add(s.param(module + ".bias", ParamStore.Layout.AS_IS, Scope.zeros(), out)) : y;
    }

    /** NCHW grid {@code [B, C, h, w]} to tokens {@code [B, h*w, C]}. */
    public static SDVariable gridToTokens(SDVariable grid, long c, long h, long w) {
        SameDiff sd = grid.getSameDiff();
        return sd.permute(sd.reshape(grid, -1, c, h * w), 0, 2, 1);
    }

    /**
     * Attention heads: {@code [B, n, heads*hd]} (tokens, or the same values as rows
     * {@code [B*n, heads*hd]}) to {@code [B, heads, n, hd]}. One head needs no transpose: a
     * reshape gives {@code [B, 1, n, hd]}.
     */
    public static SDVariable splitHeads(SDVariable x, long n, long heads, long hd) {
        SameDiff sd = x.getSameDiff();
        if (heads == 1) return sd.reshape(x, -1, 1, n, hd);
        return sd.permute(sd.reshape(x, -1, n, heads, hd), 0, 2, 1, 3);
    }

    /**
     * Attention scores {@code scale * q k^T} of heads {@code [B, heads, nq, hd]} and
     * {@code [B, heads, nk, hd]}: {@code [B, heads, nq, nk]}. In an inference graph the scale is
     * the matmul's own alpha (M2.1's matmul op takes {@code [alpha, beta]} as its floating-point
     * arguments; SameDiff's mmul sets them to 1 and 0), so scaling costs no op of its own. A
     * training graph scales q first, as timm does: that form's gradient is the verified one.
     */
    public static SDVariable attentionScores(SDVariable q, SDVariable k, double scale, boolean training) {
        SameDiff sd = q.getSameDiff();
        if (training) return sd.mmul(q.mul(scale), k, false, true, false);
        SDVariable scores = sd.mmul(q, k, false, true, false);
        DynamicCustomOp matmul = (DynamicCustomOp) sd.getVariableOutputOp(scores.name());
        double[] args = matmul.tArgs();
        if (args.length != 2 || args[0] != 1.0 || args[1] != 0.0) {
            throw new IllegalStateException("matmul's arguments are not [alpha 1, beta 0]: " + Arrays.toString(args));
        }
        matmul.removeTArgument(1.0);
        matmul.removeTArgument(0.0);
        matmul.addTArgument(scale, 0.0);
        return scores;
    }

    /** Back from heads: {@code [B, heads, n, hd]} to rows {@code [B*n, heads*hd]}, for the output projection. */
    public static SDVariable mergeHeads(SDVariable x, long heads, long hd) {
        SameDiff sd = x.getSameDiff();
        if (heads == 1) return sd.reshape(x, -1, hd);
        return sd.reshape(sd.permute(x, 0, 2, 1, 3), -1, heads * hd);
    }

    /** The first token of each image (the class token) from rows {@code [B*n, c]}: every n-th row, {@code [B, c]}. */
    public static SDVariable firstTokenRows(SDVariable rows, long n) {
        return rows.getSameDiff().stridedSlice(rows, new long[]{0, 0}, new long[]{0, 0}, new long[]{n, 1}, 0, 3, 0, 0, 0);
    }

    /** Tokens {@code [from, to)} along axis 1 of {@code [B, N, C]}. */
    public static SDVariable tokenRange(SDVariable tokens, long from, long to) {
        return tokens.get(SDIndex.all(), SDIndex.interval(from, to), SDIndex.all());
    }

    /** A {@code [1, 1, C]} parameter repeated over the batch of {@code like} ({@code [B, *, C]}). */
    public static SDVariable expandToBatch(SDVariable token, SDVariable like) {
        SameDiff sd = token.getSameDiff();
        return sd.zerosLike(tokenRange(like, 0, 1)).add(token);
    }

    /**
     * The class token's attention map from attention probabilities {@code [B, heads, nq, nkv]}
     * whose first query and first key are the class token: its row over the other keys, an
     * {@code h x w} grid, renormalised (its share on itself dropped) so that each head's map is
     * a distribution over the grid: {@code [B, heads, h, w]}.
     */
    public static SDVariable classTokenAttentionMap(SDVariable probs, long heads, long h, long w) {
        SDVariable row = probs.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(0L, 1L), SDIndex.interval(1L, 1 + h * w));
        return probs.getSameDiff().reshape(row.div(row.sum(true, 3)), -1, heads, h, w);
    }

    /** Output length of a convolution or pooling window along one axis (floor mode). */
    public static long convOut(long in, long kernel, long stride, long pad) {
        return Math.floorDiv(in + 2 * pad - kernel, stride) + 1; // 0 or less: the window does not fit
    }

    public static Conv2DConfig convConfig(long kernel, long stride, long pad) {
        return convConfig(kernel, stride, pad, "NCHW");
    }

    /**
     * A convolution on NHWC grids {@code [B, h, w, C]}: there tokens {@code [B, h*w, C]} and the
     * grid are the same values in the same order, so going from one to the other is a reshape,
     * not a transpose; oneDNN's depthwise convolution is also 3-10x faster on NHWC than on NCHW
     * here (3x3 on 14x14 to 56x56 grids), and its dense convolutions as fast or faster.
     */
    public static Conv2DConfig nhwcConvConfig(long kernel, long stride, long pad) {
        return convConfig(kernel, stride, pad, "NHWC");
    }

    private static Conv2DConfig convConfig(long kernel, long stride, long pad, String format) {
        return Conv2DConfig.builder().kH(kernel).kW(kernel).sH(stride).sW(stride).pH(pad).pW(pad)
                .dH(1).dW(1).paddingMode(PaddingMode.VALID).dataFormat(format).build();
    }

    /** Output length of PyTorch's pooling with {@code ceil_mode=True}. */
    public static long ceilPoolOut(long in, long kernel, long stride, long pad) {
        long out = Math.floorDiv(in + 2 * pad - kernel + stride - 1, stride) + 1;
        if ((out - 1) * stride >= in + pad) out--; // the last window must start inside the input or left pad
        return out;
    }

    /**
     * PyTorch {@code AvgPool2d(k, s, p, ceil_mode=True, count_include_pad=True)} on an NCHW grid.
     * SameDiff has no ceil mode and ignores the divisor setting, so the grid is zero-padded
     * explicitly (left/top by p, right/bottom as far as the last window reaches), pooled as
     * plain k*k windows, and each output rescaled by k*k / PyTorch's divisor, which counts the
     * padding but not the part of a ceil-mode window hanging past it.
     */
    public static SDVariable avgPoolCeil(SDVariable grid, long h, long w, long k, long s, long p) {
        return avgPoolCeil(grid, h, w, k, s, p, false);
    }

    /** {@link #avgPoolCeil} on an NHWC grid {@code [B, h, w, C]}. */
    public static SDVariable avgPoolCeilNhwc(SDVariable grid, long h, long w, long k, long s, long p) {
        return avgPoolCeil(grid, h, w, k, s, p, true);
    }

    private static SDVariable avgPoolCeil(SDVariable grid, long h, long w, long k, long s, long p, boolean nhwc) {
        SameDiff sd = grid.getSameDiff();
        long oh = ceilPoolOut(h, k, s, p), ow = ceilPoolOut(w, k, s, p);
        int extraH = (int) Math.max(0, (oh - 1) * s + k - h - p), extraW = (int) Math.max(0, (ow - 1) * s + k - w - p);
        int[] none = {0, 0}, padH = {(int) p, extraH}, padW = {(int) p, extraW};
        int[][] pads = nhwc ? new int[][]{none, padH, padW, none} : new int[][]{none, none, padH, padW};
        SDVariable padded = sd.nn().pad(grid, sd.constant(Nd4j.createFromArray(pads)), 0.0);
        Pooling2DConfig cfg = Pooling2DConfig.builder().kH(k).kW(k).sH(s).sW(s).pH(0).pW(0).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).extra(0).type(Pooling2D.Pooling2DType.AVG).isNHWC(nhwc).build();
        SDVariable pooled = sd.cnn().avgPooling2d(padded, cfg);
        INDArray scale = Nd4j.create(DataType.FLOAT, oh, ow);
        for (long i = 0; i < oh; i++) {
            for (long j = 0; j < ow; j++) {
                scale.putScalar(new long[]{i, j}, (double) (k * k) / (windowLength(i, k, s, p, h) * windowLength(j, k, s, p, w)));
            }
        }
        return pooled.mul(sd.constant(nhwc ? scale.reshape(1, oh, ow, 1) : scale.reshape(1, 1, oh, ow)));
    }

    /** PyTorch's count_include_pad window length: clipped at the padded border, not the input. */
    private static long windowLength(long index, long k, long s, long p, long in) {
        long start = index * s - p;
        long end = Math.min(start + k, in + p);
        return end - start;
    }
}
