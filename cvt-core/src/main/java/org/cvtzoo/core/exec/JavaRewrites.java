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
        return List.of(new ExactGelu(), new QuickGelu(), new BiasResidual(), new LayerNorm(), new Permutes(),
                new GeluDerivative(), new MulBackward(), new SumBackward(), new KeptMean(), new MeanBackward());
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
     * {@code moments(x) -> (x - mean) * rsqrt(var + eps) * gain + bias} over one axis (which
     * axis the implementations check on the arrays): its members and its arguments {@code x,
     * gain, bias}.
     */
    record LayerNormChain(List<SameDiffOp> members, List<String> args, float eps, long axis) {
        static LayerNormChain match(OpGraph g, SameDiffOp moments) {
            if (!(moments.getOp() instanceof Moments m) || m.iArgs().length != 1 || m.bArgs().length != 1 || !m.bArgs()[0]
                    || moments.getOutputsOfOp().size() != 2) {
                return null;
            }
            String x = inputs(moments).get(0);
            String mean = moments.getOutputsOfOp().get(0), variance = moments.getOutputsOfOp().get(1);
            SameDiffOp centred = g.soleReaderOf(mean, SubOp.class);
            SameDiffOp plusEps = g.soleReaderOf(variance, ScalarAdd.class);
            if (centred == null || plusEps == null || !inputs(centred).equals(List.of(x, mean))) return null;
            SameDiffOp rsqrt = g.soleReader(plusEps, RSqrt.class);
            SameDiffOp normalised = rsqrt == null ? null : g.soleReader(rsqrt, MulOp.class);
            if (normalised == null || normalised != g.soleReader(centred, MulOp.class)) return null;
            SameDiffOp scaled = g.soleReader(normalised, MulOp.class);
            SameDiffOp shifted = scaled == null ? null : g.soleReader(scaled, AddOp.class);
            if (shifted == null) return null;
            String gain = other(scaled, out(normalised)), bias = other(shifted, out(scaled));
            if (gain == null || bias == null) return null;
            float eps = ((ScalarOp) plusEps.getOp()).scalar().getFloat(0);
            return new LayerNormChain(List.of(moments, centred, plusEps, rsqrt, normalised, scaled, shifted),
                    List.of(x, gain, bias), eps, m.iArgs()[0]);
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
