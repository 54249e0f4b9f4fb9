package org.cvtzoo.core.exec;

import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.layer_normalization_forward;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.softmax_forward;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELU;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.cvtzoo.core.exec.OpGraph.inputs;
import static org.cvtzoo.core.exec.OpGraph.other;
import static org.cvtzoo.core.exec.OpGraph.out;

/**
 * The rewrites that run oneDNN primitives ({@link OneDnn}), tried before the Java ones:
 * <ul>
 *   <li>every {@code matmul} (dense layers, the attention products with their score scale as
 *   the output scale, and a training graph's gradient products), with a linear layer's bias and
 *   the GELU (erf), QuickGELU (swish with alpha 1.702) or residual add after it as post-ops:
 *   ND4J M2.1 runs rank-3 and rank-4 products as one OpenBLAS call per matrix, 4-7x slower
 *   here, and the element-wise ops after a dense layer each take a pass over memory;</li>
 *   <li>softmax over the last axis (5x faster than ND4J's rank-2 softmax);</li>
 *   <li>{@code Ops.layerNorm}'s inference chain as one layer normalisation (20x and more).</li>
 * </ul>
 * Each decides on the bound arrays whether it can take them (float, c-order, contiguous, the
 * axes it handles); where not, the plan runs the group's own ops.
 */
final class DnnlRewrites {
    private DnnlRewrites() {
    }

    static List<Rewrite> all() {
        return List.of(new Matmul(), new Softmax(), new LayerNorm());
    }

    /** What a matmul's post-op adds after the product (and the bias, where there is one). */
    enum PostOp {
        NONE(""), GELU_ERF(" + gelu_erf"), QUICK_GELU(" + quick_gelu"), RESIDUAL(" + residual");

        final String label;

        PostOp(String label) {
            this.label = label;
        }
    }

    /** A matmul, and the bias add and activation or residual add that only it feeds. */
    record Matmul() implements Rewrite {
        @Override
        public String name() {
            return "onednn-matmul";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof Mmul mm) || inputs(first).size() != 2 || first.getOutputsOfOp().size() != 1) return null;
            long[] flags = mm.iArgs();
            double[] t = mm.tArgs();
            boolean transA = flags.length > 0 && flags[0] != 0, transB = flags.length > 1 && flags[1] != 0;
            if (flags.length > 2 && flags[2] != 0 || t.length > 1 && t[1] != 0) return null; // transposed result, or beta
            float alpha = t.length > 0 ? (float) t[0] : 1f;
            List<SameDiffOp> members = new ArrayList<>(List.of(first));
            List<String> args = new ArrayList<>(inputs(first));
            String value = out(first);
            boolean bias = false;
            SameDiffOp biasAdd = g.soleReader(first, AddOp.class);
            if (biasAdd != null && g.biasOf(biasAdd) != null && value.equals(other(biasAdd, g.biasOf(biasAdd)))) {
                members.add(biasAdd);
                args.add(g.biasOf(biasAdd));
                value = out(biasAdd);
                bias = true;
            }
            PostOp post = PostOp.NONE;
            List<SameDiffOp> gelu = exactGeluReading(g, value);
            SameDiffOp quick = g.isRequested(value) ? null : g.soleReaderOf(value, GELU.class);
            SameDiffOp residual = g.isRequested(value) ? null : g.soleReaderOf(value, AddOp.class);
            if (gelu != null) {
                members.addAll(gelu);
                post = PostOp.GELU_ERF;
            } else if (quick != null && inputs(quick).size() == 1) {
                members.add(quick);
                post = PostOp.QUICK_GELU;
            } else if (residual != null && other(residual, value) != null && !g.isParameter(other(residual, value))) {
                members.add(residual);
                args.add(other(residual, value));
                post = PostOp.RESIDUAL;
            }
            String description = "matmul" + (bias ? " + bias" : "") + post.label + " (onednn)";
            return g.group(this, description, new MatmulImpl(transA, transB, alpha, bias, post), members, args);
        }

        /** The exact GELU chain when it is all that reads {@code x}. */
        private static List<SameDiffOp> exactGeluReading(OpGraph g, String x) {
            if (g.isRequested(x)) return null;
            for (SameDiffOp r : g.readers(x)) {
                if (!(r.getOp() instanceof ScalarMultiplication)) continue;
                List<SameDiffOp> chain = JavaRewrites.exactGeluChain(g, r);
                if (chain != null && g.readers(x).size() == 2 && g.readers(x).contains(chain.get(3))) return chain;
            }
            return null;
        }
    }

    /**
     * {@code alpha * op(a) op(b)} (+ bias) (+ post-op) for ND4J's matmul semantics: ranks 2 to 4,
     * equal leading (batch) axes, each operand possibly transposed in its last two axes, read
     * through strides rather than copied. Arguments: a, b, then the bias, then the residual.
     */
    record MatmulImpl(boolean transA, boolean transB, float alpha, boolean bias, PostOp post) implements Rewrite.Implementation {
        @Override
        public Step step(SameDiffOp standIn, INDArray[] args) {
            INDArray a = args[0], b = args[1];
            int rank = a.rank();
            if (rank < 2 || rank > 4 || b.rank() != rank || !OneDnn.fits(a) || !OneDnn.fits(b)) return null;
            for (int i = 0; i < rank - 2; i++) if (a.size(i) != b.size(i)) return null;
            long batch = 1;
            for (int i = 0; i < rank - 2; i++) batch *= a.size(i);
            long m = transA ? a.size(rank - 1) : a.size(rank - 2), k = transA ? a.size(rank - 2) : a.size(rank - 1);
            long kb = transB ? b.size(rank - 1) : b.size(rank - 2), n = transB ? b.size(rank - 2) : b.size(rank - 1);
            if (k != kb) return null;
            int biasAt = 2, residualAt = bias ? 3 : 2;
            if (bias && (!OneDnn.fits(args[biasAt]) || args[biasAt].length() != n)) return null;
            long[] outShape = a.shape().clone();
            outShape[rank - 2] = m;
            outShape[rank - 1] = n;
            if (post == PostOp.RESIDUAL && (!OneDnn.fits(args[residualAt]) || !Arrays.equals(args[residualAt].shape(), outShape))) {
                return null;
            }
            boolean batched = rank > 2;
            long[] aDims = batched ? new long[]{batch, m, k} : new long[]{m, k};
            long[] aStrides = strides(batched, batch, m, k, transA);
            long[] bDims = batched ? new long[]{batch, k, n} : new long[]{k, n};
            long[] bStrides = strides(batched, batch, k, n, transB);
            long[] dDims = batched ? new long[]{batch, m, n} : new long[]{m, n};
            long[] biasDims = batched ? new long[]{1, 1, n} : new long[]{1, n};

            memory.desc aDesc = OneDnn.desc(aDims, aStrides), bDesc = OneDnn.desc(bDims, bStrides), dDesc = OneDnn.desc(dDims);
            matmul.desc desc = bias ? new matmul.desc(aDesc, bDesc, OneDnn.desc(biasDims), dDesc) : new matmul.desc(aDesc, bDesc, dDesc);
            primitive_attr attr = new primitive_attr();
            if (alpha != 1f) attr.set_output_scales(0, new float[]{alpha});
            post_ops ops = new post_ops();
            switch (post) {
                case GELU_ERF -> ops.append_eltwise(1f, dnnl.dnnl_eltwise_gelu_erf, 0f, 0f);
                case QUICK_GELU -> ops.append_eltwise(1f, dnnl.dnnl_eltwise_swish, 1.702f, 0f);
                case RESIDUAL -> ops.append_binary(dnnl.dnnl_binary_add, dDesc);
                case NONE -> {
                }
            }
            attr.set_post_ops(ops);
            matmul prim = new matmul(new matmul.primitive_desc(desc, attr, OneDnn.engine()));
            return new DnnlStep(standIn, prim, args, new long[][]{outShape}, (in, outs) -> {
                Map<Integer, memory> mem = new HashMap<>();
                mem.put(dnnl.DNNL_ARG_SRC, OneDnn.memory(in[0], aDims, aStrides));
                mem.put(dnnl.DNNL_ARG_WEIGHTS, OneDnn.memory(in[1], bDims, bStrides));
                mem.put(dnnl.DNNL_ARG_DST, OneDnn.memory(outs[0], dDims));
                if (bias) mem.put(dnnl.DNNL_ARG_BIAS, OneDnn.memory(in[biasAt], biasDims));
                if (post == PostOp.RESIDUAL) {
                    mem.put(dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE | dnnl.DNNL_ARG_SRC_1, OneDnn.memory(in[residualAt], dDims));
                }
                return mem;
            });
        }

        /** Strides of a {@code [rows, cols]} operand (per batch) stored as such, or stored transposed as {@code [cols, rows]}. */
        private static long[] strides(boolean batched, long batch, long rows, long cols, boolean transposed) {
            long[] inner = transposed ? new long[]{1, rows} : new long[]{cols, 1};
            return batched ? new long[]{rows * cols, inner[0], inner[1]} : inner;
        }
    }

    /** Softmax over the last axis. */
    record Softmax() implements Rewrite {
        @Override
        public String name() {
            return "onednn-softmax";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof SoftMax sm) || inputs(first).size() != 1) return null;
            long[] dims = ((DynamicCustomOp) sm).iArgs();
            long axis = dims.length == 0 ? -1 : dims[0];
            return g.group(this, "softmax (onednn)", (standIn, args) -> {
                INDArray x = args[0];
                if (!OneDnn.fits(x) || x.rank() < 1 || axis != -1 && axis != x.rank() - 1) return null;
                long[] rows = {x.length() / x.size(x.rank() - 1), x.size(x.rank() - 1)};
                softmax_forward prim = new softmax_forward(new softmax_forward.primitive_desc(
                        new softmax_forward.desc(dnnl.dnnl_forward_inference, OneDnn.desc(rows), 1), OneDnn.engine()));
                return new DnnlStep(standIn, prim, args, new long[][]{x.shape()}, (in, outs) -> Map.of(
                        dnnl.DNNL_ARG_SRC, OneDnn.memory(in[0], rows), dnnl.DNNL_ARG_DST, OneDnn.memory(outs[0], rows)));
            }, List.of(first), inputs(first));
        }
    }

    /** {@code Ops.layerNorm}'s inference chain over the last axis, with its gain and bias. */
    record LayerNorm() implements Rewrite {
        @Override
        public String name() {
            return "onednn-layer-norm";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            JavaRewrites.LayerNormChain c = JavaRewrites.LayerNormChain.match(g, first);
            if (c == null) return null;
            return g.group(this, "layer_norm (onednn)", (standIn, args) -> {
                INDArray x = args[0];
                long channels = x.rank() == 0 ? 0 : x.size(x.rank() - 1);
                boolean lastAxis = c.axis() == x.rank() - 1 || c.axis() == -1;
                if (!OneDnn.fits(x) || !lastAxis || channels == 0 || !vector(args[1], channels) || !vector(args[2], channels)) {
                    return null;
                }
                long[] rows = {x.length() / channels, channels};
                long[] vector = {channels};
                layer_normalization_forward prim = new layer_normalization_forward(new layer_normalization_forward.primitive_desc(
                        new layer_normalization_forward.desc(dnnl.dnnl_forward_inference, OneDnn.desc(rows), c.eps(),
                                dnnl.dnnl_use_scale | dnnl.dnnl_use_shift), OneDnn.engine()));
                return new DnnlStep(standIn, prim, args, new long[][]{x.shape()}, (in, outs) -> Map.of(
                        dnnl.DNNL_ARG_SRC, OneDnn.memory(in[0], rows), dnnl.DNNL_ARG_DST, OneDnn.memory(outs[0], rows),
                        dnnl.DNNL_ARG_SCALE, OneDnn.memory(in[1], vector), dnnl.DNNL_ARG_SHIFT, OneDnn.memory(in[2], vector)));
            }, c.members(), c.args());
        }

        private static boolean vector(INDArray v, long length) {
            return OneDnn.fits(v) && v.length() == length && v.size(v.rank() - 1) == length;
        }
    }
}
