package org.cvtzoo.core.exec;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.impl.reduce.Moments;
import org.nd4j.linalg.api.ops.impl.shape.Permute;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarAdd;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.transforms.floating.RSqrt;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.MulBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.SubBpOp;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MeanBp;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELU;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELUDerivative;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds the element-wise chains that {@code Ops} builds (exact GELU, QuickGELU, inference
 * LayerNorm) in a plan's ops and stands one fused op in for each (and single ops that M2.1 runs
 * slowly: QuickGELU's derivative, a broadcasting multiply's backward), which the plan runs as one
 * Java kernel ({@link FloatKernels}) rather than 1-7 native ops, each a pass over memory.
 * A chain matches only when its intermediates are read by nothing else and are not requested
 * outputs, so the group's output is the only value that leaves it; the fused op takes the place
 * of the group's last op. Training graphs read the intermediates in the backward pass, so
 * their chains stay as they are. Where the arrays do not suit a kernel (not float, not
 * contiguous, a norm over another axis), the plan runs the group's own ops instead.
 */
final class Fusions {
    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));

    /** What a fused op computes from its arguments: by default one output of the shape of {@code args[0]}. */
    interface Kernel {
        boolean accepts(INDArray[] args);

        default long[][] outputShapes(INDArray[] args) {
            return new long[][]{args[0].shape()};
        }

        void run(INDArray[] args, INDArray[] outs);
    }

    /** The op standing in for a group in the plan's op list (never run by ND4J; named for listeners and profiles). */
    static final class FusedOp extends DynamicCustomOp {
        private final String name;
        private final Kernel kernel;

        FusedOp(String name, Kernel kernel) {
            this.name = name;
            this.kernel = kernel;
        }

        @Override
        public String opName() {
            return name;
        }

        Kernel kernel() {
            return kernel;
        }
    }

    /** A fused group: the op standing in for it, and the graph ops it replaces, in order. */
    record Group(SameDiffOp op, FusedOp fused, List<SameDiffOp> members) {
    }

    private final SameDiff sd;
    private final Map<String, List<SameDiffOp>> readers = new HashMap<>();
    private final Map<String, SameDiffOp> producers = new HashMap<>();
    private final Set<String> requested;
    private final Set<String> taken = new HashSet<>();

    private Fusions(SameDiff sd, List<SameDiffOp> ops, List<String> outputs) {
        this.sd = sd;
        this.requested = Set.copyOf(outputs);
        for (SameDiffOp op : ops) {
            for (String in : inputs(op)) readers.computeIfAbsent(in, k -> new ArrayList<>()).add(op);
            for (String out : op.getOutputsOfOp()) producers.put(out, op);
        }
    }

    /**
     * The ops in order with each fusable chain replaced by its group's op, at the place of the
     * chain's last op (where every input of the chain is available).
     */
    static List<SameDiffOp> fuse(SameDiff sd, List<SameDiffOp> ops, List<String> outputs, Map<String, Group> groups) {
        Fusions f = new Fusions(sd, ops, outputs);
        Map<String, Group> byLastMember = new HashMap<>();
        for (SameDiffOp op : ops) {
            Group g = f.match(op);
            if (g == null) continue;
            g.members().forEach(m -> f.taken.add(m.getName()));
            byLastMember.put(g.members().get(g.members().size() - 1).getName(), g);
            groups.put(g.op().getName(), g);
        }
        List<SameDiffOp> fused = new ArrayList<>();
        for (SameDiffOp op : ops) {
            Group g = byLastMember.get(op.getName());
            if (g != null) {
                fused.add(g.op());
            } else if (!f.taken.contains(op.getName())) {
                fused.add(op);
            }
        }
        return fused;
    }

    private Group match(SameDiffOp first) {
        if (taken.contains(first.getName())) return null;
        if (first.getOp() instanceof ScalarMultiplication) return exactGelu(first);
        if (first.getOp() instanceof GELU && inputs(first).size() == 1) {
            SameDiffOp biasAdd = biasAddReadOnlyBy(inputs(first).get(0), List.of(first));
            if (biasAdd == null) return group("gelu (fused)", new QuickGelu(false), List.of(first), inputs(first));
            return group("bias + gelu (fused)", new QuickGelu(true), List.of(biasAdd, first), biasAddArgs(biasAdd));
        }
        if (first.getOp() instanceof AddOp && biasOf(first) != null) {
            SameDiffOp residual = soleReader(first, AddOp.class);
            String other = residual == null ? null : other(residual, out(first));
            if (other != null) {
                List<String> args = new ArrayList<>(biasAddArgs(first));
                args.add(other);
                return group("bias + residual (fused)", new BiasResidual(), List.of(first, residual), args);
            }
        }
        if (first.getOp() instanceof GELUDerivative && inputs(first).size() == 1) {
            return group("gelu_derivative (kernel)", new QuickGeluDerivative(), List.of(first), inputs(first));
        }
        if (first.getOp() instanceof Permute p && inputs(first).size() == 1 && p.iArgs().length > 0) {
            return group("permute (kernel)", new InnerRunPermute(toInts(p.iArgs())), List.of(first), inputs(first));
        }
        if (first.getOp() instanceof Moments) return layerNorm(first);
        if (first.getOp() instanceof MulBpOp && inputs(first).size() == 3 && first.getOutputsOfOp().size() == 2) {
            return group("multiply_bp (broadcast kernel)", new BroadcastMulBackward(), List.of(first), inputs(first));
        }
        boolean add = first.getOp() instanceof AddBpOp, subtract = first.getOp() instanceof SubBpOp;
        if ((add || subtract) && inputs(first).size() == 3 && first.getOutputsOfOp().size() == 2) {
            return group((add ? "add_bp" : "subtract_bp") + " (kernel)", new SumBackward(subtract), List.of(first), inputs(first));
        }
        if (first.getOp() instanceof Mean m && inputs(first).size() == 1 && m.isKeepDims() && m.dimensions() != null
                && m.dimensions().length() > 0) {
            return group("reduce_mean (kernel)", new KeptMean(m.dimensions().toIntVector()), List.of(first), inputs(first));
        }
        if (first.getOp() instanceof MeanBp && inputs(first).size() == 2) {
            return group("reduce_mean_bp (kernel)", new MeanBackward(), List.of(first), inputs(first));
        }
        return null;
    }

    /** {@code mul_scalar(x, 1/sqrt 2) -> erf -> add_scalar 1 -> multiply by x -> mul_scalar 0.5}. */
    private Group exactGelu(SameDiffOp scaled) {
        if (!isScalar(scaled, INV_SQRT2)) return null;
        String x = inputs(scaled).get(0);
        SameDiffOp erf = soleReader(scaled, Erf.class);
        SameDiffOp plusOne = erf == null ? null : soleReader(erf, ScalarAdd.class);
        SameDiffOp times = plusOne == null || !isScalar(plusOne, 1f) ? null : soleReader(plusOne, MulOp.class);
        if (times == null || !x.equals(other(times, out(plusOne)))) return null;
        SameDiffOp half = soleReader(times, ScalarMultiplication.class);
        if (half == null || !isScalar(half, 0.5f)) return null;
        List<SameDiffOp> chain = List.of(scaled, erf, plusOne, times, half);
        SameDiffOp biasAdd = biasAddReadOnlyBy(x, List.of(scaled, times));
        if (biasAdd == null) return group("exact_gelu (fused)", new ExactGelu(false), chain, List.of(x));
        List<SameDiffOp> members = new ArrayList<>(List.of(biasAdd));
        members.addAll(chain);
        return group("bias + exact_gelu (fused)", new ExactGelu(true), members, biasAddArgs(biasAdd));
    }

    /**
     * The op making {@code x} if it adds a parameter (a linear layer's bias) to an array, and
     * nothing but {@code chainReaders} reads x: then the chain can take the addition in.
     */
    private SameDiffOp biasAddReadOnlyBy(String x, List<SameDiffOp> chainReaders) {
        SameDiffOp add = producers.get(x);
        if (add == null || taken.contains(add.getName()) || !(add.getOp() instanceof AddOp) || biasOf(add) == null
                || requested.contains(x)) {
            return null;
        }
        List<SameDiffOp> r = readers.getOrDefault(x, List.of());
        return r.size() == chainReaders.size() && r.containsAll(chainReaders) ? add : null;
    }

    /** The parameter argument of a two-argument add whose other argument is not a parameter; else null. */
    private String biasOf(SameDiffOp add) {
        List<String> in = inputs(add);
        if (in.size() != 2) return null;
        boolean first = isParameter(in.get(0)), second = isParameter(in.get(1));
        return first == second ? null : first ? in.get(0) : in.get(1);
    }

    /** The arguments of a bias add as a kernel takes them: the array, then the bias. */
    private List<String> biasAddArgs(SameDiffOp add) {
        String bias = biasOf(add);
        return List.of(other(add, bias), bias);
    }

    private boolean isParameter(String name) {
        VariableType t = sd.getVariable(name).getVariableType();
        return t == VariableType.VARIABLE || t == VariableType.CONSTANT;
    }

    /** {@code moments(x) -> (x - mean) * rsqrt(var + eps) * gain + bias}, over the last axis (checked on the arrays). */
    private Group layerNorm(SameDiffOp moments) {
        Moments m = (Moments) moments.getOp();
        if (m.iArgs().length != 1 || m.bArgs().length != 1 || !m.bArgs()[0] || moments.getOutputsOfOp().size() != 2) {
            return null;
        }
        String x = inputs(moments).get(0);
        String mean = moments.getOutputsOfOp().get(0), variance = moments.getOutputsOfOp().get(1);
        SameDiffOp centred = soleReaderOf(mean, SubOp.class);
        SameDiffOp plusEps = soleReaderOf(variance, ScalarAdd.class);
        if (centred == null || plusEps == null || !inputs(centred).equals(List.of(x, mean))) return null;
        SameDiffOp rsqrt = soleReader(plusEps, RSqrt.class);
        SameDiffOp normalised = rsqrt == null ? null : soleReader(rsqrt, MulOp.class);
        if (normalised == null || normalised != soleReader(centred, MulOp.class)) return null;
        SameDiffOp scaled = soleReader(normalised, MulOp.class);
        SameDiffOp shifted = scaled == null ? null : soleReader(scaled, AddOp.class);
        if (shifted == null) return null;
        String gain = other(scaled, out(normalised)), bias = other(shifted, out(scaled));
        if (gain == null || bias == null) return null;
        float eps = ((ScalarOp) plusEps.getOp()).scalar().getFloat(0);
        return group("layer_norm (fused)", new LayerNorm(eps, m.iArgs()[0]),
                List.of(moments, centred, plusEps, rsqrt, normalised, scaled, shifted), List.of(x, gain, bias));
    }

    private Group group(String name, Kernel kernel, List<SameDiffOp> members, List<String> args) {
        SameDiffOp last = members.get(members.size() - 1);
        FusedOp fused = new FusedOp(name, kernel);
        SameDiffOp op = new SameDiffOp(last.getName() + "/fused", fused, List.copyOf(args), List.copyOf(last.getOutputsOfOp()),
                null, null, null);
        return new Group(op, fused, List.copyOf(members));
    }

    /** The only op reading {@code op}'s single output, if it is of the given type and that output is not requested. */
    private SameDiffOp soleReader(SameDiffOp op, Class<?> type) {
        return op.getOutputsOfOp().size() == 1 ? soleReaderOf(out(op), type) : null;
    }

    private SameDiffOp soleReaderOf(String variable, Class<?> type) {
        List<SameDiffOp> r = readers.getOrDefault(variable, List.of());
        if (r.size() != 1 || requested.contains(variable) || !type.isInstance(r.get(0).getOp())) return null;
        return taken.contains(r.get(0).getName()) ? null : r.get(0);
    }

    /** The argument of a two-argument op other than {@code known}. */
    private static String other(SameDiffOp op, String known) {
        List<String> in = inputs(op);
        if (in.size() != 2 || in.get(0).equals(in.get(1))) return null;
        return in.get(0).equals(known) ? in.get(1) : in.get(1).equals(known) ? in.get(0) : null;
    }

    private static boolean isScalar(SameDiffOp op, float value) {
        INDArray s = ((ScalarOp) op.getOp()).scalar();
        return inputs(op).size() == 1 && s != null && s.length() == 1 && s.getFloat(0) == value;
    }

    private static int[] toInts(long[] values) {
        int[] ints = new int[values.length];
        for (int i = 0; i < values.length; i++) ints[i] = (int) values[i];
        return ints;
    }

    private static String out(SameDiffOp op) {
        return op.getOutputsOfOp().get(0);
    }

    private static List<String> inputs(SameDiffOp op) {
        return op.getInputsToOp() == null ? List.of() : op.getInputsToOp();
    }

    /** Exact GELU of x, or of x plus a bias along its last axis. */
    private record ExactGelu(boolean bias) implements Kernel {
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
    private record QuickGelu(boolean bias) implements Kernel {
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
    private record BiasResidual() implements Kernel {
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
    private record InnerRunPermute(int[] axes) implements Kernel {
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
    private record QuickGeluDerivative() implements Kernel {
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
    private record BroadcastMulBackward() implements Kernel {
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
    private record SumBackward(boolean subtract) implements Kernel {
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

        @Override
        public void run(INDArray[] args, INDArray[] outs) {
            float ySign = subtract ? -1f : 1f;
            if (Arrays.equals(args[0].shape(), args[1].shape())) {
                FloatKernels.scaledCopy(args[2], 1f, outs[0]);
                FloatKernels.scaledCopy(args[2], ySign, outs[1]);
                return;
            }
            boolean xFull = Arrays.equals(args[2].shape(), args[0].shape());
            int full = xFull ? 0 : 1, small = 1 - full;
            long[] s = split(args[full].shape(), args[small].shape());
            FloatKernels.broadcastSumBackward(args[2], s, outs[full], xFull ? 1f : ySign, outs[small], xFull ? ySign : 1f);
        }
    }

    /** A mean over some axes, kept as size 1, where they are consecutive (rows, or a grid's spatial axes and batch). */
    private record KeptMean(int[] axes) implements Kernel {
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
    private record MeanBackward() implements Kernel {
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

    private record LayerNorm(float eps, long axis) implements Kernel {
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
}
