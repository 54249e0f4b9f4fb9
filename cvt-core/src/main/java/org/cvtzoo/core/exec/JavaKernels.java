package org.cvtzoo.core.exec;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.Arrays;
import java.util.List;

/**
 * The Java kernels that rewrites run in place of op chains or single ops that M2.1 runs slowly
 * ({@link JavaRewrites} says which), each deciding on the bound arrays whether it can take them,
 * with the loops in {@link FloatKernels}. Where oneDNN's primitives are used, the inference
 * chains go to them instead ({@link DnnlRewrites}); these remain for training graphs' backward
 * ops and for plans without oneDNN.
 */
final class JavaKernels {
    private JavaKernels() {
    }

    /** What a Java kernel computes from its arguments: by default one output of the shape of {@code args[0]}. */
    interface Kernel extends Rewrite.Implementation {
        boolean accepts(INDArray[] args);

        default long[][] outputShapes(INDArray[] args) {
            return new long[][]{args[0].shape()};
        }

        void run(INDArray[] args, INDArray[] outs);

        /**
         * See {@link Step#passedThrough}: {@link #run} leaves that output alone (the step gives it the
         * argument's values where the plan could not give it the argument's memory).
         */
        default int passedThrough(INDArray[] args, int output) {
            return -1;
        }

        @Override
        default Step step(SameDiffOp standIn, INDArray[] args) {
            return accepts(args) ? new KernelStep(standIn, this, args) : null;
        }
    }

    /**
     * Arrays that agree on every axis but one, one after the other along it: for each index
     * before the axis, each array's block copied in bulk. M2.1's concat takes a reference
     * implementation: 2 ms a call on CvT-13's [16, 197, 384] (31 calls in a training step).
     */
    record Concat(int axis) implements Kernel {
        @Override
        public boolean accepts(INDArray[] args) {
            if (!allFit(args)) return false;
            int rank = args[0].rank(), a = axisOf(rank);
            if (a < 0 || a >= rank) return false;
            for (INDArray x : args) {
                if (x.rank() != rank || x.isEmpty()) return false; // an empty array has no buffer to copy from
                for (int i = 0; i < rank; i++) if (i != a && x.size(i) != args[0].size(i)) return false;
            }
            return true;
        }

        @Override
        public long[][] outputShapes(INDArray[] args) {
            long[] shape = args[0].shape().clone();
            int a = axisOf(shape.length);
            for (int i = 1; i < args.length; i++) shape[a] += args[i].size(a);
            return new long[][]{shape};
        }

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            FloatKernels.concat(args, axisOf(args[0].rank()), outs[0]);
        }

        /** The axis counted from the front, for arrays of this rank. */
        private int axisOf(int rank) {
            return axis < 0 ? axis + rank : axis;
        }
    }

    /** Exact GELU of x, or of x plus a bias along its last axis. */
    record ExactGelu(boolean bias) implements Kernel {
        @Override
        public boolean accepts(INDArray[] args) {
            return FloatKernels.fits(args[0]) && (!bias || alongLastAxis(args[1], args[0]));
        }

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            FloatKernels.exactGelu(args[0], bias ? args[1] : null, outs[0]);
        }
    }

    /** QuickGELU of x, or of x plus a bias along its last axis. */
    record QuickGelu(boolean bias) implements Kernel {
        @Override
        public boolean accepts(INDArray[] args) {
            return FloatKernels.fits(args[0]) && (!bias || alongLastAxis(args[1], args[0]));
        }

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            FloatKernels.quickGelu(args[0], bias ? args[1] : null, outs[0]);
        }
    }

    /** {@code residual + (x + bias)}: a linear layer's bias and the residual connection after it, in one pass. */
    record BiasResidual() implements Kernel {
        @Override
        public boolean accepts(INDArray[] args) {
            return FloatKernels.fits(args[0]) && alongLastAxis(args[1], args[0]) && FloatKernels.fits(args[2])
                    && Arrays.equals(args[0].shape(), args[2].shape());
        }

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            FloatKernels.biasResidual(args[0], args[1], args[2], outs[0]);
        }
    }

    /** A float vector that broadcasts along x's last axis: {@code [c]} or {@code [1, .., c]}. */
    private static boolean alongLastAxis(INDArray v, INDArray x) {
        long c = x.rank() == 0 ? 0 : x.size(x.rank() - 1);
        return v.dataType() == org.nd4j.linalg.api.buffer.DataType.FLOAT && c > 0 && v.length() == c
                && v.rank() >= 1 && v.size(v.rank() - 1) == c;
    }

    /**
     * A permute that keeps the last axis last: a copy of runs of the last axis, where M2.1's
     * permute takes about 9 ns a value (ViT-S/16 at batch 16: 32 ms for the qkv split).
     */
    record InnerRunPermute(int[] axes) implements Kernel {
        @Override
        public boolean accepts(INDArray[] args) {
            int r = args[0].rank();
            if (!FloatKernels.fits(args[0]) || axes.length != r || r < 2 || axes[r - 1] != r - 1) return false;
            boolean[] seen = new boolean[r];
            for (int a : axes) {
                if (a < 0 || a >= r || seen[a]) return false;
                seen[a] = true;
            }
            return true;
        }

        @Override
        public long[][] outputShapes(INDArray[] args) {
            long[] shape = new long[axes.length];
            for (int i = 0; i < axes.length; i++) shape[i] = args[0].size(axes[i]);
            return new long[][]{shape};
        }

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            FloatKernels.permuteRuns(args[0], axes, outs[0]);
        }
    }

    /** The derivative of QuickGELU (what SameDiff's gelu backward multiplies the gradient by). */
    record QuickGeluDerivative() implements Kernel {
        @Override
        public boolean accepts(INDArray[] args) {
            return FloatKernels.fits(args[0]);
        }

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            FloatKernels.quickGeluDerivative(args[0], outs[0]);
        }
    }

    /**
     * {@code multiply_bp} of {@code x * y} where one of them broadcasts ({@link #split}): M2.1
     * tiles the smaller operand element by element there (19-28 ms where the forward takes
     * 0.3-0.8 ms, docs/samediff-findings.md). Same-shape products keep the native op.
     */
    record BroadcastMulBackward() implements Kernel {
        @Override
        public boolean accepts(INDArray[] args) {
            return allFit(args) && !Arrays.equals(args[0].shape(), args[1].shape()) && oneBroadcasts(args);
        }

        @Override
        public long[][] outputShapes(INDArray[] args) {
            return new long[][]{args[0].shape(), args[1].shape()};
        }

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            boolean xFull = Arrays.equals(args[2].shape(), args[0].shape());
            int full = xFull ? 0 : 1, small = 1 - full;
            long[] s = split(args[full].shape(), args[small].shape());
            FloatKernels.broadcastMulBackward(args[full], args[small], args[2], s, outs[full], outs[small]);
        }
    }

    /**
     * {@code add_bp} / {@code subtract_bp} of {@code x + y} / {@code x - y}: the gradient copied
     * (negated for a subtrahend), and summed over the broadcast axes for an operand that
     * broadcasts ({@link #split}). M2.1's took 3.6 ms a call on average in cvt-13's training step.
     */
    record SumBackward(boolean subtract) implements Kernel {
        @Override
        public boolean accepts(INDArray[] args) {
            if (!allFit(args)) return false;
            boolean sameShapes = Arrays.equals(args[0].shape(), args[1].shape());
            return sameShapes ? Arrays.equals(args[0].shape(), args[2].shape()) : oneBroadcasts(args);
        }

        @Override
        public long[][] outputShapes(INDArray[] args) {
            return new long[][]{args[0].shape(), args[1].shape()};
        }

        /** The gradient itself, for an operand of its shape with a plus sign (a residual's both, a bias add's input). */
        @Override
        public int passedThrough(INDArray[] args, int output) {
            return Arrays.equals(args[output].shape(), args[2].shape()) && (output == 0 || !subtract) ? 2 : -1;
        }

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            float ySign = subtract ? -1f : 1f;
            if (Arrays.equals(args[0].shape(), args[1].shape())) { // both passed through, but a subtrahend's
                if (subtract) FloatKernels.scaledCopy(args[2], ySign, outs[1]);
                return;
            }
            boolean xFull = Arrays.equals(args[2].shape(), args[0].shape());
            int full = xFull ? 0 : 1, small = 1 - full;
            long[] s = split(args[full].shape(), args[small].shape());
            INDArray dFull = passedThrough(args, full) >= 0 ? null : outs[full];
            FloatKernels.broadcastSumBackward(args[2], s, dFull, xFull ? 1f : ySign, outs[small], xFull ? ySign : 1f);
        }
    }

    /** A mean over some axes, kept as size 1, where they are consecutive (rows, or a grid's spatial axes and batch). */
    record KeptMean(int[] axes) implements Kernel {
        @Override
        public boolean accepts(INDArray[] args) {
            return FloatKernels.fits(args[0]) && split(args[0].shape(), outputShapes(args)[0]) != null;
        }

        @Override
        public long[][] outputShapes(INDArray[] args) {
            long[] shape = args[0].shape().clone();
            for (int a : axes) {
                int axis = a < 0 ? a + shape.length : a;
                if (axis < 0 || axis >= shape.length) return new long[][]{args[0].shape()}; // not ours: accepts() says no
                shape[axis] = 1;
            }
            return new long[][]{shape};
        }

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            FloatKernels.mean(args[0], split(args[0].shape(), outs[0].shape()), outs[0]);
        }
    }

    /** {@code reduce_mean_bp} of a mean that kept its reduced axes (the gradient has x's rank) over axes {@link #split} describes. */
    record MeanBackward() implements Kernel {
        @Override
        public boolean accepts(INDArray[] args) {
            return FloatKernels.fits(args[0]) && FloatKernels.fits(args[1]) && args[1].rank() == args[0].rank()
                    && split(args[0].shape(), args[1].shape()) != null;
        }

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            FloatKernels.meanBackward(args[1], split(args[0].shape(), args[1].shape()), outs[0]);
        }
    }

    private static boolean allFit(INDArray[] args) {
        return Arrays.stream(args).allMatch(FloatKernels::fits);
    }

    /** For a backward's (x, y, gradient): the gradient has the shape of one, and the other broadcasts to it ({@link #split}). */
    private static boolean oneBroadcasts(INDArray[] args) {
        long[] x = args[0].shape(), y = args[1].shape(), g = args[2].shape();
        return Arrays.equals(g, x) && split(x, y) != null || Arrays.equals(g, y) && split(y, x) != null;
    }

    /**
     * {@code [outer, mid, inner]} when {@code small} (right-aligned to {@code full}'s rank)
     * equals {@code full} on some leading and some trailing axes and is 1 on the axes between;
     * null for any other broadcast.
     */
    static long[] split(long[] full, long[] small) {
        if (small.length > full.length) return null;
        long outer = 1, mid = 1, inner = 1;
        int phase = 0; // 0: leading kept axes, 1: broadcast axes, 2: trailing kept axes
        for (int i = 0; i < full.length; i++) {
            int j = i - (full.length - small.length);
            long sv = j < 0 ? 1 : small[j];
            if (full[i] == 1) {
                if (sv != 1) return null;
            } else if (sv == 1) {
                if (phase == 2) return null;
                phase = 1;
                mid *= full[i];
            } else if (sv == full[i]) {
                if (phase == 1) phase = 2;
                if (phase == 0) outer *= full[i];
                else inner *= full[i];
            } else {
                return null;
            }
        }
        return mid == 1 ? null : new long[]{outer, mid, inner};
    }

    record LayerNorm(float eps, long axis) implements Kernel {
        @Override
        public boolean accepts(INDArray[] args) {
            INDArray x = args[0];
            long c = x.rank() == 0 ? 0 : x.size(x.rank() - 1);
            boolean lastAxis = axis == x.rank() - 1 || axis == -1;
            return FloatKernels.fits(x) && lastAxis && c > 0 && alongLastAxis(args[1], x) && alongLastAxis(args[2], x);
        }

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            FloatKernels.layerNorm(args[0], args[1], args[2], eps, outs[0]);
        }
    }

    /**
     * The backward of LayerNorm over the last axis: arguments {@code x, gain, bias, dy} and x's
     * other gradients, outputs x's whole gradient, the gain's and the bias's.
     */
    record LayerNormBackward(float eps, long axis) implements Kernel {
        @Override
        public boolean accepts(INDArray[] args) {
            INDArray x = args[0];
            long c = x.rank() == 0 ? 0 : x.size(x.rank() - 1);
            if (!(axis == x.rank() - 1 || axis == -1) || c == 0 || args[1].length() != c || args[2].length() != c) return false;
            for (INDArray a : args) if (a.dataType() != org.nd4j.linalg.api.buffer.DataType.FLOAT) return false;
            for (int i = 3; i < args.length; i++) if (!Arrays.equals(args[i].shape(), x.shape())) return false;
            return true;
        }

        @Override
        public long[][] outputShapes(INDArray[] args) {
            return new long[][]{args[0].shape(), args[1].shape(), args[2].shape()};
        }

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            INDArray[] addends = Arrays.copyOfRange(args, 4, args.length);
            FloatKernels.layerNormBackward(args[0], args[1], args[3], addends, eps, outs[0], outs[1], outs[2]);
        }
    }
}
