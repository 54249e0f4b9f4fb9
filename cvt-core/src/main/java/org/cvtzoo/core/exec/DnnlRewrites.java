package org.cvtzoo.core.exec;

import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.layer_normalization_backward;
import org.bytedeco.dnnl.layer_normalization_forward;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.primitive_desc;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.softmax_backward;
import org.bytedeco.dnnl.softmax_forward;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.Conv2DDerivative;
import org.nd4j.linalg.api.ops.impl.layers.convolution.DepthwiseConv2DBp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.DepthwiseConv2D;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.reduce.Mmul;
import org.nd4j.linalg.api.ops.impl.reduce.MmulBp;
import org.nd4j.linalg.api.ops.BaseScalarOp;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.api.ops.impl.shape.Permute;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.SoftmaxBp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELU;
import org.nd4j.linalg.api.ops.impl.transforms.strict.GELUDerivative;

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
 *   <li>convolutions on NHWC grids (dense and depthwise), with their bias and a GELU or residual
 *   add as post-ops: ND4J's op is oneDNN's too, but makes its primitive and reorders its weights
 *   on every call (0.6 ms a call for PatchConvNet's depthwise 3x3 at batch 1, where the work is 0.1 ms);</li>
 *   <li>a mean over a grid's spatial axes (squeeze-excitation's) as a product with a row of
 *   1/n, so that an inference plan runs no Java kernel;</li>
 *   <li>softmax over the last axis (5x faster than ND4J's rank-2 softmax);</li>
 *   <li>{@code Ops.layerNorm}'s inference chain as one layer normalisation (20x and more);</li>
 *   <li>permutes as reorders, and an exact GELU chain on its own as one eltwise primitive, so that
 *   an inference plan runs on OpenMP's threads alone (no Java pool beside them).</li>
 * </ul>
 * Each decides on the bound arrays whether it can take them (float, c-order, contiguous, the
 * axes it handles); where not, the plan runs the group's own ops.
 */
final class DnnlRewrites {
    private DnnlRewrites() {
    }

    static List<Rewrite> all() {
        return List.of(new NormBackward(), new SoftmaxBackward(), new Matmul(), new PointwiseConv(), new GridConv(), new LayerNorm(),
                new NormForward(), new GridMean(), new SumBackward(), new MatmulBackward(), new ConvBackward(), new Softmax(), new Permutes(),
                new ExactGelu(), new QuickGelu(), new QuickGeluBackward());
    }

    /** What a matmul's post-op adds after the product (and the bias, where there is one). */
    enum PostOp {
        NONE(""), GELU_ERF(" + gelu_erf"), QUICK_GELU(" + quick_gelu"), RELU(" + relu"), SIGMOID(" + sigmoid"),
        RESIDUAL(" + residual"),
        /** {@code residual + gamma * value}: a layer scale (a vector over the channels) and the residual add after it. */
        SCALED_RESIDUAL(" + layer_scale + residual");

        final String label;

        PostOp(String label) {
            this.label = label;
        }

        /** Whether the post-op reads a residual (the group's last argument). */
        boolean residual() {
            return this == RESIDUAL || this == SCALED_RESIDUAL;
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
            PostOp post = postOp(g, value, members, args);
            String description = "matmul" + (bias ? " + bias" : "") + post.label + " (onednn)";
            return g.group(this, description, new MatmulImpl(transA, transB, alpha, bias, post), members, args);
        }
    }

    /**
     * A 1x1 convolution of stride 1 on an NHWC grid (PatchConvNet's pointwise layers) as the
     * product of its rows {@code [B*h*w, in]} and its weights {@code [in, out]}, with its bias and
     * a post-op: ND4J's conv2d reorders its weights on every call, and takes 0.4 ms a call at batch 1.
     */
    record PointwiseConv() implements Rewrite {
        @Override
        public String name() {
            return "onednn-pointwise-conv";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof Conv2D conv) || first.getOutputsOfOp().size() != 1) return null;
            Conv2DConfig c = conv.getConfig();
            int n = inputs(first).size();
            if (c == null || n < 2 || n > 3 || !c.isNHWC() || c.getWeightsFormat() != WeightsFormat.YXIO
                    || c.getKH() != 1 || c.getKW() != 1 || c.getSH() != 1 || c.getSW() != 1 || c.getPH() != 0 || c.getPW() != 0
                    || c.getDH() != 1 || c.getDW() != 1) {
                return null;
            }
            List<SameDiffOp> members = new ArrayList<>(List.of(first));
            List<String> args = new ArrayList<>(inputs(first));
            PostOp post = postOp(g, out(first), members, args);
            boolean bias = n == 3;
            return g.group(this, "1x1 conv" + (bias ? " + bias" : "") + post.label + " (onednn)", (standIn, in) -> {
                INDArray x = in[0], w = in[1];
                if (x.rank() != 4 || w.rank() != 4 || w.size(0) != 1 || w.size(1) != 1 || x.size(3) != w.size(2)) return null;
                long rows = x.length() / x.size(3);
                if (!OneDnn.fits(x) || !OneDnn.fits(w)) return null;
                // the same buffers seen as the product's matrices (oneDNN reads addresses, whatever the shape)
                INDArray[] asMatmul = in.clone();
                asMatmul[0] = x.reshape(rows, x.size(3));
                asMatmul[1] = w.reshape(w.size(2), w.size(3));
                if (post.residual()) asMatmul[in.length - 1] = in[in.length - 1].reshape(rows, w.size(3));
                DnnlStep step = (DnnlStep) new MatmulImpl(false, false, 1f, bias, post).step(standIn, asMatmul);
                if (step != null) step.reshapeOutput(new long[]{x.size(0), x.size(1), x.size(2), w.size(3)});
                return step;
            }, members, args);
        }
    }

    /**
     * A convolution on an NHWC grid, dense ({@code [kH, kW, in, out]} weights) or depthwise
     * ({@code [kH, kW, C, m]}), explicit padding, with its bias and the post-op after it, as one
     * oneDNN convolution built once (ND4J's op is oneDNN's too, but makes its primitive and reorders
     * its weights on every call: 0.6 ms a call for PatchConvNet's depthwise 3x3 at batch 1, where
     * the work is 0.1 ms). The weights are reordered into the primitive's layout on each run (a
     * copy of the weights, small next to the convolution), so that a parameter assigned new
     * values is seen, as the plan promises.
     * 1x1 convolutions of stride 1 are {@link PointwiseConv}'s.
     */
    record GridConv() implements Rewrite {
        @Override
        public String name() {
            return "onednn-conv";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            boolean depthwise = first.getOp() instanceof DepthwiseConv2D;
            if (!depthwise && !(first.getOp() instanceof Conv2D) || first.getOutputsOfOp().size() != 1) return null;
            Conv2DConfig c = depthwise ? ((DepthwiseConv2D) first.getOp()).getConfig() : ((Conv2D) first.getOp()).getConfig();
            int n = inputs(first).size();
            if (c == null || n < 2 || n > 3 || !c.isNHWC() || c.getWeightsFormat() != WeightsFormat.YXIO
                    || c.getPaddingMode() != PaddingMode.VALID || c.getDH() != 1 || c.getDW() != 1) {
                return null; // dilated: ND4J's own op fails on some of those here, so there is nothing to hold this one to
            }
            List<SameDiffOp> members = new ArrayList<>(List.of(first));
            List<String> args = new ArrayList<>(inputs(first));
            PostOp post = postOp(g, out(first), members, args);
            boolean bias = n == 3;
            long[] stride = {c.getSH(), c.getSW()}, pad = {c.getPH(), c.getPW()};
            return g.group(this, (depthwise ? "depthwise conv" : "conv") + (bias ? " + bias" : "") + post.label + " (onednn)",
                    (standIn, in) -> convStep(standIn, in, depthwise, bias, post, stride, pad), members, args);
        }

        private static Step convStep(SameDiffOp standIn, INDArray[] in, boolean depthwise, boolean bias, PostOp post, long[] stride,
                                     long[] pad) {
            ConvShape k = ConvShape.of(in[0], in[1], depthwise, stride, pad);
            if (k == null || bias && (!OneDnn.fits(in[2]) || in[2].length() != k.outC)) return null;
            long outC = k.outC;
            long[] outShape = k.outShape();
            int scaleAt = bias ? 3 : 2, residualAt = in.length - 1;
            if (post.residual() && (!OneDnn.fits(in[residualAt]) || !Arrays.equals(in[residualAt].shape(), outShape))) return null;
            if (post == PostOp.SCALED_RESIDUAL && (!OneDnn.fits(in[scaleAt]) || in[scaleAt].length() != outC)) return null;
            memory.desc src = k.src(), dst = k.dst(), anyWeights = k.anyWeights();
            convolution_forward.desc desc = bias
                    ? new convolution_forward.desc(dnnl.dnnl_forward_inference, dnnl.dnnl_convolution_direct, src, anyWeights,
                    OneDnn.desc(new long[]{outC}), dst, stride, ConvShape.NO_DILATION, pad, k.padRight)
                    : new convolution_forward.desc(dnnl.dnnl_forward_inference, dnnl.dnnl_convolution_direct, src, anyWeights, dst,
                    stride, ConvShape.NO_DILATION, pad, k.padRight);
            primitive_attr attr = new primitive_attr();
            long[] perChannel = {1, outC, 1, 1};
            attr.set_post_ops(postOps(post, OneDnn.desc(perChannel), dst));
            convolution_forward.primitive_desc pd;
            try {
                pd = new convolution_forward.primitive_desc(desc, attr, OneDnn.engine());
            } catch (RuntimeException unsupported) { // oneDNN has no implementation of this combination
                return null;
            }
            if (isReference(pd.impl_info_str().getString())) return null;
            memory.desc primitiveWeights = pd.weights_desc();
            INDArray reordered = OneDnn.scratch(primitiveWeights);
            DnnlStep.Call convolve = new DnnlStep.Call(new convolution_forward(pd), (args, outs) -> {
                Map<Integer, memory> mem = new HashMap<>();
                mem.put(dnnl.DNNL_ARG_SRC, k.source(args[0]));
                mem.put(dnnl.DNNL_ARG_WEIGHTS, OneDnn.memory(reordered, primitiveWeights));
                mem.put(dnnl.DNNL_ARG_DST, k.destination(outs[0]));
                if (bias) mem.put(dnnl.DNNL_ARG_BIAS, OneDnn.memory(args[2], outC));
                if (post == PostOp.SCALED_RESIDUAL) mem.put(postOpArgument(0), OneDnn.memory(args[scaleAt], perChannel));
                if (post.residual()) mem.put(postOpArgument(post == PostOp.SCALED_RESIDUAL ? 1 : 0), k.destination(args[residualAt]));
                return mem;
            });
            return new DnnlStep(standIn, List.of(k.weightsInto(reordered, primitiveWeights, 1), convolve), in, new long[][]{outShape});
        }
    }

    /** Whether oneDNN picked its reference implementation (a plain loop, slower than ND4J's op): then the plan keeps the op. */
    private static boolean isReference(String implementation) {
        return implementation.startsWith("ref") || implementation.contains("_ref"); // "ref:any", "bnorm_ref:any"
    }

    /**
     * conv2d_bp and depthwise_conv2d_bp on NHWC grids (those that {@link GridConv} runs forward)
     * as oneDNN's backward primitives: the weights' and bias's gradients, and the input's only
     * where something reads it (nothing reads the image's, under a model's first layer). ND4J's
     * ops compute all three, and its depthwise one with im2col: 2 ms a call at batch 256 for the
     * demo model's 3x3 on 7x7 grids.
     */
    record ConvBackward() implements Rewrite {
        @Override
        public String name() {
            return "onednn-conv-bp";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            boolean depthwise = first.getOp() instanceof DepthwiseConv2DBp;
            if (!depthwise && !(first.getOp() instanceof Conv2DDerivative)) return null;
            Conv2DConfig c = depthwise ? ((DepthwiseConv2DBp) first.getOp()).getConfig() : ((Conv2D) first.getOp()).getConfig();
            int n = inputs(first).size();
            boolean bias = n == 4;
            if (c == null || n < 3 || n > 4 || first.getOutputsOfOp().size() != n - 1 || !c.isNHWC()
                    || c.getWeightsFormat() != WeightsFormat.YXIO || c.getPaddingMode() != PaddingMode.VALID
                    || c.getDH() != 1 || c.getDW() != 1) {
                return null;
            }
            String inputGradient = out(first);
            boolean needInput = !g.readers(inputGradient).isEmpty() || g.isRequested(inputGradient);
            long[] stride = {c.getSH(), c.getSW()}, pad = {c.getPH(), c.getPW()};
            String description = (depthwise ? "depthwise conv_bp" : "conv_bp") + (needInput ? "" : ", no input gradient") + " (onednn)";
            return g.group(this, description, (standIn, in) -> backwardStep(standIn, in, depthwise, bias, needInput, stride, pad),
                    List.of(first), inputs(first));
        }

        private static Step backwardStep(SameDiffOp standIn, INDArray[] in, boolean depthwise, boolean bias, boolean needInput,
                                         long[] stride, long[] pad) {
            ConvShape k = ConvShape.of(in[0], in[1], depthwise, stride, pad);
            INDArray gradOut = in[in.length - 1];
            if (k == null || !OneDnn.fits(gradOut) || !Arrays.equals(gradOut.shape(), k.outShape())) return null;
            memory.desc src = k.src(), dst = k.dst(), anyWeights = k.anyWeights(), biasDesc = OneDnn.desc(new long[]{k.outC});
            long[] no = ConvShape.NO_DILATION;
            int direct = dnnl.dnnl_convolution_direct;
            try {
                convolution_forward.primitive_desc hint = new convolution_forward.primitive_desc(bias
                        ? new convolution_forward.desc(dnnl.dnnl_forward_training, direct, src, anyWeights, biasDesc, dst, stride, no, pad,
                        k.padRight)
                        : new convolution_forward.desc(dnnl.dnnl_forward_training, direct, src, anyWeights, dst, stride, no, pad,
                        k.padRight), OneDnn.engine());
                convolution_backward_weights.primitive_desc forWeights = new convolution_backward_weights.primitive_desc(bias
                        ? new convolution_backward_weights.desc(direct, src, anyWeights, biasDesc, dst, stride, no, pad, k.padRight)
                        : new convolution_backward_weights.desc(direct, src, anyWeights, dst, stride, no, pad, k.padRight),
                        OneDnn.engine(), hint);
                if (isReference(forWeights.impl_info_str().getString())) return null;
                List<DnnlStep.Call> calls = new ArrayList<>();
                memory.desc gradWeights = forWeights.diff_weights_desc();
                INDArray primitiveGradWeights = OneDnn.scratch(gradWeights);
                calls.add(new DnnlStep.Call(new convolution_backward_weights(forWeights), (args, outs) -> {
                    Map<Integer, memory> mem = new HashMap<>();
                    mem.put(dnnl.DNNL_ARG_SRC, k.source(args[0]));
                    mem.put(dnnl.DNNL_ARG_DIFF_DST, k.destination(args[args.length - 1]));
                    mem.put(dnnl.DNNL_ARG_DIFF_WEIGHTS, OneDnn.memory(primitiveGradWeights, gradWeights));
                    if (bias) mem.put(dnnl.DNNL_ARG_DIFF_BIAS, OneDnn.memory(outs[2], k.outC));
                    return mem;
                }));
                calls.add(new DnnlStep.Call(new reorder(new reorder.primitive_desc(OneDnn.engine(), gradWeights, OneDnn.engine(),
                        OneDnn.desc(k.wDims, k.wStrides))), (args, outs) -> Map.of(
                        dnnl.DNNL_ARG_FROM, OneDnn.memory(primitiveGradWeights, gradWeights),
                        dnnl.DNNL_ARG_TO, k.weights(outs[1]))));
                if (needInput) {
                    convolution_backward_data.primitive_desc forData = new convolution_backward_data.primitive_desc(
                            new convolution_backward_data.desc(direct, src, anyWeights, dst, stride, no, pad, k.padRight),
                            OneDnn.engine(), hint);
                    if (isReference(forData.impl_info_str().getString())) return null;
                    memory.desc weights = forData.weights_desc();
                    INDArray reordered = OneDnn.scratch(weights);
                    calls.add(k.weightsInto(reordered, weights, 1));
                    calls.add(new DnnlStep.Call(new convolution_backward_data(forData), (args, outs) -> Map.of(
                            dnnl.DNNL_ARG_DIFF_DST, k.destination(args[args.length - 1]),
                            dnnl.DNNL_ARG_WEIGHTS, OneDnn.memory(reordered, weights),
                            dnnl.DNNL_ARG_DIFF_SRC, k.source(outs[0]))));
                }
                long[][] shapes = bias ? new long[][]{in[0].shape(), in[1].shape(), {k.outC}} : new long[][]{in[0].shape(), in[1].shape()};
                return new DnnlStep(standIn, calls, in, shapes);
            } catch (RuntimeException unsupported) { // oneDNN has no implementation of this combination
                return null;
            }
        }
    }

    /**
     * A convolution's geometry on NHWC grids with YXIO weights, in oneDNN's logical NCHW
     * dimensions over those buffers: weights as {@code [out, in, kH, kW]}, or depthwise as
     * {@code [groups, out/group, in/group, kH, kW]}.
     */
    record ConvShape(long[] srcDims, long[] dstDims, long[] wDims, long[] wStrides, long[] padRight, long outC) {
        static final long[] NO_DILATION = {0, 0};

        /** The geometry of {@code x} convolved with {@code w}, or null where the arrays do not fit. */
        static ConvShape of(INDArray x, INDArray w, boolean depthwise, long[] stride, long[] pad) {
            if (x.rank() != 4 || w.rank() != 4 || w.size(2) != x.size(3) || !OneDnn.fits(x) || !OneDnn.fits(w)) return null;
            long batch = x.size(0), h = x.size(1), wd = x.size(2), channels = x.size(3), kh = w.size(0), kw = w.size(1), m = w.size(3);
            long outC = depthwise ? channels * m : m;
            long oh = (h + 2 * pad[0] - kh) / stride[0] + 1, ow = (wd + 2 * pad[1] - kw) / stride[1] + 1;
            if (oh < 1 || ow < 1) return null;
            long[] wDims = depthwise ? new long[]{channels, m, 1, kh, kw} : new long[]{outC, channels, kh, kw};
            long[] wStrides = depthwise ? new long[]{m, 1, 1, kw * channels * m, channels * m}
                    : new long[]{1, outC, kw * channels * outC, channels * outC};
            long[] padRight = {(oh - 1) * stride[0] + kh - h - pad[0], (ow - 1) * stride[1] + kw - wd - pad[1]};
            return new ConvShape(new long[]{batch, channels, h, wd}, new long[]{batch, outC, oh, ow}, wDims, wStrides, padRight, outC);
        }

        long[] outShape() {
            return new long[]{dstDims[0], dstDims[2], dstDims[3], dstDims[1]};
        }

        memory.desc src() {
            return OneDnn.desc(srcDims, nhwcStrides(srcDims));
        }

        memory.desc dst() {
            return OneDnn.desc(dstDims, nhwcStrides(dstDims));
        }

        /** The weights in the layout the primitive prefers. */
        memory.desc anyWeights() {
            return new memory.desc(wDims, memory.data_type.f32, memory.format_tag.any);
        }

        memory source(INDArray a) {
            return OneDnn.memory(a, srcDims, nhwcStrides(srcDims));
        }

        memory destination(INDArray a) {
            return OneDnn.memory(a, dstDims, nhwcStrides(dstDims));
        }

        /** YXIO weights as stored in the graph. */
        memory weights(INDArray a) {
            return OneDnn.memory(a, wDims, wStrides);
        }

        /** A reorder of the step's argument {@code arg} (YXIO weights) into {@code into}, laid out as a primitive wants. */
        DnnlStep.Call weightsInto(INDArray into, memory.desc layout, int arg) {
            return new DnnlStep.Call(new reorder(new reorder.primitive_desc(OneDnn.engine(), OneDnn.desc(wDims, wStrides),
                    OneDnn.engine(), layout)), (args, outs) -> Map.of(
                    dnnl.DNNL_ARG_FROM, weights(args[arg]),
                    dnnl.DNNL_ARG_TO, OneDnn.memory(into, layout)));
        }

        /** Strides of NCHW dimensions over an NHWC buffer. */
        private static long[] nhwcStrides(long[] nchw) {
            long c = nchw[1], h = nchw[2], w = nchw[3];
            return new long[]{h * w * c, 1, w * c, c};
        }
    }

    /**
     * A training graph's normalisation ({@link JavaRewrites.NormChain}: {@code Ops.layerNorm}'s
     * LayerNorm, statistics per row, or {@code ConvProjection}'s BatchNorm, per channel) as
     * oneDNN's layer or batch normalisation: first its backward ops ({@link
     * JavaRewrites.NormBackward}) as one backward primitive, reading the mean and variance of the
     * forward pass, with x's other gradients added after it; then ({@link NormForward}) its
     * forward chain as one forward_training primitive that gives them out (a BatchNorm's are
     * also the batch statistics the trainer moves its running ones with). Both steps build both
     * primitives, so that they take or decline the same arrays: a forward chain that ran as one
     * step leaves no intermediates for the backward ops. The backward primitive is 5x faster
     * than the Java kernel of the same LayerNorm (measured on the demo model's), which plans
     * without oneDNN run ({@link JavaRewrites.LayerNormBackward}).
     */
    record NormBackward() implements Rewrite {
        @Override
        public String name() {
            return "onednn-norm-bp";
        }

        @Override
        public boolean matchedFirst() {
            return true;
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            JavaRewrites.NormChain f = JavaRewrites.NormChain.find(g, first);
            JavaRewrites.NormBackward b = f == null ? null : JavaRewrites.NormBackward.find(g, f, true);
            if (b == null) return null;
            List<String> args = new ArrayList<>(List.of(f.x(), out(f.mean()), out(f.variance()), f.gain(), f.bias(), b.dy()));
            args.addAll(b.others());
            return g.group(this, (f.perRow() ? "layer_norm_bp" : "batch_norm_bp") + " (onednn)", (standIn, in) -> {
                NormPrimitives p = NormPrimitives.of(in[0], in[3], in[4], f);
                if (p == null || !p.fitsStatistics(in[1]) || !p.fitsStatistics(in[2]) || !Arrays.equals(in[5].shape(), in[0].shape())
                        || !OneDnn.fits(in[5])) {
                    return null;
                }
                List<DnnlStep.Call> calls = new ArrayList<>();
                calls.add(new DnnlStep.Call(p.backward(), (a, outs) -> Map.of(
                        dnnl.DNNL_ARG_SRC, p.data(a[0]), dnnl.DNNL_ARG_MEAN, p.statistics(a[1]), dnnl.DNNL_ARG_VARIANCE, p.statistics(a[2]),
                        dnnl.DNNL_ARG_SCALE, p.channels(a[3]), dnnl.DNNL_ARG_SHIFT, p.channels(a[4]), // read by nothing, asked for
                        dnnl.DNNL_ARG_DIFF_DST, p.data(a[5]), dnnl.DNNL_ARG_DIFF_SRC, p.data(outs[0]),
                        dnnl.DNNL_ARG_DIFF_SCALE, p.channels(outs[1]), dnnl.DNNL_ARG_DIFF_SHIFT, p.channels(outs[2]))));
                binary sum = in.length == 6 ? null : new binary(new binary.primitive_desc(new binary.desc(dnnl.dnnl_binary_add,
                        p.desc(), p.desc(), p.desc()), OneDnn.engine())); // one primitive for every addend
                for (int k = 6; k < in.length; k++) {
                    if (!OneDnn.fits(in[k]) || !Arrays.equals(in[k].shape(), in[0].shape())) return null;
                    int addend = k;
                    calls.add(new DnnlStep.Call(sum, (a, outs) -> Map.of(dnnl.DNNL_ARG_SRC_0, p.data(outs[0]),
                            dnnl.DNNL_ARG_SRC_1, p.data(a[addend]), dnnl.DNNL_ARG_DST, p.data(outs[0]))));
                }
                return new DnnlStep(standIn, calls, in, new long[][]{in[0].shape(), in[3].shape(), in[4].shape()});
            }, b.members(), args, b.outputs());
        }
    }

    /**
     * A training graph's normalisation chain, once {@link NormBackward} took the ops that read
     * its values: one forward_training primitive, whose outputs are the chain's output and its
     * mean and variance.
     */
    record NormForward() implements Rewrite {
        @Override
        public String name() {
            return "onednn-norm";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            JavaRewrites.NormChain f = JavaRewrites.NormChain.find(g, first);
            if (f == null) return null;
            if (!f.intermediatesReadByItselfAlone(g)) return null;
            return g.group(this, (f.perRow() ? "layer_norm" : "batch_norm") + " (onednn)", (standIn, in) -> {
                NormPrimitives p = NormPrimitives.of(in[0], in[1], in[2], f);
                if (p == null) return null;
                long[] stats = p.statisticsShape(in[0]);
                return new DnnlStep(standIn, p.forward(), in, new long[][]{in[0].shape(), stats, stats},
                        (a, outs) -> Map.of(dnnl.DNNL_ARG_SRC, p.data(a[0]), dnnl.DNNL_ARG_DST, p.data(outs[0]),
                                dnnl.DNNL_ARG_MEAN, p.statistics(outs[1]), dnnl.DNNL_ARG_VARIANCE, p.statistics(outs[2]),
                                dnnl.DNNL_ARG_SCALE, p.channels(a[1]), dnnl.DNNL_ARG_SHIFT, p.channels(a[2])));
            }, f.ops(), List.of(f.x(), f.gain(), f.bias()), List.of(out(f.shifted()), out(f.mean()), out(f.variance())));
        }
    }

    /**
     * oneDNN's forward_training and backward primitives of a {@link JavaRewrites.NormChain} on x:
     * a LayerNorm's over x as {@code [rows, channels]} (statistics over the last axis), a
     * BatchNorm's over x as one channels-last image of {@code rows} pixels (statistics over all
     * axes but the last), each with a scale and shift; null where the arrays do not fit, the
     * chain's axes are not those, or oneDNN has only its reference code.
     */
    record NormPrimitives(boolean perRow, long rows, long channels, memory.desc desc, primitive_desc forwardDesc,
                          primitive_desc backwardDesc) {
        static NormPrimitives of(INDArray x, INDArray gain, INDArray bias, JavaRewrites.NormChain chain) {
            long channels = x.rank() < 2 ? 0 : x.size(x.rank() - 1);
            int[] expected = chain.perRow() ? new int[]{x.rank() - 1} : java.util.stream.IntStream.range(0, x.rank() - 1).toArray();
            if (channels == 0 || !Arrays.equals(chain.axes(), expected) || !OneDnn.fits(x) || !OneDnn.fits(gain) || !OneDnn.fits(bias)
                    || gain.length() != channels || bias.length() != channels) {
                return null;
            }
            long rows = x.length() / channels;
            memory.desc data = chain.perRow() ? OneDnn.desc(new long[]{rows, channels})
                    : OneDnn.desc(new long[]{1, channels, rows, 1}, new long[]{rows * channels, 1, channels, channels}); // NHWC
            int flags = dnnl.dnnl_use_scale | dnnl.dnnl_use_shift;
            float eps = chain.eps();
            try {
                primitive_desc forward, backward;
                if (chain.perRow()) {
                    var fwd = new layer_normalization_forward.primitive_desc(new layer_normalization_forward.desc(
                            dnnl.dnnl_forward_training, data, eps, flags), OneDnn.engine());
                    backward = new layer_normalization_backward.primitive_desc(new layer_normalization_backward.desc(
                            dnnl.dnnl_backward, data, data, eps, flags), OneDnn.engine(), fwd);
                    forward = fwd;
                } else {
                    var fwd = new batch_normalization_forward.primitive_desc(new batch_normalization_forward.desc(
                            dnnl.dnnl_forward_training, data, eps, flags), OneDnn.engine());
                    backward = new batch_normalization_backward.primitive_desc(new batch_normalization_backward.desc(
                            dnnl.dnnl_backward, data, data, eps, flags), OneDnn.engine(), fwd);
                    forward = fwd;
                }
                if (isReference(forward.impl_info_str().getString()) || isReference(backward.impl_info_str().getString())) return null;
                return new NormPrimitives(chain.perRow(), rows, channels, data, forward, backward);
            } catch (RuntimeException unsupported) {
                return null;
            }
        }

        primitive forward() {
            return perRow ? new layer_normalization_forward((layer_normalization_forward.primitive_desc) forwardDesc)
                    : new batch_normalization_forward((batch_normalization_forward.primitive_desc) forwardDesc);
        }

        primitive backward() {
            return perRow ? new layer_normalization_backward((layer_normalization_backward.primitive_desc) backwardDesc)
                    : new batch_normalization_backward((batch_normalization_backward.primitive_desc) backwardDesc);
        }

        /** Memory over an array shaped as x. */
        memory data(INDArray a) {
            return OneDnn.memory(a, desc);
        }

        /** Memory over a vector of the channels (the scale, the shift and their gradients). */
        memory channels(INDArray a) {
            return OneDnn.memory(a, channels);
        }

        /** Whether a mean or variance is as the primitives read it. */
        boolean fitsStatistics(INDArray a) {
            return OneDnn.fits(a) && a.length() == (perRow ? rows : channels);
        }

        /** Memory over a mean or a variance: one per row, or one per channel. */
        memory statistics(INDArray a) {
            return OneDnn.memory(a, perRow ? rows : channels);
        }

        /** The shape of the graph's mean and variance of x (kept axes). */
        long[] statisticsShape(INDArray x) {
            long[] shape = x.shape().clone();
            if (perRow) shape[shape.length - 1] = 1;
            else for (int i = 0; i < shape.length - 1; i++) shape[i] = 1;
            return shape;
        }
    }

    /**
     * A mean that keeps its reduced axes, over middle axes ({@code [outer, n, inner]} to
     * {@code [outer, 1, inner]}: squeeze-excitation's mean over the grid), as the product of a row
     * of 1/n and each {@code [n, inner]} block; oneDNN's reduction primitive has only its reference
     * implementation for a middle axis here. Other means (over the last axis: a training graph's
     * LayerNorm) run as the Java kernel ({@link JavaKernels.KeptMean}), and are named so.
     */
    record GridMean() implements Rewrite {
        @Override
        public String name() {
            return "onednn-grid-mean";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            int[] axes = JavaRewrites.KeptMean.axes(first);
            if (axes == null) return null;
            JavaKernels.KeptMean java = new JavaKernels.KeptMean(axes);
            return g.group(this, "reduce_mean (onednn)", (standIn, args) -> {
                INDArray x = args[0];
                long[] outShape = java.outputShapes(args)[0];
                long[] split = OneDnn.fits(x) ? JavaKernels.split(x.shape(), outShape) : null;
                java.util.function.Supplier<Step> javaKernel =
                        () -> java.step(Rewrite.relabelled(standIn, JavaRewrites.KeptMean.DESCRIPTION), args);
                if (split == null || split[2] == 1) return javaKernel.get();
                long outer = split[0], n = split[1], inner = split[2];
                long[] rowDims = {1, 1, n}, blocks = {outer, n, inner}, means = {outer, 1, inner};
                matmul.primitive_desc pd = new matmul.primitive_desc(new matmul.desc(OneDnn.desc(rowDims), OneDnn.desc(blocks),
                        OneDnn.desc(means)), OneDnn.engine());
                if (isReference(pd.impl_info_str().getString())) return javaKernel.get();
                INDArray row = Nd4j.valueArrayOf(new long[]{n}, 1.0 / n, DataType.FLOAT);
                return new DnnlStep(standIn, new matmul(pd), args, new long[][]{outShape}, (in, outs) -> Map.of(
                        dnnl.DNNL_ARG_SRC, OneDnn.memory(row, rowDims), dnnl.DNNL_ARG_WEIGHTS, OneDnn.memory(in[0], blocks),
                        dnnl.DNNL_ARG_DST, OneDnn.memory(outs[0], means)));
            }, List.of(first), inputs(first));
        }
    }

    /**
     * {@code add_bp} / {@code subtract_bp} where one operand broadcasts (a bias, a position
     * embedding): its gradient, the sums of the incoming gradient over the broadcast axes, as the
     * product of a row of ones and that gradient seen as {@code [outer, mid, inner]}: a GEMV at
     * memory speed (CvT-13's training step: 27 ms against the Java kernel's 97, measured). The
     * other operand's gradient is the incoming gradient itself. Operands of one shape (a
     * residual's) and a full operand with a minus sign run as the Java kernel, and are named so.
     */
    record SumBackward() implements Rewrite {
        @Override
        public String name() {
            return "onednn-add-bp";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            Group java = new JavaRewrites.SumBackward().match(g, first);
            if (java == null) return null;
            boolean subtract = !(first.getOp() instanceof AddBpOp);
            String javaDescription = java.op().getOp().opName();
            return g.group(this, (subtract ? "subtract_bp" : "add_bp") + " (onednn)", (standIn, args) -> {
                java.util.function.Supplier<Step> javaKernel =
                        () -> java.implementation().step(Rewrite.relabelled(standIn, javaDescription), args);
                INDArray dz = args[2];
                int full = Arrays.equals(args[0].shape(), dz.shape()) ? 0 : Arrays.equals(args[1].shape(), dz.shape()) ? 1 : -1;
                if (!OneDnn.fits(dz) || full < 0 || Arrays.equals(args[0].shape(), args[1].shape()) || subtract && full == 1) {
                    return javaKernel.get();
                }
                int small = 1 - full;
                long[] split = JavaKernels.split(dz.shape(), args[small].shape());
                if (split == null) return javaKernel.get();
                long outer = split[0], mid = split[1], inner = split[2];
                long[] onesDims = {1, 1, mid}, blocks = {outer, mid, inner}, sums = {outer, 1, inner};
                primitive_attr attr = new primitive_attr();
                if (subtract) attr.set_output_scales(0, new float[]{-1f});
                matmul.primitive_desc pd = new matmul.primitive_desc(new matmul.desc(OneDnn.desc(onesDims), OneDnn.desc(blocks),
                        OneDnn.desc(sums)), attr, OneDnn.engine());
                if (isReference(pd.impl_info_str().getString())) return javaKernel.get();
                INDArray ones = Nd4j.ones(DataType.FLOAT, mid);
                DnnlStep.Call call = new DnnlStep.Call(new matmul(pd), (in, outs) -> Map.of(
                        dnnl.DNNL_ARG_SRC, OneDnn.memory(ones, onesDims), dnnl.DNNL_ARG_WEIGHTS, OneDnn.memory(in[2], blocks),
                        dnnl.DNNL_ARG_DST, OneDnn.memory(outs[small], sums)));
                int[] passed = {-1, -1};
                passed[full] = 2;
                return new DnnlStep(standIn, List.of(call), args, new long[][]{args[0].shape(), args[1].shape()}, passed);
            }, List.of(first), inputs(first));
        }
    }

    /**
     * The post-op that can follow a product's value: the exact GELU chain, QuickGELU, a ReLU or a
     * sigmoid (squeeze-excitation's) that is all that reads it, or a residual add of it, or of it
     * times a layer scale (a parameter), and another array; its ops join {@code members} (and the
     * scale and residual its arguments).
     */
    static PostOp postOp(OpGraph g, String value, List<SameDiffOp> members, List<String> args) {
        if (g.isRequested(value)) return PostOp.NONE;
        List<SameDiffOp> gelu = exactGeluReading(g, value);
        SameDiffOp quick = g.soleReaderOf(value, GELU.class);
        SameDiffOp residual = g.soleReaderOf(value, AddOp.class);
        if (gelu != null) {
            members.addAll(gelu);
            return PostOp.GELU_ERF;
        }
        if (quick != null && inputs(quick).size() == 1) {
            members.add(quick);
            return PostOp.QUICK_GELU;
        }
        SameDiffOp relu = g.soleReaderOf(value, RectifiedLinear.class);
        if (relu != null && inputs(relu).size() == 1 && ((BaseScalarOp) relu.getOp()).scalar().getDouble(0) == 0) {
            members.add(relu);
            return PostOp.RELU;
        }
        SameDiffOp sigmoid = g.soleReaderOf(value, Sigmoid.class);
        if (sigmoid != null && inputs(sigmoid).size() == 1) {
            members.add(sigmoid);
            return PostOp.SIGMOID;
        }
        if (residual != null && other(residual, value) != null && !g.isParameter(other(residual, value))) {
            members.add(residual);
            args.add(other(residual, value));
            return PostOp.RESIDUAL;
        }
        SameDiffOp scale = g.soleReaderOf(value, MulOp.class);
        String gamma = scale == null ? null : other(scale, value);
        SameDiffOp scaledResidual = gamma == null || !g.isParameter(gamma) ? null : g.soleReader(scale, AddOp.class);
        if (scaledResidual != null && other(scaledResidual, out(scale)) != null && !g.isParameter(other(scaledResidual, out(scale)))) {
            members.add(scale);
            members.add(scaledResidual);
            args.add(gamma);
            args.add(other(scaledResidual, out(scale)));
            return PostOp.SCALED_RESIDUAL;
        }
        return PostOp.NONE;
    }

    /** The exact GELU chain when it is all that reads {@code x}. */
    private static List<SameDiffOp> exactGeluReading(OpGraph g, String x) {
        for (SameDiffOp r : g.readers(x)) {
            if (!(r.getOp() instanceof ScalarMultiplication)) continue;
            List<SameDiffOp> chain = JavaRewrites.exactGeluChain(g, r);
            if (chain != null && g.readers(x).size() == 2 && g.readers(x).contains(chain.get(3))) return chain;
        }
        return null;
    }

    /**
     * How a product's operand or result lies in one of the step's arrays (an argument, or an
     * output): oneDNN's dimensions {@code [batch, rows, cols]} (or {@code [rows, cols]}) and the
     * strides over the array's buffer, so that a transposed operand is read in place.
     */
    record Operand(boolean output, int index, long[] dims, long[] strides) {
        /** A c-order array of {@code [batch.., rows, cols]} (its batch axes collapsed). */
        static Operand dense(boolean output, int index, boolean batched, long batch, long rows, long cols) {
            long[] dims = batched ? new long[]{batch, rows, cols} : new long[]{rows, cols};
            return new Operand(output, index, dims, OneDnn.denseStrides(dims));
        }

        /** The same memory read as the transpose of its last two axes. */
        Operand transposed() {
            long[] d = dims.clone(), s = strides.clone();
            int r = d.length;
            d[r - 2] = dims[r - 1];
            d[r - 1] = dims[r - 2];
            s[r - 2] = strides[r - 1];
            s[r - 1] = strides[r - 2];
            return new Operand(output, index, d, s);
        }

        memory memory(INDArray[] args, INDArray[] outs) {
            return OneDnn.memory(output ? outs[index] : args[index], dims, strides);
        }
    }

    /**
     * {@code dst = alpha * a b} (+ bias) (+ post-op) as a oneDNN matmul; null where oneDNN offers
     * only its reference implementation for these layouts (far slower than ND4J's op).
     */
    static DnnlStep.Call product(Operand a, Operand b, Operand dst, Operand bias, float alpha, PostOp post, Operand scale,
                                 Operand residual) {
        matmul.desc desc = bias != null
                ? new matmul.desc(desc(a), desc(b), desc(bias), desc(dst))
                : new matmul.desc(desc(a), desc(b), desc(dst));
        primitive_attr attr = new primitive_attr();
        if (alpha != 1f) attr.set_output_scales(0, new float[]{alpha});
        attr.set_post_ops(postOps(post, scale == null ? null : desc(scale), residual == null ? null : desc(residual)));
        matmul.primitive_desc pd = new matmul.primitive_desc(desc, attr, OneDnn.engine());
        if (isReference(pd.impl_info_str().getString())) return null;
        return new DnnlStep.Call(new matmul(pd), (args, outs) -> {
            Map<Integer, memory> mem = new HashMap<>();
            mem.put(dnnl.DNNL_ARG_SRC, a.memory(args, outs));
            mem.put(dnnl.DNNL_ARG_WEIGHTS, b.memory(args, outs));
            mem.put(dnnl.DNNL_ARG_DST, dst.memory(args, outs));
            if (bias != null) mem.put(dnnl.DNNL_ARG_BIAS, bias.memory(args, outs));
            if (post == PostOp.SCALED_RESIDUAL) mem.put(postOpArgument(0), scale.memory(args, outs));
            if (post.residual()) mem.put(postOpArgument(post == PostOp.SCALED_RESIDUAL ? 1 : 0), residual.memory(args, outs));
            return mem;
        });
    }

    /** oneDNN's post-ops for {@code post}: a layer scale and a residual are read from memory laid out as their descriptors say. */
    private static post_ops postOps(PostOp post, memory.desc scale, memory.desc residual) {
        post_ops ops = new post_ops();
        switch (post) {
            case GELU_ERF -> ops.append_eltwise(1f, dnnl.dnnl_eltwise_gelu_erf, 0f, 0f);
            case QUICK_GELU -> ops.append_eltwise(1f, dnnl.dnnl_eltwise_swish, 1.702f, 0f);
            case RELU -> ops.append_eltwise(1f, dnnl.dnnl_eltwise_relu, 0f, 0f);
            case SIGMOID -> ops.append_eltwise(1f, dnnl.dnnl_eltwise_logistic, 0f, 0f);
            case RESIDUAL -> ops.append_binary(dnnl.dnnl_binary_add, residual);
            case SCALED_RESIDUAL -> {
                ops.append_binary(dnnl.dnnl_binary_mul, scale);
                ops.append_binary(dnnl.dnnl_binary_add, residual);
            }
            case NONE -> {
            }
        }
        return ops;
    }

    /** The second operand of binary post-op {@code index}: oneDNN's {@code DNNL_ARG_ATTR_MULTIPLE_POST_OP(index) | DNNL_ARG_SRC_1}. */
    private static int postOpArgument(int index) {
        return dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE * (index + 1) | dnnl.DNNL_ARG_SRC_1;
    }

    private static memory.desc desc(Operand o) {
        return OneDnn.desc(o.dims(), o.strides());
    }

    /**
     * The operands of ND4J's matmul {@code op(x) op(y)} over arguments 0 and 1: ranks 2 to 4,
     * equal leading (batch) axes, each possibly transposed in its last two axes; null where the
     * arrays are not such. {@code [op(x), op(y), batch, m, k, n]} as operands and sizes.
     */
    record Product(Operand x, Operand y, long batch, long m, long k, long n, boolean batched) {
        static Product of(INDArray[] args, boolean transX, boolean transY) {
            INDArray a = args[0], b = args[1];
            int rank = a.rank();
            if (rank < 2 || rank > 4 || b.rank() != rank || !OneDnn.fits(a) || !OneDnn.fits(b)) return null;
            long batch = 1;
            for (int i = 0; i < rank - 2; i++) {
                if (a.size(i) != b.size(i)) return null;
                batch *= a.size(i);
            }
            boolean batched = rank > 2;
            Operand x = Operand.dense(false, 0, batched, batch, a.size(rank - 2), a.size(rank - 1));
            Operand y = Operand.dense(false, 1, batched, batch, b.size(rank - 2), b.size(rank - 1));
            if (transX) x = x.transposed();
            if (transY) y = y.transposed();
            int r = x.dims().length;
            long m = x.dims()[r - 2], k = x.dims()[r - 1], n = y.dims()[r - 1];
            return k == y.dims()[r - 2] ? new Product(x, y, batch, m, k, n, batched) : null;
        }

        /** The shape of {@code op(x) op(y)} for ND4J: x's batch axes, then {@code [m, n]}. */
        long[] shape(INDArray x) {
            long[] s = x.shape().clone();
            s[s.length - 2] = m;
            s[s.length - 1] = n;
            return s;
        }
    }

    /**
     * {@code alpha * op(a) op(b)} (+ bias) (+ post-op): arguments a, b, then the bias, the layer scale and the residual.
     */
    record MatmulImpl(boolean transA, boolean transB, float alpha, boolean bias, PostOp post) implements Rewrite.Implementation {
        @Override
        public Step step(SameDiffOp standIn, INDArray[] args) {
            Product p = Product.of(args, transA, transB);
            if (p == null) return null;
            int biasAt = 2, scaleAt = bias ? 3 : 2, residualAt = args.length - 1;
            if (bias && (!OneDnn.fits(args[biasAt]) || args[biasAt].length() != p.n())) return null;
            long[] outShape = p.shape(args[0]);
            if (post.residual() && (!OneDnn.fits(args[residualAt]) || !Arrays.equals(args[residualAt].shape(), outShape))) return null;
            if (post == PostOp.SCALED_RESIDUAL && (!OneDnn.fits(args[scaleAt]) || args[scaleAt].length() != p.n())) return null;
            Operand dst = Operand.dense(true, 0, p.batched(), p.batch(), p.m(), p.n());
            Operand biasOperand = bias ? perColumn(biasAt, p) : null;
            Operand scale = post == PostOp.SCALED_RESIDUAL ? perColumn(scaleAt, p) : null;
            Operand residual = post.residual() ? new Operand(false, residualAt, dst.dims(), dst.strides()) : null;
            DnnlStep.Call call = product(p.x(), p.y(), dst, biasOperand, alpha, post, scale, residual);
            return call == null ? null : new DnnlStep(standIn, List.of(call), args, new long[][]{outShape});
        }

        /** A vector over the product's columns (a bias, a layer scale), broadcast over its rows. */
        private static Operand perColumn(int index, Product p) {
            return p.batched() ? new Operand(false, index, new long[]{1, 1, p.n()}, new long[]{p.n(), p.n(), 1})
                    : new Operand(false, index, new long[]{1, p.n()}, new long[]{p.n(), 1});
        }
    }

    /**
     * A training graph's {@code matmul_bp} of {@code z = op(x) op(y)}: {@code dx} and {@code dy}
     * as two products reading the transposes in place, where M2.1 runs one OpenBLAS call per
     * matrix of a batched product.
     */
    record MatmulBackward() implements Rewrite {
        @Override
        public String name() {
            return "onednn-matmul-bp";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof MmulBp bp) || inputs(first).size() != 3 || first.getOutputsOfOp().size() != 2) return null;
            long[] flags = bp.iArgs();
            if (flags.length > 2 && flags[2] != 0) return null;
            boolean transX = flags.length > 0 && flags[0] != 0, transY = flags.length > 1 && flags[1] != 0;
            return g.group(this, "matmul_bp (onednn)", (standIn, args) -> {
                Product p = Product.of(args, transX, transY);
                INDArray grad = args[2];
                if (p == null || !OneDnn.fits(grad) || !Arrays.equals(grad.shape(), p.shape(args[0]))) return null;
                Operand gz = Operand.dense(false, 2, p.batched(), p.batch(), p.m(), p.n());
                // d op(x) = gz op(y)^T  and  d op(y) = op(x)^T gz, each written as its array is stored
                Operand dx = Operand.dense(true, 0, p.batched(), p.batch(), transX ? p.k() : p.m(), transX ? p.m() : p.k());
                Operand dy = Operand.dense(true, 1, p.batched(), p.batch(), transY ? p.n() : p.k(), transY ? p.k() : p.n());
                DnnlStep.Call forX = transX
                        ? product(p.y(), gz.transposed(), dx, null, 1f, PostOp.NONE, null, null)   // stored [k, m] = op(y) gz^T
                        : product(gz, p.y().transposed(), dx, null, 1f, PostOp.NONE, null, null);
                DnnlStep.Call forY = transY
                        ? product(gz.transposed(), p.x(), dy, null, 1f, PostOp.NONE, null, null)  // stored [n, k] = gz^T op(x)
                        : product(p.x().transposed(), gz, dy, null, 1f, PostOp.NONE, null, null);
                if (forX == null || forY == null) return null;
                return new DnnlStep(standIn, List.of(forX, forY), args, new long[][]{args[0].shape(), args[1].shape()});
            }, List.of(first), inputs(first));
        }
    }

    /**
     * QuickGELU ({@code x * sigmoid(1.702 x)}, SameDiff's gelu) as oneDNN's swish, where no
     * product took it as a post-op: a training graph's, whose input the backward pass reads
     * (about 3x the Java kernel's speed on the demo model's, measured). A bias add before it
     * that only it reads goes to the Java kernel, which takes both in one pass.
     */
    record QuickGelu() implements Rewrite {
        static final float ALPHA = 1.702f;

        @Override
        public String name() {
            return "onednn-quick-gelu";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof GELU) || inputs(first).size() != 1) return null;
            if (g.biasAddReadOnlyBy(inputs(first).get(0), List.of(first)) != null) return null;
            return g.group(this, "quick_gelu (onednn)", (standIn, args) -> eltwise(standIn, args, dnnl.dnnl_eltwise_swish, ALPHA),
                    List.of(first), inputs(first));
        }
    }

    /**
     * QuickGELU's backward as SameDiff derives it, {@code gelu_derivative(x) * dy}, as oneDNN's
     * swish backward: one pass instead of two, and no array of derivatives.
     */
    record QuickGeluBackward() implements Rewrite {
        @Override
        public String name() {
            return "onednn-quick-gelu-bp";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof GELUDerivative) || inputs(first).size() != 1) return null;
            SameDiffOp product = g.soleReader(first, MulOp.class);
            String dy = product == null ? null : other(product, out(first));
            if (dy == null) return null;
            return g.group(this, "quick_gelu_bp (onednn)", (standIn, args) -> {
                INDArray x = args[0], grad = args[1];
                if (!OneDnn.fits(x) || !OneDnn.fits(grad) || !Arrays.equals(x.shape(), grad.shape())) return null;
                memory.desc flat = OneDnn.desc(new long[]{x.length()});
                var hint = new eltwise_forward.primitive_desc(new eltwise_forward.desc(dnnl.dnnl_forward_training, dnnl.dnnl_eltwise_swish,
                        flat, QuickGelu.ALPHA, 0f), OneDnn.engine());
                eltwise_backward prim = new eltwise_backward(new eltwise_backward.primitive_desc(new eltwise_backward.desc(
                        dnnl.dnnl_eltwise_swish, flat, flat, QuickGelu.ALPHA, 0f), OneDnn.engine(), hint));
                return new DnnlStep(standIn, prim, args, new long[][]{x.shape()}, (a, outs) -> Map.of(
                        dnnl.DNNL_ARG_SRC, OneDnn.memory(a[0], flat), dnnl.DNNL_ARG_DIFF_DST, OneDnn.memory(a[1], flat),
                        dnnl.DNNL_ARG_DIFF_SRC, OneDnn.memory(outs[0], flat)));
            }, List.of(first, product), List.of(inputs(first).get(0), dy));
        }
    }

    /** A permute as a reorder: the input read through permuted strides, written dense. */
    record Permutes() implements Rewrite {
        @Override
        public String name() {
            return "onednn-permute";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof Permute p) || inputs(first).size() != 1 || p.iArgs().length == 0) return null;
            long[] axes = p.iArgs().clone();
            return g.group(this, "permute (onednn)", (standIn, args) -> {
                INDArray x = args[0];
                int r = x.rank();
                if (!OneDnn.fits(x) || axes.length != r) return null;
                long[] inStrides = OneDnn.denseStrides(x.shape()), dims = new long[r], strides = new long[r];
                boolean[] seen = new boolean[r];
                for (int i = 0; i < r; i++) {
                    int a = (int) (axes[i] < 0 ? axes[i] + r : axes[i]);
                    if (a < 0 || a >= r || seen[a]) return null;
                    seen[a] = true;
                    dims[i] = x.size(a);
                    strides[i] = inStrides[a];
                }
                reorder prim = new reorder(new reorder.primitive_desc(OneDnn.engine(), OneDnn.desc(dims, strides), OneDnn.engine(),
                        OneDnn.desc(dims)));
                return new DnnlStep(standIn, prim, args, new long[][]{dims}, (in, outs) -> Map.of(
                        dnnl.DNNL_ARG_FROM, OneDnn.memory(in[0], dims, strides), dnnl.DNNL_ARG_TO, OneDnn.memory(outs[0], dims)));
            }, List.of(first), inputs(first));
        }
    }

    /** {@code Ops.exactGelu}'s chain on its own (after a convolution, say); with a bias add before it the Java kernel takes both. */
    record ExactGelu() implements Rewrite {
        @Override
        public String name() {
            return "onednn-exact-gelu";
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            List<SameDiffOp> chain = JavaRewrites.exactGeluChain(g, first);
            if (chain == null) return null;
            String x = inputs(first).get(0);
            if (g.biasAddReadOnlyBy(x, List.of(first, chain.get(3))) != null) return null;
            return g.group(this, "exact_gelu (onednn)", (standIn, args) -> eltwise(standIn, args, dnnl.dnnl_eltwise_gelu_erf, 0f),
                    chain, List.of(x));
        }
    }

    /** An element-wise function of one array as an eltwise primitive over its values. */
    private static Step eltwise(SameDiffOp standIn, INDArray[] args, int algorithm, float alpha) {
        INDArray in = args[0];
        if (!OneDnn.fits(in)) return null;
        long[] flat = {in.length()};
        eltwise_forward prim = new eltwise_forward(new eltwise_forward.primitive_desc(new eltwise_forward.desc(
                dnnl.dnnl_forward_inference, algorithm, OneDnn.desc(flat), alpha, 0f), OneDnn.engine()));
        return new DnnlStep(standIn, prim, args, new long[][]{in.shape()}, (a, outs) -> Map.of(
                dnnl.DNNL_ARG_SRC, OneDnn.memory(a[0], flat), dnnl.DNNL_ARG_DST, OneDnn.memory(outs[0], flat)));
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

    /**
     * {@code softmax_bp(x, dy)} over the last axis as oneDNN's softmax backward, which reads the
     * forward's output instead of recomputing it from x (ND4J's op does; 85-96 ms of a CvT-13
     * training step). Matched first, while the forward softmax is still a graph op to find; x
     * stays an argument, for the graph's op where the primitive declines.
     */
    record SoftmaxBackward() implements Rewrite {
        @Override
        public String name() {
            return "onednn-softmax-bp";
        }

        @Override
        public boolean matchedFirst() {
            return true;
        }

        @Override
        public Group match(OpGraph g, SameDiffOp first) {
            if (!(first.getOp() instanceof SoftmaxBp bp) || inputs(first).size() != 2 || first.getOutputsOfOp().size() != 1) return null;
            String x = inputs(first).get(0), dy = inputs(first).get(1);
            SameDiffOp forward = g.readerWith(x, SoftMax.class, List.of(x));
            if (forward == null || !Arrays.equals(((DynamicCustomOp) forward.getOp()).iArgs(), bp.iArgs())) return null;
            long[] dims = bp.iArgs();
            long axis = dims.length == 0 ? -1 : dims[0];
            return g.group(this, "softmax_bp (onednn)", (standIn, args) -> {
                INDArray y = args[0], grad = args[1];
                if (!OneDnn.fits(y) || !OneDnn.fits(grad) || y.rank() < 1 || axis != -1 && axis != y.rank() - 1
                        || !Arrays.equals(y.shape(), grad.shape())) {
                    return null;
                }
                long[] rows = {y.length() / y.size(y.rank() - 1), y.size(y.rank() - 1)};
                memory.desc data = OneDnn.desc(rows);
                var hint = new softmax_forward.primitive_desc(new softmax_forward.desc(dnnl.dnnl_forward_training, data, 1),
                        OneDnn.engine());
                softmax_backward prim = new softmax_backward(new softmax_backward.primitive_desc(new softmax_backward.desc(data, data, 1),
                        OneDnn.engine(), hint));
                return new DnnlStep(standIn, prim, args, new long[][]{y.shape()}, (in, outs) -> Map.of(
                        dnnl.DNNL_ARG_DST, OneDnn.memory(in[0], rows), dnnl.DNNL_ARG_DIFF_DST, OneDnn.memory(in[1], rows),
                        dnnl.DNNL_ARG_DIFF_SRC, OneDnn.memory(outs[0], rows)));
            }, List.of(first), List.of(out(forward), dy, x));
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
