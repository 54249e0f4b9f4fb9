package org.cvtzoo.core.exec;

import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.impl.reduce.Moments;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MeanBp;
import org.nd4j.linalg.api.ops.impl.reduce.floating.Mean;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarAdd;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.shape.Permute;
import org.nd4j.linalg.api.ops.impl.transforms.floating.RSqrt;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.SubOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.MulBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.SubBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELU;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELUDerivative;

import java.util.ArrayList;
import java.util.List;

import static org.cvtzoo.core.exec.OpGraph.inputs;
import static org.cvtzoo.core.exec.OpGraph.isScalar;
import static org.cvtzoo.core.exec.OpGraph.other;
import static org.cvtzoo.core.exec.OpGraph.out;

/**
 * The rewrites that run Java kernels ({@link JavaKernels}): the element-wise chains that
 * {@code Ops} builds (exact GELU, QuickGELU, inference LayerNorm, a bias and the residual after
 * it), within about 1e-7 of the graph's own ops rather than bit for bit, and single ops that
 * M2.1 runs slowly (permutes, a training graph's element-wise backward ops and means).
 */
final class JavaRewrites {
    private JavaRewrites() {
    }

    /** The Java rewrites, in the order they are tried on each op. */
    static List<Rewrite> all() {
        return List.of(new LayerNormBackward(), new ExactGelu(), new QuickGelu(), new BiasResidual(), new LayerNorm(), new Permutes(),
                new GeluDerivative(), new MulBackward(), new SumBackward(), new KeptMean(), new MeanBackward(), new Concat());
    }

    private static final float INV_SQRT2 = (float) (1 / Math.sqrt(2));

    /** {@code mul_scalar(x, 1/sqrt 2) -> erf -> add_scalar 1 -> multiply by x -> mul_scalar 0.5}, and a bias add before it. */
    record ExactGelu() implements Rewrite {
        @Override
        public String name() {
            return "java-exact-gelu";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            List<SameDiffOp> chain = exactGeluChain(g, first);
            if (chain == null) return null;
            String x = inputs(first).get(0);
            SameDiffOp biasAdd = g.biasAddReadOnlyBy(x, List.of(first, chain.get(3)));
            if (biasAdd == null) return g.group(this, "exact_gelu (java)", new JavaKernels.ExactGelu(false), chain, List.of(x));
            List<SameDiffOp> members = new ArrayList<>(List.of(biasAdd));
            members.addAll(chain);
            return g.group(this, "bias + exact_gelu (java)", new JavaKernels.ExactGelu(true), members, g.biasAddArgs(biasAdd));
        }
    }

    /** The five ops of {@code Ops.exactGelu} starting at {@code scaled}, when nothing else reads their intermediates; else null. */
    static List<SameDiffOp> exactGeluChain(OpGraph g, SameDiffOp scaled) {
        if (!(scaled.getOp() instanceof ScalarMultiplication) || !isScalar(scaled, INV_SQRT2)) return null;
        String x = inputs(scaled).get(0);
        SameDiffOp erf = g.soleReader(scaled, Erf.class);
        SameDiffOp plusOne = erf == null ? null : g.soleReader(erf, ScalarAdd.class);
        SameDiffOp times = plusOne == null || !isScalar(plusOne, 1f) ? null : g.soleReader(plusOne, MulOp.class);
        if (times == null || !x.equals(other(times, out(plusOne)))) return null;
        SameDiffOp half = g.soleReader(times, ScalarMultiplication.class);
        if (half == null || !isScalar(half, 0.5f)) return null;
        return List.of(scaled, erf, plusOne, times, half);
    }

    /** QuickGELU (ND4J's {@code gelu} op), and a bias add before it. */
    record QuickGelu() implements Rewrite {
        @Override
        public String name() {
            return "java-quick-gelu";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof GELU) || inputs(first).size() != 1) return null;
            SameDiffOp biasAdd = g.biasAddReadOnlyBy(inputs(first).get(0), List.of(first));
            if (biasAdd == null) return g.group(this, "gelu (java)", new JavaKernels.QuickGelu(false), List.of(first), inputs(first));
            return g.group(this, "bias + gelu (java)", new JavaKernels.QuickGelu(true), List.of(biasAdd, first), g.biasAddArgs(biasAdd));
        }
    }

    /** A linear layer's bias add and the residual add reading it. */
    record BiasResidual() implements Rewrite {
        @Override
        public String name() {
            return "java-bias-residual";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof AddOp) || g.biasOf(first) == null) return null;
            SameDiffOp residual = g.soleReader(first, AddOp.class);
            String other = residual == null ? null : other(residual, out(first));
            if (other == null) return null;
            List<String> args = new ArrayList<>(g.biasAddArgs(first));
            args.add(other);
            return g.group(this, "bias + residual (java)", new JavaKernels.BiasResidual(), List.of(first, residual), args);
        }
    }

    /** {@code Ops.layerNorm}'s inference chain. */
    record LayerNorm() implements Rewrite {
        @Override
        public String name() {
            return "java-layer-norm";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            LayerNormChain c = LayerNormChain.match(g, first);
            return c == null ? null : g.group(this, "layer_norm (java)", new JavaKernels.LayerNorm(c.eps(), c.axis()),
                    c.members(), c.args());
        }
    }

    /**
     * {@code Ops.layerNorm}'s chain over one axis (which axis the implementations check on the
     * arrays): its members and its arguments {@code x, gain, bias}. Inference graphs take the
     * mean and variance from one {@code moments} op; training graphs compute
     * {@code mean((x - mean)^2)}, whose centred values the backward pass reads unless
     * {@link LayerNormBackward} took it.
     */
    record LayerNormChain(List<SameDiffOp> members, List<String> args, float eps, long axis) {
        static LayerNormChain match(OpGraph g, SameDiffOp first) {
            return first.getOp() instanceof Moments ? matchInference(g, first) : matchTraining(g, first);
        }

        private static LayerNormChain matchInference(OpGraph g, SameDiffOp moments) {
            Moments m = (Moments) moments.getOp();
            if (m.iArgs().length != 1 || m.bArgs().length != 1 || !m.bArgs()[0] || moments.getOutputsOfOp().size() != 2) return null;
            String x = inputs(moments).get(0);
            String mean = moments.getOutputsOfOp().get(0), variance = moments.getOutputsOfOp().get(1);
            SameDiffOp centred = g.soleReaderOf(mean, SubOp.class);
            SameDiffOp plusEps = g.soleReaderOf(variance, ScalarAdd.class);
            if (centred == null || plusEps == null || !inputs(centred).equals(List.of(x, mean))) return null;
            SameDiffOp rsqrt = g.soleReader(plusEps, RSqrt.class);
            SameDiffOp normalised = rsqrt == null ? null : g.soleReader(rsqrt, MulOp.class);
            if (normalised == null || normalised != g.soleReader(centred, MulOp.class)) return null;
            return scaledAndShifted(g, List.of(moments, centred, plusEps, rsqrt, normalised), x, plusEps, m.iArgs()[0]);
        }

        /** A training graph's chain whose values go nowhere else: its mean and variance neither, as the kernels give the output alone. */
        private static LayerNormChain matchTraining(OpGraph g, SameDiffOp first) {
            NormChain f = NormChain.find(g, first);
            if (f == null || !f.perRow() || !f.intermediatesReadByItselfAlone(g) || !g.readOnlyBy(out(f.mean()), f.centred())
                    || !g.readOnlyBy(out(f.variance()), f.plusEps())) {
                return null;
            }
            return new LayerNormChain(f.ops(), List.of(f.x(), f.gain(), f.bias()), f.eps(), f.axes()[0]);
        }

        /** The chain completed by its gain and bias, where the normalised values go to them alone. */
        private static LayerNormChain scaledAndShifted(OpGraph g, List<SameDiffOp> normalising, String x, SameDiffOp plusEps,
                                                       long axis) {
            SameDiffOp normalised = normalising.get(normalising.size() - 1);
            SameDiffOp scaled = g.soleReader(normalised, MulOp.class);
            SameDiffOp shifted = scaled == null ? null : g.soleReader(scaled, AddOp.class);
            if (shifted == null) return null;
            String gain = other(scaled, out(normalised)), bias = other(shifted, out(scaled));
            if (gain == null || bias == null) return null;
            float eps = ((ScalarOp) plusEps.getOp()).scalar().getFloat(0);
            List<SameDiffOp> members = new ArrayList<>(normalising);
            members.add(scaled);
            members.add(shifted);
            return new LayerNormChain(members, List.of(x, gain, bias), eps, axis);
        }
    }

    /**
     * The normalisation chain of a training graph, {@code Ops.layerNorm}'s (statistics over the
     * last axis) or {@code ConvProjection}'s BatchNorm (over all axes but the channels):
     * {@code (x - mean) * rsqrt(mean((x - mean)^2) + eps) * gain + bias}, matched by its structure
     * alone, since the backward ops read its values too.
     */
    record NormChain(String x, String gain, String bias, int[] axes, float eps, SameDiffOp mean, SameDiffOp centred,
                     SameDiffOp squares, SameDiffOp variance, SameDiffOp plusEps, SameDiffOp rsqrt, SameDiffOp normalised,
                     SameDiffOp scaled, SameDiffOp shifted) {
        static NormChain find(OpGraph g, SameDiffOp first) {
            int[] axes = KeptMean.axes(first);
            if (axes == null) return null;
            String x = inputs(first).get(0), mean = out(first);
            SameDiffOp centred = g.readerWith(mean, SubOp.class, List.of(x, mean));
            String c = centred == null ? null : out(centred);
            SameDiffOp squares = c == null ? null : g.readerWith(c, MulOp.class, List.of(c, c));
            SameDiffOp variance = squares == null ? null : g.readerWith(out(squares), Mean.class, List.of(out(squares)));
            SameDiffOp plusEps = variance == null ? null : g.readerWith(out(variance), ScalarAdd.class, List.of(out(variance)));
            SameDiffOp rsqrt = plusEps == null ? null : g.readerWith(out(plusEps), RSqrt.class, List.of(out(plusEps)));
            if (rsqrt == null || !java.util.Arrays.equals(KeptMean.axes(variance), axes)) return null;
            SameDiffOp normalised = g.readerWith(out(rsqrt), MulOp.class, List.of(c, out(rsqrt)));
            SameDiffOp scaled = normalised == null ? null : g.readerWith(out(normalised), MulOp.class, firstOfTwo(out(normalised)));
            SameDiffOp shifted = scaled == null ? null : g.readerWith(out(scaled), AddOp.class, firstOfTwo(out(scaled)));
            if (shifted == null) return null;
            String gain = inputs(scaled).get(1), bias = inputs(shifted).get(1);
            if (!g.isParameter(gain) || !g.isParameter(bias)) return null;
            float eps = ((ScalarOp) plusEps.getOp()).scalar().getFloat(0);
            return new NormChain(x, gain, bias, axes, eps, first, centred, squares, variance, plusEps, rsqrt, normalised, scaled,
                    shifted);
        }

        /** Two arguments, the first {@code v}. */
        private static java.util.function.Predicate<List<String>> firstOfTwo(String v) {
            return in -> in.size() == 2 && in.get(0).equals(v);
        }

        /**
         * Whether the chain's values between x and its output are read by the chain alone and
         * are not outputs (its mean and variance aside): then it can run as one step.
         */
        boolean intermediatesReadByItselfAlone(OpGraph g) {
            return g.readOnlyBy(out(centred), squares, normalised) && g.readOnlyBy(out(squares), variance)
                    && g.readOnlyBy(out(plusEps), rsqrt) && g.readOnlyBy(out(rsqrt), normalised)
                    && g.readOnlyBy(out(normalised), scaled) && g.readOnlyBy(out(scaled), shifted);
        }

        List<SameDiffOp> ops() {
            return List.of(mean, centred, squares, variance, plusEps, rsqrt, normalised, scaled, shifted);
        }

        /** Statistics per row over the last axis (a LayerNorm); else per channel over the other axes (a BatchNorm). */
        boolean perRow() {
            return axes.length == 1;
        }
    }

    /**
     * The ops that SameDiff derives from a {@link NormChain} for its backward pass (add_bp, three
     * multiply_bp, pow, two reduce_mean_bp, subtract_bp, and the adds between them: 16 for a
     * LayerNorm), and the adds that sum its two parts of x's gradient with x's other gradients
     * ({@code others}), up to x's whole gradient {@code dx}; {@code dy} is the chain's output's
     * gradient. None of the chain's values but its mean and variance (with {@code statistics},
     * which a BatchNorm also gives out) is read by anything else, and nothing inside is an output.
     */
    record NormBackward(List<SameDiffOp> members, String dy, List<String> others, String dx, String dGain, String dBias) {
        static NormBackward find(OpGraph g, NormChain f, boolean statistics) {
            String x = f.x(), mean = out(f.mean()), c = out(f.centred()), sq = out(f.squares()), ve = out(f.plusEps());
            String rs = out(f.rsqrt()), n = out(f.normalised()), s = out(f.scaled());
            SameDiffOp addBp = g.readerWith(s, AddBpOp.class, in -> in.size() == 3 && in.subList(0, 2).equals(List.of(s, f.bias())));
            if (addBp == null || addBp.getOutputsOfOp().size() != 2) return null;
            SameDiffOp gainBp = g.readerWith(n, MulBpOp.class, List.of(n, f.gain(), addBp.getOutputsOfOp().get(0)));
            if (gainBp == null || gainBp.getOutputsOfOp().size() != 2) return null;
            SameDiffOp centredBp = g.readerWith(rs, MulBpOp.class, List.of(c, rs, gainBp.getOutputsOfOp().get(0)));
            if (centredBp == null || centredBp.getOutputsOfOp().size() != 2) return null;
            SameDiffOp pow = g.readerWith(ve, org.nd4j.linalg.api.ops.impl.scalar.Pow.class, List.of(ve));
            SameDiffOp powScaled = pow == null ? null : g.soleReader(pow, ScalarMultiplication.class);
            SameDiffOp varianceGrad = g.soleReaderOf(centredBp.getOutputsOfOp().get(1), MulOp.class);
            if (powScaled == null || varianceGrad == null || !inputs(varianceGrad).contains(out(powScaled))) return null;
            SameDiffOp squaresBp = g.soleReaderOf(out(varianceGrad), MeanBp.class);
            if (squaresBp == null || !inputs(squaresBp).equals(List.of(sq, out(varianceGrad)))) return null;
            SameDiffOp squareBp = g.soleReaderOf(out(squaresBp), MulBpOp.class);
            if (squareBp == null || !inputs(squareBp).equals(List.of(c, c, out(squaresBp))) || squareBp.getOutputsOfOp().size() != 2) {
                return null;
            }
            Sum centredGrad = Sum.of(g, List.of(centredBp.getOutputsOfOp().get(0), squareBp.getOutputsOfOp().get(0),
                    squareBp.getOutputsOfOp().get(1)), false);
            if (centredGrad == null) return null;
            SameDiffOp subtractBp = g.soleReaderOf(centredGrad.total(), SubBpOp.class);
            if (subtractBp == null || !inputs(subtractBp).equals(List.of(x, mean, centredGrad.total()))
                    || subtractBp.getOutputsOfOp().size() != 2) {
                return null;
            }
            SameDiffOp meanBp = g.soleReaderOf(subtractBp.getOutputsOfOp().get(1), MeanBp.class);
            if (meanBp == null || !inputs(meanBp).equals(List.of(x, subtractBp.getOutputsOfOp().get(1)))) return null;
            Sum xGrad = Sum.of(g, List.of(subtractBp.getOutputsOfOp().get(0), out(meanBp)), true);
            if (xGrad == null) return null;

            List<SameDiffOp> members = new ArrayList<>(List.of(addBp, gainBp, centredBp, pow, powScaled, varianceGrad, squaresBp,
                    squareBp));
            members.addAll(centredGrad.adds());
            members.add(subtractBp);
            members.add(meanBp);
            members.addAll(xGrad.adds());
            String dx = xGrad.total(), dGain = gainBp.getOutputsOfOp().get(1), dBias = addBp.getOutputsOfOp().get(1);
            java.util.Set<SameDiffOp> allowed = new java.util.HashSet<>(members);
            allowed.addAll(f.ops());
            List<String> kept = new ArrayList<>(List.of(c, sq, ve, rs, n, s));
            if (!statistics) kept.addAll(List.of(mean, out(f.variance())));
            for (String v : kept) {
                if (g.isRequested(v) || !allowed.containsAll(g.readers(v))) return null;
            }
            for (SameDiffOp m : members) {
                for (String o : m.getOutputsOfOp()) {
                    boolean result = o.equals(dx) || o.equals(dGain) || o.equals(dBias);
                    if (!result && (g.isRequested(o) || !allowed.containsAll(g.readers(o)))) return null;
                }
            }
            members.sort(java.util.Comparator.comparing(g::position));
            return new NormBackward(members, inputs(addBp).get(2), xGrad.others(), dx, dGain, dBias);
        }

        List<String> outputs() {
            return List.of(dx, dGain, dBias);
        }
    }

    /**
     * The backward pass of a training graph's LayerNorm as one kernel ({@link NormBackward}'s
     * ops). The kernel reads x, the gain and the output's gradient, and computes the mean and
     * deviation again (a pass over x), so the forward chain's centred and normalised values are
     * no longer kept for the backward pass, and the forward chain runs as one LayerNorm. It
     * takes every float array whose last axis is the chain's, as the forward rewrites do: a
     * forward chain that ran as one step leaves no intermediates for these ops.
     */
    record LayerNormBackward() implements Rewrite {
        @Override
        public String name() {
            return "java-layer-norm-bp";
        }

        @Override
        public boolean matchedFirst() {
            return true;
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            NormChain f = NormChain.find(g, first);
            NormBackward b = f == null || !f.perRow() ? null : NormBackward.find(g, f, false);
            if (b == null) return null;
            List<String> args = new ArrayList<>(List.of(f.x(), f.gain(), f.bias(), b.dy()));
            args.addAll(b.others());
            return g.group(this, "layer_norm_bp (java)", new JavaKernels.LayerNormBackward(f.eps(), f.axes()[0]), b.members(), args,
                    b.outputs());
        }
    }

    /**
     * A chain of adds that sums {@code parts} (each read by the chain alone), in any order, and
     * where {@code othersAllowed}, further values ({@link #others}) on the way.
     */
    record Sum(List<SameDiffOp> adds, String total, List<String> others) {
        static Sum of(OpGraph g, List<String> parts, boolean othersAllowed) {
            for (String start : parts) {
                Sum s = from(g, start, parts, othersAllowed);
                if (s != null) return s;
            }
            return null;
        }

        private static Sum from(OpGraph g, String start, List<String> parts, boolean othersAllowed) {
            java.util.Set<String> left = new java.util.HashSet<>(parts);
            left.remove(start);
            List<SameDiffOp> adds = new ArrayList<>();
            List<String> others = new ArrayList<>();
            String value = start;
            while (!left.isEmpty()) {
                SameDiffOp add = g.soleReaderOf(value, AddOp.class);
                String other = add == null ? null : other(add, value);
                if (other == null) return null;
                if (!left.remove(other)) {
                    if (!othersAllowed || parts.contains(other)) return null;
                    others.add(other);
                }
                adds.add(add);
                value = out(add);
            }
            return new Sum(adds, value, others);
        }
    }

    /** A permute that keeps the last axis last (the kernel checks), as a copy of runs. */
    record Permutes() implements Rewrite {
        @Override
        public String name() {
            return "java-permute";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof Permute p) || inputs(first).size() != 1 || p.iArgs().length == 0) return null;
            int[] axes = new int[p.iArgs().length];
            for (int i = 0; i < axes.length; i++) axes[i] = (int) p.iArgs()[i];
            return g.group(this, "permute (java)", new JavaKernels.InnerRunPermute(axes), List.of(first), inputs(first));
        }
    }

    /** A concatenation along a fixed axis (the class token before the patch tokens, say). */
    record Concat() implements Rewrite {
        @Override
        public String name() {
            return "java-concat";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof org.nd4j.linalg.api.ops.impl.shape.Concat c) || c.iArgs().length != 1 || inputs(first).size() < 2) {
                return null;
            }
            return g.group(this, "concat (java)", new JavaKernels.Concat((int) c.iArgs()[0]), List.of(first), inputs(first));
        }
    }

    /** QuickGELU's derivative (a training graph's gelu backward). */
    record GeluDerivative() implements Rewrite {
        @Override
        public String name() {
            return "java-gelu-derivative";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof GELUDerivative) || inputs(first).size() != 1) return null;
            return g.group(this, "gelu_derivative (java)", new JavaKernels.QuickGeluDerivative(), List.of(first), inputs(first));
        }
    }

    /** {@code multiply_bp} where one operand broadcasts (the kernel checks). */
    record MulBackward() implements Rewrite {
        @Override
        public String name() {
            return "java-multiply-bp";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof MulBpOp) || inputs(first).size() != 3 || first.getOutputsOfOp().size() != 2) return null;
            return g.group(this, "multiply_bp (java)", new JavaKernels.BroadcastMulBackward(), List.of(first), inputs(first));
        }
    }

    /** {@code add_bp} and {@code subtract_bp}. */
    record SumBackward() implements Rewrite {
        @Override
        public String name() {
            return "java-add-bp";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            boolean add = first.getOp() instanceof AddBpOp, subtract = first.getOp() instanceof SubBpOp;
            if (!(add || subtract) || inputs(first).size() != 3 || first.getOutputsOfOp().size() != 2) return null;
            return g.group(this, (add ? "add_bp" : "subtract_bp") + " (java)", new JavaKernels.SumBackward(subtract),
                    List.of(first), inputs(first));
        }
    }

    /** A mean that keeps its reduced axes. */
    record KeptMean() implements Rewrite {
        /** How profiles name the kernel's steps (also where {@code DnnlRewrites.GridMean} falls back to it). */
        static final String DESCRIPTION = "reduce_mean (java)";

        @Override
        public String name() {
            return "java-mean";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            int[] axes = axes(first);
            return axes == null ? null : g.group(this, DESCRIPTION, new JavaKernels.KeptMean(axes), List.of(first), inputs(first));
        }

        /** The axes of {@code op} where it is a mean of one input that keeps its reduced axes; else null. */
        static int[] axes(SameDiffOp op) {
            if (!(op.getOp() instanceof Mean m) || inputs(op).size() != 1 || !m.isKeepDims() || m.dimensions() == null
                    || m.dimensions().length() == 0) {
                return null;
            }
            return m.dimensions().toIntVector();
        }
    }

    /** {@code reduce_mean_bp}. */
    record MeanBackward() implements Rewrite {
        @Override
        public String name() {
            return "java-mean-bp";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof MeanBp) || inputs(first).size() != 2) return null;
            return g.group(this, "reduce_mean_bp (java)", new JavaKernels.MeanBackward(), List.of(first), inputs(first));
        }
    }
}
