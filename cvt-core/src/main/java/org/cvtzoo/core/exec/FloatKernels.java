package org.cvtzoo.core.exec;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * The kernels a plan runs in Java instead of native ops ({@link JavaRewrites} says which): M2.1's
 * {@code erf} and {@code gelu} are scalar loops (7-14 and 2.8 ns a value), several of its
 * backward ops broadcast slowly, and every op of a chain is a pass over memory. Each kernel reads a chunk of its input
 * into a Java array, computes it with loops that HotSpot vectorises (plain float arithmetic,
 * {@code Math.fma}, min and max: about 0.45 ns a value for exact GELU, measured), and writes the
 * chunk back. Large arrays are split over ND4J's thread count.
 *
 * <p>erf and tanh are rational approximations {@code t P(t^2) / Q(t^2)} on a clamped range, with
 * our own coefficients (a weighted least-squares fit to the exact functions). Evaluated in float
 * they are within 4e-7 of the exact function everywhere (checked on 2 million points), against
 * 1e-7 for the float result of libm's erff; {@code JavaRewritesTest} holds them to that.
 */
final class FloatKernels {
    private static final int CHUNK = 4096;
    /** Below this many values a kernel runs on the calling thread alone. */
    private static final long PARALLEL_FROM = 1 << 15;

    // erf(t) = t P(t^2) / Q(t^2) for |t| <= 4 (beyond, erf is 1 in float)
    private static final float ERF_CLAMP = 4f;
    private static final float EP0 = 1.1283786775222908f, EP1 = 0.21394924990343558f, EP2 = 0.05243407615037357f,
            EP3 = 0.004293252128538849f, EP4 = 1.5554200658519744e-4f, EP5 = -1.9903469775672434e-6f,
            EP6 = 1.9217184598626108e-8f;
    private static final float EQ1 = 0.52293524133977f, EQ2 = 0.12080150943561513f, EQ3 = 0.015551485735765218f,
            EQ4 = 0.0010980878873837708f;
    // tanh(t) = t P(t^2) / Q(t^2) for |t| <= 9 (beyond, tanh is 1 in float)
    private static final float TANH_CLAMP = 9f;
    private static final float TP0 = 0.9999999938736602f, TP1 = 0.13676343422271642f, TP2 = 0.0038639291873900556f,
            TP3 = 2.792329467408762e-5f, TP4 = 3.040074666605683e-8f, TP5 = -1.2082929561827453e-11f;
    private static final float TQ1 = 0.4700967410011017f, TQ2 = 0.027229543033793213f, TQ3 = 3.931039877999894e-4f,
            TQ4 = 1.2817287261814723e-6f;
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));

    private FloatKernels() {
    }

    static float erf(float x) {
        float t = Math.min(Math.max(x, -ERF_CLAMP), ERF_CLAMP);
        float u = t * t;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(EP6, u, EP5), u, EP4), u, EP3), u, EP2), u, EP1), u, EP0);
        float q = Math.fma(Math.fma(Math.fma(Math.fma(EQ4, u, EQ3), u, EQ2), u, EQ1), u, 1f);
        return Math.min(Math.max(t * p / q, -1f), 1f);  // the fit may pass 1 by an ulp near the clamp
    }

    static float tanh(float x) {
        float t = Math.min(Math.max(x, -TANH_CLAMP), TANH_CLAMP);
        float u = t * t;
        float p = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(TP5, u, TP4), u, TP3), u, TP2), u, TP1), u, TP0);
        float q = Math.fma(Math.fma(Math.fma(Math.fma(TQ4, u, TQ3), u, TQ2), u, TQ1), u, 1f);
        return Math.min(Math.max(t * p / q, -1f), 1f);
    }

    /** Exact GELU {@code 0.5 x (1 + erf(x / sqrt 2))}, as {@code Ops.exactGelu} builds it, of x (plus bias, if not null). */
    static void exactGelu(INDArray x, INDArray bias, INDArray out) {
        map(x, bias, out, (in, o, n) -> {
            for (int i = 0; i < n; i++) {
                float v = in[i];
                o[i] = v * (erf(v * INV_SQRT2) + 1f) * 0.5f;
            }
        });
    }

    /**
     * QuickGELU {@code x sigmoid(1.702 x)} (SameDiff's {@code gelu}), as {@code x (1 + tanh(0.851 x)) / 2},
     * of x (plus bias, if not null).
     */
    static void quickGelu(INDArray x, INDArray bias, INDArray out) {
        map(x, bias, out, (in, o, n) -> {
            for (int i = 0; i < n; i++) {
                float v = in[i];
                o[i] = v * (0.5f + 0.5f * tanh(0.851f * v));
            }
        });
    }

    /** {@code residual + (x + bias)}, bias along x's last axis. */
    static void biasResidual(INDArray x, INDArray bias, INDArray residual, INDArray out) {
        FloatBuffer r = buffer(residual);
        int rBase = (int) residual.offset();
        map(x, bias, out, (in, o, n, start) -> {
            r.get(rBase + (int) start, o, 0, n);
            for (int i = 0; i < n; i++) o[i] += in[i];
        });
    }

    /**
     * The derivative of QuickGELU, {@code s + 1.702 x s (1 - s)} with {@code s = sigmoid(1.702 x)}
     * (as tanh: {@code s = (1 + tanh(0.851 x)) / 2}).
     */
    static void quickGeluDerivative(INDArray x, INDArray out) {
        map(x, null, out, (in, o, n) -> {
            for (int i = 0; i < n; i++) {
                float v = in[i];
                float s = 0.5f + 0.5f * tanh(0.851f * v);
                o[i] = s + 1.702f * v * s * (1f - s);
            }
        });
    }

    /**
     * LayerNorm over the last axis, as {@code Ops.layerNorm} builds it for inference:
     * {@code (x - mean) * rsqrt(var + eps) * gain + bias} per row, with the population variance.
     */
    static void layerNorm(INDArray x, INDArray gain, INDArray bias, float eps, INDArray out) {
        int c = (int) x.size(x.rank() - 1);
        float[] g = floats(gain), b = floats(bias);
        FloatBuffer src = buffer(x), dst = buffer(out);
        int base = (int) x.offset(), outBase = (int) out.offset();
        long rows = x.length() / c;
        int rowsPerChunk = Math.max(1, CHUNK / c);
        parallel(rows, rowsPerChunk, c, (from, to) -> {
            float[] row = new float[c];
            for (long r = from; r < to; r++) {
                src.get(base + (int) (r * c), row, 0, c);
                float mean = sum(row, c, 0, false) / c;
                float scale = (float) (1 / Math.sqrt(sum(row, c, mean, true) / c + eps));
                for (int i = 0; i < c; i++) row[i] = (row[i] - mean) * scale * g[i] + b[i];
                dst.put(outBase + (int) (r * c), row, 0, c);
            }
        });
    }

    /**
     * The backward of {@link #layerNorm} (its training chain): per row, with
     * {@code xhat = (x - mean) * rstd} and {@code gdy = dy * gain},
     * {@code dx = rstd * (gdy - mean(gdy) - xhat * mean(gdy * xhat))} plus each of
     * {@code addends} (x's other gradients); {@code dGain} sums {@code dy * xhat} over the rows,
     * {@code dBias} sums dy. Arrays that are not c-order and contiguous are copied first.
     */
    static void layerNormBackward(INDArray x, INDArray gain, INDArray dy, INDArray[] addends, float eps, INDArray dx,
                                  INDArray dGain, INDArray dBias) {
        int c = (int) x.size(x.rank() - 1);
        float[] g = floats(gain);
        INDArray xc = fits(x) ? x : x.dup('c'), dyc = fits(dy) ? dy : dy.dup('c');
        INDArray[] more = new INDArray[addends.length];
        for (int k = 0; k < more.length; k++) more[k] = fits(addends[k]) && addends[k].offset() == 0 ? addends[k] : addends[k].dup('c');
        FloatBuffer xs = buffer(xc), dys = buffer(dyc), dst = buffer(dx);
        FloatBuffer[] adds = new FloatBuffer[more.length];
        for (int k = 0; k < more.length; k++) adds[k] = buffer(more[k]);
        int xBase = (int) xc.offset(), dyBase = (int) dyc.offset(), outBase = (int) dx.offset();
        long rows = x.length() / c;
        int rowsPerChunk = Math.max(1, CHUNK / c);
        // keyed by where each part starts, and added in that order: the same sums every run
        Map<Long, double[]> partials = new ConcurrentSkipListMap<>();
        parallel(rows, rowsPerChunk, c, (from, to) -> {
            int size = rowsPerChunk * c;
            float[] xr = new float[size], d = new float[size], o = new float[size], add = new float[size], gdy = new float[c];
            double[] gainSum = new double[c], biasSum = new double[c]; // in double: a sum over every row
            for (long r0 = from; r0 < to; r0 += rowsPerChunk) {
                int n = (int) Math.min(rowsPerChunk, to - r0) * c, at = (int) (r0 * c);
                xs.get(xBase + at, xr, 0, n);
                dys.get(dyBase + at, d, 0, n);
                for (int row = 0; row < n; row += c) {
                    float mean = sum(xr, row, c, 0, false) / c;
                    float rstd = (float) (1 / Math.sqrt(sum(xr, row, c, mean, true) / c + eps));
                    for (int i = 0; i < c; i++) {
                        float xhat = (xr[row + i] - mean) * rstd, dyi = d[row + i];
                        xr[row + i] = xhat;
                        gdy[i] = dyi * g[i];
                        gainSum[i] += dyi * xhat;
                        biasSum[i] += dyi;
                    }
                    float meanGdy = sum(gdy, 0, c, 0, false) / c, meanGdyXhat = dot(gdy, 0, xr, row, c) / c;
                    for (int i = 0; i < c; i++) o[row + i] = rstd * (gdy[i] - meanGdy - xr[row + i] * meanGdyXhat);
                }
                for (FloatBuffer a : adds) {
                    a.get(at, add, 0, n); // the addends are c-order from offset 0 of their buffers (see below)
                    for (int i = 0; i < n; i++) o[i] += add[i];
                }
                dst.put(outBase + at, o, 0, n);
            }
            double[] sums = Arrays.copyOf(gainSum, 2 * c); // dGain, then dBias
            System.arraycopy(biasSum, 0, sums, c, c);
            partials.put(from, sums);
        });
        double[] total = new double[2 * c];
        for (double[] p : partials.values()) {
            for (int i = 0; i < total.length; i++) total[i] += p[i];
        }
        write(dGain, Arrays.copyOfRange(total, 0, c), 1);
        write(dBias, Arrays.copyOfRange(total, c, 2 * c), 1);
    }

    /**
     * {@code out = permute(x, axes)} where the last axis stays last: each run of the last axis
     * is copied buffer to buffer.
     */
    static void permuteRuns(INDArray x, int[] axes, INDArray out) {
        int r = axes.length;
        long[] inStrides = x.stride(), outShape = out.shape();
        int run = (int) x.size(r - 1);
        long runs = out.length() / Math.max(1, run);
        // stride in x of each output axis but the last
        long[] strides = new long[r - 1];
        for (int i = 0; i < r - 1; i++) strides[i] = inStrides[axes[i]];
        FloatBuffer src = buffer(x), dst = buffer(out);
        int base = (int) x.offset(), outBase = (int) out.offset();
        parallel(runs, Math.max(1, CHUNK / Math.max(1, run)), run, (from, to) -> {
            long[] index = new long[r - 1];
            long rest = from;
            for (int i = r - 2; i >= 0; i--) {
                index[i] = rest % outShape[i];
                rest /= outShape[i];
            }
            for (long k = from; k < to; k++) {
                long at = 0;
                for (int i = 0; i < r - 1; i++) at += index[i] * strides[i];
                dst.put(outBase + (int) (k * run), src, base + (int) at, run);
                for (int i = r - 2; i >= 0 && ++index[i] == outShape[i]; i--) index[i] = 0;
            }
        });
    }

    /**
     * The backward of {@code full * small}, where small broadcasts: with full and the gradient
     * {@code g} seen as {@code [outer, mid, inner]} and small as {@code [outer, inner]},
     * {@code dFull = g * small} and {@code dSmall[o, i] = sum over m of g[o, m, i] full[o, m, i]}.
     */
    static void broadcastMulBackward(INDArray full, INDArray small, INDArray grad, long[] split, INDArray dFull, INDArray dSmall) {
        double[] sums = sumOverMiddle(grad, full, small, split, dFull, 1f);
        write(dSmall, sums, 1);
    }

    /**
     * The backward of {@code full + small} (signs 1, 1) or a difference (the subtrahend's sign
     * -1), where small broadcasts as in {@link #broadcastMulBackward}: {@code dFull = sign g},
     * {@code dSmall[o, i] = sign * sum over m of g[o, m, i]}.
     */
    static void broadcastSumBackward(INDArray grad, long[] split, INDArray dFull, float fullSign, INDArray dSmall, float smallSign) {
        double[] sums = sumOverMiddle(grad, null, null, split, dFull, fullSign);
        write(dSmall, sums, smallSign);
    }

    /** The mean over the middle axis of x seen as {@code [outer, mid, inner]}, into {@code [outer, inner]}. */
    static void mean(INDArray x, long[] split, INDArray out) {
        double[] sums = sumOverMiddle(x, null, null, split, null, 1f);
        float[] means = new float[sums.length];
        for (int i = 0; i < means.length; i++) means[i] = (float) (sums[i] / split[1]);
        buffer(out).put((int) out.offset(), means, 0, means.length);
    }

    /** {@code out = sign * sums}, in float. */
    private static void write(INDArray out, double[] sums, float sign) {
        float[] values = new float[sums.length];
        for (int i = 0; i < values.length; i++) values[i] = (float) (sign * sums[i]);
        buffer(out).put((int) out.offset(), values, 0, values.length);
    }

    /**
     * With g (and full) seen as {@code [outer, mid, inner]}: the sums over m of
     * {@code g[o, m, i] full[o, m, i]} as {@code [outer, inner]}, and, unless dFull is null, in
     * the same pass {@code dFull = fullSign * g * small} (small {@code [outer, inner]}); a missing
     * factor counts as 1. Sums run in float within a chunk and in double across chunks.
     */
    private static double[] sumOverMiddle(INDArray grad, INDArray full, INDArray small, long[] split,
                                          INDArray dFull, float fullSign) {
        long outer = split[0], mid = split[1], inner = split[2];
        FloatBuffer g = buffer(grad), da = dFull == null ? null : buffer(dFull), a = full == null ? null : buffer(full);
        int aBase = full == null ? 0 : (int) full.offset(), gBase = (int) grad.offset();
        int daBase = dFull == null ? 0 : (int) dFull.offset();
        float[] f = new float[(int) (outer * inner)];
        if (small == null) Arrays.fill(f, 1f);
        else f = floats(small);
        for (int i = 0; i < f.length; i++) f[i] *= fullSign;
        float[] factor = f;
        double[] sums = new double[factor.length];
        if (inner == 1) {
            // one row of mid values per small value: a dot product and a scaling per row
            parallel(outer, Math.max(1, CHUNK / mid), mid, (from, to) -> {
                float[] ga = new float[(int) Math.min(CHUNK, mid)], aa = new float[ga.length];
                for (long o = from; o < to; o++) {
                    double dot = 0;
                    for (long start = 0; start < mid; start += ga.length) {
                        int n = (int) Math.min(ga.length, mid - start);
                        int at = (int) (o * mid + start);
                        g.get(gBase + at, ga, 0, n);
                        if (a != null) {
                            a.get(aBase + at, aa, 0, n);
                            dot += dot(ga, aa, n);
                        } else {
                            dot += sum(ga, n, 0f, false);
                        }
                        if (da != null) {
                            float fo = factor[(int) o];
                            for (int k = 0; k < n; k++) ga[k] *= fo;
                            da.put(daBase + at, ga, 0, n);
                        }
                    }
                    sums[(int) o] = dot;
                }
            });
        } else {
            // rows of inner values; each part sums its rows into sums of its own, added at the end
            long rows = outer * mid;
            int width = (int) inner; // an int bound, so that HotSpot vectorises the loops over it
            int rowsPerChunk = Math.max(1, CHUNK / width);
            boolean scales = da != null && (small != null || fullSign != 1f);
            // keyed by where each part starts, and added in that order: the same sums every run
            Map<Long, double[]> partials = new ConcurrentSkipListMap<>();
            parallel(rows, rowsPerChunk, inner, (from, to) -> {
                double[] mine = new double[factor.length];
                float[] ga = new float[rowsPerChunk * width], aa = new float[ga.length];
                float[] chunkSum = new float[width];
                for (long r0 = from; r0 < to; ) {
                    long o = r0 / mid;
                    long r1 = Math.min(Math.min(to, r0 + rowsPerChunk), (o + 1) * mid);  // rows of one o
                    int n = (int) ((r1 - r0) * width), at = (int) (r0 * width), fo = (int) (o * width);
                    g.get(gBase + at, ga, 0, n);
                    Arrays.fill(chunkSum, 0f);
                    if (a != null) {
                        a.get(aBase + at, aa, 0, n);
                        for (int row = 0; row < n; row += width) {
                            for (int i = 0; i < width; i++) chunkSum[i] += ga[row + i] * aa[row + i];
                        }
                    } else {
                        for (int row = 0; row < n; row += width) {
                            for (int i = 0; i < width; i++) chunkSum[i] += ga[row + i];
                        }
                    }
                    if (scales) {
                        for (int row = 0; row < n; row += width) {
                            for (int i = 0; i < width; i++) ga[row + i] *= factor[fo + i];
                        }
                    }
                    for (int i = 0; i < width; i++) mine[fo + i] += chunkSum[i];
                    if (da != null) da.put(daBase + at, ga, 0, n);
                    r0 = r1;
                }
                partials.put(from, mine);
            });
            for (double[] p : partials.values()) {
                for (int i = 0; i < sums.length; i++) sums[i] += p[i];
            }
        }
        return sums;
    }

    /** {@code parts} one after the other along {@code axis} into {@code out}, c-order arrays that agree on the other axes. */
    static void concat(INDArray[] parts, int axis, INDArray out) {
        long outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= out.size(i);
        for (int i = axis + 1; i < out.rank(); i++) inner *= out.size(i);
        FloatBuffer dst = buffer(out);
        long row = out.size(axis) * inner, at = out.offset();
        for (INDArray part : parts) {
            FloatBuffer src = buffer(part);
            int block = (int) (part.size(axis) * inner);
            for (long o = 0; o < outer; o++) dst.put((int) (at + o * row), src, (int) (part.offset() + o * block), block); // a memcpy each
            at += block;
        }
    }

    /** {@code out = sign * g}. */
    static void scaledCopy(INDArray grad, float sign, INDArray out) {
        map(grad, null, out, (in, o, n) -> {
            for (int i = 0; i < n; i++) o[i] = sign * in[i];
        });
    }

    /**
     * The backward of a mean over the broadcast axes of {@code split} (kept as size 1): each
     * value's gradient is its mean's gradient over the count.
     */
    static void meanBackward(INDArray grad, long[] split, INDArray out) {
        long outer = split[0], mid = split[1], inner = split[2];
        float[] g = floats(grad);
        float scale = 1f / mid;
        for (int i = 0; i < g.length; i++) g[i] *= scale;
        FloatBuffer dst = buffer(out);
        int base = (int) out.offset();
        // per outer index o: mid copies of g's row o (inner values), written a chunk at a time
        int rowsPerChunk = (int) Math.max(1, CHUNK / inner);
        parallel(outer, 1, mid * inner, (from, to) -> {
            float[] o = new float[(int) (rowsPerChunk * inner)];
            for (long oi = from; oi < to; oi++) {
                int row = (int) (oi * inner);
                int filled = (int) Math.min(rowsPerChunk, mid);
                if (inner == 1) {
                    Arrays.fill(o, 0, filled, g[row]);
                } else {
                    for (int r = 0; r < filled; r++) System.arraycopy(g, row, o, (int) (r * inner), (int) inner);
                }
                for (long m0 = 0; m0 < mid; m0 += rowsPerChunk) {
                    int n = (int) (Math.min(rowsPerChunk, mid - m0) * inner);
                    dst.put(base + (int) ((oi * mid + m0) * inner), o, 0, n);
                }
            }
        });
    }

    /** {@code sum(a[i] b[i])} with eight running sums (see {@link #sum}). */
    private static float dot(float[] a, float[] b, int n) {
        return dot(a, 0, b, 0, n);
    }

    /** {@code sum(a[aFrom + i] b[bFrom + i])} for i below n. */
    private static float dot(float[] a, int aFrom, float[] b, int bFrom, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = 0, d = bFrom - aFrom;
        for (; i + 8 <= n; i += 8) {
            int k = aFrom + i;
            s0 += a[k] * b[k + d]; s1 += a[k + 1] * b[k + 1 + d]; s2 += a[k + 2] * b[k + 2 + d]; s3 += a[k + 3] * b[k + 3 + d];
            s4 += a[k + 4] * b[k + 4 + d]; s5 += a[k + 5] * b[k + 5 + d]; s6 += a[k + 6] * b[k + 6 + d]; s7 += a[k + 7] * b[k + 7 + d];
        }
        for (; i < n; i++) s0 += a[aFrom + i] * b[bFrom + i];
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /**
     * {@code sum((v[i] - centre)^p)} for p = 1 or 2, in float with eight running sums: independent
     * additions that the CPU overlaps (one running sum is a chain of dependent additions, several
     * times slower).
     */
    private static float sum(float[] v, int n, float centre, boolean squares) {
        return sum(v, 0, n, centre, squares);
    }

    /** {@link #sum} over {@code v[from, from + n)}. */
    private static float sum(float[] v, int from, int n, float centre, boolean squares) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
        int i = from, end = from + n;
        for (; i + 8 <= end; i += 8) {
            float a0 = v[i] - centre, a1 = v[i + 1] - centre, a2 = v[i + 2] - centre, a3 = v[i + 3] - centre;
            float a4 = v[i + 4] - centre, a5 = v[i + 5] - centre, a6 = v[i + 6] - centre, a7 = v[i + 7] - centre;
            if (squares) {
                a0 *= a0; a1 *= a1; a2 *= a2; a3 *= a3; a4 *= a4; a5 *= a5; a6 *= a6; a7 *= a7;
            }
            s0 += a0; s1 += a1; s2 += a2; s3 += a3; s4 += a4; s5 += a5; s6 += a6; s7 += a7;
        }
        for (; i < end; i++) {
            float a = v[i] - centre;
            s0 += squares ? a * a : a;
        }
        return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
    }

    /** Whether a kernel can read or write the array: float, c-order, contiguous. */
    static boolean fits(INDArray a) {
        return a.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT && a.ordering() == 'c'
                && a.elementWiseStride() == 1 && a.offset() + a.length() <= Integer.MAX_VALUE;
    }

    private interface ChunkBody {
        void compute(float[] in, float[] out, int n);
    }

    /** A chunk body that also needs where the chunk starts. */
    private interface PlacedChunkBody {
        void compute(float[] in, float[] out, int n, long start);
    }

    private interface RangeBody {
        void run(long from, long to);
    }

    /**
     * Runs body over chunks of x (with bias added along the last axis first, if bias is not
     * null) into out. Chunks hold whole rows when there is a bias.
     */
    private static void map(INDArray x, INDArray bias, INDArray out, ChunkBody body) {
        map(x, bias, out, (in, o, n, start) -> body.compute(in, o, n));
    }

    private static void map(INDArray x, INDArray bias, INDArray out, PlacedChunkBody body) {
        FloatBuffer src = buffer(x), dst = buffer(out);
        int base = (int) x.offset(), outBase = (int) out.offset();
        float[] b = bias == null ? null : floats(bias);
        int row = b == null ? 1 : b.length;
        int chunk = Math.max(row, CHUNK / row * row);
        parallel(x.length(), chunk, 1, (from, to) -> {
            float[] in = new float[chunk], o = new float[chunk];
            for (long start = from; start < to; start += chunk) {
                int n = (int) Math.min(chunk, to - start);
                src.get(base + (int) start, in, 0, n);
                if (b != null) {
                    for (int r = 0; r < n; r += row) {
                        for (int i = 0; i < row; i++) in[r + i] += b[i];
                    }
                }
                body.compute(in, o, n, start);
                dst.put(outBase + (int) start, o, 0, n);
            }
        });
    }

    /** The values of a float array in c order (parameters rebound after the plan was built may be any layout). */
    private static float[] floats(INDArray a) {
        if (!fits(a)) a = a.dup('c');
        float[] v = new float[(int) a.length()];
        buffer(a).get((int) a.offset(), v, 0, v.length);
        return v;
    }

    private static FloatBuffer buffer(INDArray a) {
        return a.data().asNioFloat();
    }

    /**
     * Runs {@code body} over {@code [0, n)} units of {@code unitValues} values each, in parts of
     * whole grains: one part on the calling thread and the others on the common pool, using at
     * most ND4J's thread count.
     */
    private static void parallel(long n, long grain, long unitValues, RangeBody body) {
        int threads = Math.min(Nd4j.getEnvironment().maxThreads(), ForkJoinPool.getCommonPoolParallelism() + 1);
        long grains = (n + grain - 1) / grain;
        int parts = n * unitValues < PARALLEL_FROM ? 1 : (int) Math.min(threads, grains);
        if (parts <= 1) {
            body.run(0, n);
            return;
        }
        long perPart = (grains + parts - 1) / parts * grain;
        ForkJoinTask<?>[] others = new ForkJoinTask<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            long from = Math.min(n, p * perPart), to = Math.min(n, (p + 1) * perPart);
            others[p - 1] = ForkJoinPool.commonPool().submit(() -> body.run(from, to));
        }
        body.run(0, Math.min(n, perPart));
        for (ForkJoinTask<?> t : others) t.join();
    }
}
