package org.cvtzoo.core.exec;

import org.cvtzoo.core.graph.Ops;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The oneDNN rewrites: which op chains each takes, and its values against the same graph run as
 * its own ops ({@link ExecutionPlan.Options#graphOpsOnly()}), on shapes, transposes, views and
 * post-ops that the families use and on odd ones.
 */
class DnnlRewritesTest {
    @BeforeAll
    static void oneDnnLoads() {
        // the test class path brings the natives: on linux-x86_64 they must load (elsewhere the plans run without)
        assumeTrue(System.getProperty("os.name").toLowerCase().contains("linux")
                && System.getProperty("os.arch").matches("amd64|x86_64"), "no oneDNN natives for this platform");
        assertTrue(OneDnn.enabled(), OneDnn.status());
    }

    @Test
    void linearLayersTakeBiasAndActivationOrResidualAsPostOps() {
        for (String post : new String[]{"", "gelu_erf", "quick_gelu", "residual", "layer_scale + residual", "bias only"}) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 24);
            SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, 24, 40).subi(0.5));
            SDVariable b = sd.var("b", Nd4j.rand(DataType.FLOAT, 40).subi(0.5));
            SDVariable r = sd.placeHolder("r", DataType.FLOAT, -1, 40);
            SDVariable y = post.isEmpty() ? x.mmul(w) : x.mmul(w).add(b);
            String expected = post.isEmpty() ? "matmul (onednn)" : post.equals("bias only") ? "matmul + bias (onednn)"
                    : "matmul + bias + " + post + " (onednn)";
            switch (post) {
                case "gelu_erf" -> y = Ops.exactGelu(y);
                case "quick_gelu" -> y = Ops.quickGelu(y);
                case "residual" -> y = r.add(y);
                case "layer_scale + residual" -> y = r.add(y.mul(sd.var("gamma", Nd4j.rand(DataType.FLOAT, 40).subi(0.5))));
                default -> {
                }
            }
            SDVariable out = y.mul(1.0).rename("out" ); // a reader after the group, so the group's output is an intermediate
            assertMatches(sd, Map.of("x", new long[]{37, 24}, "r", new long[]{37, 40}), out.name(), expected, 1e-5);
        }
    }

    /** The attention products: batched, the score scale as the output scale, K read transposed through strides, views of one qkv buffer. */
    @Test
    void attentionProductsOverViewsWithScaleAndTranspose() {
        SameDiff sd = SameDiff.create();
        long b = 3, n = 17, heads = 4, hd = 8;
        SDVariable qkv = sd.placeHolder("x", DataType.FLOAT, -1, n, 3 * heads * hd);
        SDVariable[] parts = sd.unstack(sd.permute(sd.reshape(qkv, -1, n, 3, heads, hd), 2, 0, 3, 1, 4), 0, 3);
        SDVariable scores = Ops.attentionScores(parts[0], parts[1], Math.pow(hd, -0.5), false);
        SDVariable probs = sd.nn().softmax(scores, 3);
        SDVariable out = sd.mmul(probs, parts[2]).mul(1.0);
        ExecutionPlan plan = assertMatches(sd, Map.of("x", new long[]{b, n, 3 * heads * hd}), out.name(), "matmul (onednn)", 1e-5);
        assertEquals(2, plan.rewrites().get("matmul (onednn)"), plan.rewrites().toString());
        assertEquals(1, plan.rewrites().get("softmax (onednn)"), plan.rewrites().toString());
    }

    @Test
    void transposedOperandsAndRanks() {
        long[][] shapes = {{5, 7}, {2, 5, 7}, {2, 3, 5, 7}};
        for (long[] aShape : shapes) {
            for (boolean ta : new boolean[]{false, true}) {
                for (boolean tb : new boolean[]{false, true}) {
                    SameDiff sd = SameDiff.create();
                    long[] a = aShape.clone(), bShape = aShape.clone();
                    int r = a.length;
                    if (ta) { long t = a[r - 1]; a[r - 1] = a[r - 2]; a[r - 2] = t; }
                    bShape[r - 2] = 7;
                    bShape[r - 1] = 9;
                    if (tb) { long t = bShape[r - 1]; bShape[r - 1] = bShape[r - 2]; bShape[r - 2] = t; }
                    SDVariable x = sd.placeHolder("x", DataType.FLOAT, a);
                    SDVariable y = sd.var("y", Nd4j.rand(DataType.FLOAT, bShape).subi(0.5));
                    SDVariable out = sd.mmul(x, y, ta, tb, false).mul(1.0);
                    assertMatches(sd, Map.of("x", a), out.name(), "matmul (onednn)", 1e-5);
                }
            }
        }
    }

    @Test
    void softmaxAndLayerNormOverTheLastAxis() {
        for (long[] shape : new long[][]{{50, 49}, {2, 6, 197, 50}, {7, 1}}) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, shape);
            SDVariable out = sd.nn().softmax(x.mul(3.0), shape.length - 1).mul(1.0);
            assertMatches(sd, Map.of("x", shape), out.name(), "softmax (onednn)", 1e-6);
        }
        for (long[] shape : new long[][]{{300, 24}, {2, 7, 9, 64}}) {
            SameDiff sd = SameDiff.create();
            long c = shape[shape.length - 1];
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, shape);
            SDVariable gain = sd.var("g", Nd4j.rand(DataType.FLOAT, c).addi(0.5));
            SDVariable bias = sd.var("b", Nd4j.rand(DataType.FLOAT, c).subi(0.5));
            SDVariable out = Ops.layerNorm(x.mul(2.0).add(1.0), gain, bias, 1e-6, shape.length - 1, false).mul(1.0);
            assertMatches(sd, Map.of("x", shape), out.name(), "layer_norm (onednn)", 1e-5);
        }
    }

    /** A training graph's matmul_bp, for every transpose of a batched product and a linear layer: both gradients against the graph's own op. */
    @Test
    void matmulBackwardGivesBothGradients() {
        for (long[] xShape : new long[][]{{6, 5}, {2, 3, 6, 5}}) {
            for (int flags = 0; flags < 4; flags++) {
                boolean tx = (flags & 1) != 0, ty = (flags & 2) != 0;
                int r = xShape.length;
                long[] x = xShape.clone(), y = xShape.clone();
                y[r - 2] = 5;
                y[r - 1] = 7;
                if (tx) { long t = x[r - 1]; x[r - 1] = x[r - 2]; x[r - 2] = t; }
                if (ty) { long t = y[r - 1]; y[r - 1] = y[r - 2]; y[r - 2] = t; }
                SameDiff sd = SameDiff.create();
                SDVariable in = sd.placeHolder("x", DataType.FLOAT, x);
                SDVariable xv = in.mul(sd.var("s", Nd4j.rand(DataType.FLOAT, x)));
                SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, y).subi(0.5));
                long[] zShape = xShape.clone();
                zShape[r - 1] = 7;
                SDVariable loss = sd.mmul(xv, w, tx, ty, false).mul(sd.constant(Nd4j.rand(DataType.FLOAT, zShape))).sum().rename("loss");
                sd.setLossVariables(loss.name());
                sd.createGradFunction();
                SameDiff grad = sd.getFunction("grad");
                List<String> outs = List.of(w.gradient().name(), sd.getVariable("s").gradient().name());
                ExecutionPlan plan = ExecutionPlan.build(grad, Map.of("x", x), outs);
                assertEquals(1, plan.rewrites().getOrDefault("matmul_bp (onednn)", 0), plan.rewrites() + " " + plan.declinedRewrites());
                ExecutionPlan reference = ExecutionPlan.build(grad, Map.of("x", x), outs, ExecutionPlan.Options.graphOpsOnly());
                INDArray input = Nd4j.rand(DataType.FLOAT, x).subi(0.5);
                Map<String, INDArray> want = reference.run(Map.of("x", input)), got = plan.run(Map.of("x", input));
                for (String o : outs) {
                    double err = want.get(o).sub(got.get(o)).amaxNumber().doubleValue() / want.get(o).amaxNumber().doubleValue();
                    assertTrue(err < 1e-5, java.util.Arrays.toString(xShape) + " tx " + tx + " ty " + ty + " " + o + ": " + err);
                }
            }
        }
    }

    @Test
    void permutesAndGeluOnItsOwn() {
        for (long[] axes : new long[][]{{2, 0, 3, 1, 4}, {0, 2, 1, 3}, {1, 0}}) {
            long[] shape = axes.length == 5 ? new long[]{2, 7, 3, 4, 5} : axes.length == 4 ? new long[]{2, 3, 5, 8} : new long[]{9, 4};
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, shape);
            int[] ints = java.util.Arrays.stream(axes).mapToInt(a -> (int) a).toArray();
            SDVariable out = sd.permute(x.mul(2.0), ints).mul(1.0);
            assertMatches(sd, Map.of("x", shape), out.name(), "permute (onednn)", 0);
        }
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 3, 8, 8, 5);
        SDVariable out = Ops.exactGelu(x.mul(2.0)).mul(1.0);
        assertMatches(sd, Map.of("x", new long[]{3, 8, 8, 5}), out.name(), "exact_gelu (onednn)", 1e-6);
    }

    /** A 1x1 convolution on an NHWC grid as a product, with its bias and GELU or a residual after it. */
    @Test
    void pointwiseConvolutionsAreProducts() {
        for (String post : new String[]{"", "gelu_erf", "relu", "sigmoid", "residual", "layer_scale + residual"}) {
            for (boolean withBias : new boolean[]{true, false}) {
                SameDiff sd = SameDiff.create();
                SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 5, 6, 8);
                SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, 1, 1, 8, 12).subi(0.5));
                SDVariable b = sd.var("b", Nd4j.rand(DataType.FLOAT, 12).subi(0.5));
                SDVariable r = sd.placeHolder("r", DataType.FLOAT, -1, 5, 6, 12);
                var config = org.cvtzoo.core.graph.Ops.nhwcConvConfig(1, 1, 0);
                SDVariable y = withBias ? sd.cnn().conv2d(x, w, b, config) : sd.cnn().conv2d(x, w, config);
                if (post.equals("gelu_erf")) y = Ops.exactGelu(y);
                if (post.equals("residual")) y = r.add(y);
                if (post.equals("relu")) y = sd.nn().relu(y, 0.0);
                if (post.equals("sigmoid")) y = sd.nn().sigmoid(y);
                if (post.equals("layer_scale + residual")) y = r.add(y.mul(sd.var("gamma", Nd4j.rand(DataType.FLOAT, 12))));
                SDVariable out = y.mul(1.0);
                String expected = "1x1 conv" + (withBias ? " + bias" : "") + (post.isEmpty() ? "" : " + " + post) + " (onednn)";
                assertMatches(sd, Map.of("x", new long[]{3, 5, 6, 8}, "r", new long[]{3, 5, 6, 12}), out.name(), expected, 1e-5);
            }
        }
    }

    /**
     * A depthwise convolution on an NHWC grid as oneDNN's grouped convolution: strides, padding,
     * a depth multiplier, odd grid sizes, with its bias and a GELU or a residual after it;
     * and a parameter assigned new weights after the plan was built is seen by the next run.
     */
    @Test
    void depthwiseConvolutionsWithPostOps() {
        record Case(long kernel, long stride, long pad, long dilation, long mult, boolean bias, String post) {
        }
        for (Case c : List.of(new Case(3, 1, 1, 1, 1, true, "gelu_erf"), new Case(3, 2, 1, 1, 1, false, ""),
                new Case(3, 1, 1, 1, 1, true, "residual"), new Case(5, 2, 2, 1, 2, true, ""),
                new Case(3, 2, 0, 1, 1, true, "quick_gelu"), new Case(3, 1, 1, 1, 1, false, "layer_scale + residual"))) {
            SameDiff sd = SameDiff.create();
            long h = 9, w = 7, ch = 6;
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, h, w, ch);
            SDVariable weights = sd.var("w", Nd4j.rand(DataType.FLOAT, c.kernel(), c.kernel(), ch, c.mult()).subi(0.5));
            SDVariable b = sd.var("b", Nd4j.rand(DataType.FLOAT, ch * c.mult()).subi(0.5));
            var config = org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig.builder().kH(c.kernel()).kW(c.kernel())
                    .sH(c.stride()).sW(c.stride()).pH(c.pad()).pW(c.pad()).dH(c.dilation()).dW(c.dilation())
                    .paddingMode(org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode.VALID).dataFormat("NHWC").build();
            SDVariable y = c.bias() ? sd.cnn().depthWiseConv2d(x, weights, b, config) : sd.cnn().depthWiseConv2d(x, weights, config);
            long[] outShape = y.eval(Map.of("x", Nd4j.rand(DataType.FLOAT, 3, h, w, ch))).shape();
            SDVariable r = sd.placeHolder("r", DataType.FLOAT, outShape);
            switch (c.post()) {
                case "gelu_erf" -> y = Ops.exactGelu(y);
                case "quick_gelu" -> y = Ops.quickGelu(y);
                case "residual" -> y = r.add(y);
                case "layer_scale + residual" -> y = r.add(y.mul(sd.var("gamma", Nd4j.rand(DataType.FLOAT, ch * c.mult()))));
                default -> {
                }
            }
            SDVariable out = y.mul(1.0);
            String expected = "depthwise conv" + (c.bias() ? " + bias" : "") + (c.post().isEmpty() ? "" : " + " + c.post()) + " (onednn)";
            Map<String, long[]> shapes = Map.of("x", new long[]{3, h, w, ch}, "r", outShape);
            assertMatches(sd, shapes, out.name(), expected, 1e-5);
            ExecutionPlan plan = ExecutionPlan.build(sd, shapes, List.of(out.name()));
            weights.getArr().assign(Nd4j.rand(DataType.FLOAT, weights.getArr().shape()));
            Map<String, INDArray> in = Map.of("x", Nd4j.rand(DataType.FLOAT, 3, h, w, ch), "r", Nd4j.rand(DataType.FLOAT, outShape));
            INDArray want = ExecutionPlan.build(sd, shapes, List.of(out.name()), ExecutionPlan.Options.graphOpsOnly()).run(in).get(out.name());
            double err = want.sub(plan.run(in).get(out.name())).amaxNumber().doubleValue() / want.amaxNumber().doubleValue();
            assertTrue(err < 1e-5, c + " after new weights: relative error " + err);
        }
    }

    /** Dense convolutions on NHWC grids (patch embeddings, CvT's token embeddings, PatchConvNet's stem), with bias and GELU. */
    @Test
    void denseConvolutionsWithPostOps() {
        record Case(long kernel, long stride, long pad, long in, long out, boolean bias, String post) {
        }
        for (Case c : List.of(new Case(3, 2, 1, 8, 12, false, "gelu_erf"), new Case(7, 4, 2, 3, 16, true, ""),
                new Case(4, 4, 0, 3, 10, true, ""), new Case(3, 1, 1, 5, 6, true, "residual"))) {
            SameDiff sd = SameDiff.create();
            long h = 13, w = 11;
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, h, w, c.in());
            SDVariable weights = sd.var("w", Nd4j.rand(DataType.FLOAT, c.kernel(), c.kernel(), c.in(), c.out()).subi(0.5));
            SDVariable b = sd.var("b", Nd4j.rand(DataType.FLOAT, c.out()).subi(0.5));
            var config = Ops.nhwcConvConfig(c.kernel(), c.stride(), c.pad());
            SDVariable y = c.bias() ? sd.cnn().conv2d(x, weights, b, config) : sd.cnn().conv2d(x, weights, config);
            long[] outShape = y.eval(Map.of("x", Nd4j.rand(DataType.FLOAT, 2, h, w, c.in()))).shape();
            SDVariable r = sd.placeHolder("r", DataType.FLOAT, outShape);
            if (c.post().equals("gelu_erf")) y = Ops.exactGelu(y);
            if (c.post().equals("residual")) y = r.add(y);
            SDVariable out = y.mul(1.0);
            String expected = "conv" + (c.bias() ? " + bias" : "") + (c.post().isEmpty() ? "" : " + " + c.post()) + " (onednn)";
            assertMatches(sd, Map.of("x", new long[]{2, h, w, c.in()}, "r", outShape), out.name(), expected, 1e-5);
        }
    }

    /** A mean over a grid's spatial axes is a product with a row of 1/n; a mean over the last axis stays the Java kernel's. */
    @Test
    void gridMeansAreProductsAndRowMeansJavaKernels() {
        for (long[] shape : new long[][]{{3, 7, 5, 16}, {1, 14, 14, 384}}) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, shape);
            SDVariable out = x.mul(2.0).mean(true, 1, 2).mul(1.0);
            assertMatches(sd, Map.of("x", shape), out.name(), "reduce_mean (onednn)", 1e-5); // a product: another summation order
        }
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 40, 24);
        SDVariable out = x.mul(2.0).mean(true, 1).mul(1.0);
        ExecutionPlan plan = assertMatches(sd, Map.of("x", new long[]{40, 24}), out.name(), "reduce_mean (java)", 1e-6);
        assertEquals(null, plan.rewrites().get("reduce_mean (onednn)"), plan.rewrites().toString());
    }

    /**
     * A training graph's {@code add_bp} / {@code subtract_bp} where one operand broadcasts: its
     * gradient a product with a row of ones, against the sum in double (as close as the graph's
     * own op is, or within 1e-6); the full operand's gradient the incoming gradient, in the
     * memory the rest of the pass reads, or copied where the caller asks for it. A full
     * subtrahend and operands of one shape stay the Java kernel's, under its name.
     */
    @Test
    void broadcastSumGradientsAreProductsWithOnes() {
        long[][][] cases = {{{300, 24}, {24}}, {{3, 1000, 7}, {1, 1, 7}}, {{2, 5000, 3}, {2, 1, 3}}, {{4, 9, 8}, {4, 1, 1}},
                {{2, 5, 6, 16}, {2, 1, 1, 16}}, {{40, 30}, {40, 30}}};
        for (long[][] c : cases) {
            for (String op : new String[]{"h+f", "f+h", "h-f", "f-h"}) {
                for (boolean hGradRequested : new boolean[]{false, true}) assertSumGradients(c[0], c[1], op, hGradRequested);
            }
        }
    }

    /** {@code loss = sum(upstream * (h op f))} with {@code h = x * w}: f's, w's (and h's) gradients. */
    private static void assertSumGradients(long[] hShape, long[] fShape, String op, boolean hGradRequested) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, hShape);
        SDVariable w = sd.var("w", Nd4j.rand(DataType.FLOAT, hShape).subi(0.5));
        SDVariable h = x.mul(w), f = sd.var("f", Nd4j.rand(DataType.FLOAT, fShape).subi(0.5));
        SDVariable y = switch (op) {
            case "h+f" -> h.add(f);
            case "f+h" -> f.add(h);
            case "h-f" -> h.sub(f);
            default -> f.sub(h);
        };
        INDArray upstream = Nd4j.rand(DataType.FLOAT, hShape).subi(0.5);
        sd.setLossVariables(y.mul(sd.constant(upstream)).sum().rename("loss").name());
        sd.createGradFunction();
        SameDiff grad = sd.getFunction("grad");
        List<String> outs = new java.util.ArrayList<>(List.of(f.gradient().name(), w.gradient().name()));
        if (hGradRequested) outs.add(h.gradient().name());
        ExecutionPlan plan = ExecutionPlan.build(grad, Map.of("x", hShape), outs);
        String what = java.util.Arrays.toString(hShape) + " " + op + " " + java.util.Arrays.toString(fShape)
                + (hGradRequested ? " (h-grad asked for)" : "");
        String name = op.contains("-") ? "subtract_bp" : "add_bp";
        boolean product = !java.util.Arrays.equals(hShape, fShape) && !op.equals("f-h");
        assertEquals(1, plan.rewrites().getOrDefault(name + (product ? " (onednn)" : " (java)"), 0), what + ": " + plan.rewrites());
        INDArray in = Nd4j.rand(DataType.FLOAT, hShape).subi(0.5);
        Map<String, INDArray> want = ExecutionPlan.build(grad, Map.of("x", hShape), outs, ExecutionPlan.Options.graphOpsOnly())
                .run(Map.of("x", in)), got = plan.run(Map.of("x", in));
        for (String o : outs.subList(1, outs.size())) assertEquals(want.get(o), got.get(o), what + " " + o);
        long[] split = JavaKernels.split(hShape, fShape);
        if (split == null) {
            assertEquals(want.get(outs.get(0)), got.get(outs.get(0)), what + " f-grad");
            return;
        }
        INDArray exact = upstream.castTo(DataType.DOUBLE).muli(op.equals("h-f") ? -1 : 1).reshape(split).sum(1).reshape(fShape);
        double nativeError = ExecutionPlanTest.maxAbsDiff(exact, want.get(outs.get(0)));
        double error = ExecutionPlanTest.maxAbsDiff(exact, got.get(outs.get(0)));
        double scale = Math.max(1, exact.amaxNumber().doubleValue());
        assertTrue(error <= Math.max(2 * nativeError, 1e-6 * scale), what + " f-grad: " + error + ", the graph's op " + nativeError);
    }

    /** A softmax over another axis is not oneDNN's here: the plan runs the graph's op. */
    @Test
    void softmaxOverAnotherAxisRunsTheGraphsOp() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 4, 5, 6);
        SDVariable out = sd.nn().softmax(x, 1).mul(1.0);
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", new long[]{4, 5, 6}), List.of(out.name()));
        assertEquals(Map.of("softmax (onednn)", 1), plan.declinedRewrites());
        INDArray in = Nd4j.rand(DataType.FLOAT, 4, 5, 6);
        assertEquals(sd.output(Map.of("x", in), out.name()).get(out.name()), plan.run(Map.of("x", in)).get(out.name()));
    }

    /** The plan with oneDNN fired the expected rewrite and agrees with the graph's own ops within {@code tolerance} (relative to the largest value). */
    private static ExecutionPlan assertMatches(SameDiff sd, Map<String, long[]> shapes, String out, String rewrite, double tolerance) {
        ExecutionPlan plan = ExecutionPlan.build(sd, shapes, List.of(out));
        assertTrue(plan.rewrites().containsKey(rewrite), "fired " + plan.rewrites() + ", declined " + plan.declinedRewrites());
        ExecutionPlan reference = ExecutionPlan.build(sd, shapes, List.of(out), ExecutionPlan.Options.graphOpsOnly());
        for (int seed = 0; seed < 2; seed++) {
            Nd4j.getRandom().setSeed(seed);
            Map<String, INDArray> in = new java.util.HashMap<>();
            shapes.forEach((name, shape) -> in.put(name, Nd4j.rand(DataType.FLOAT, shape).subi(0.5).muli(4)));
            INDArray want = reference.run(in).get(out), got = plan.run(in).get(out);
            double scale = Math.max(1e-30, want.amaxNumber().doubleValue());
            double err = want.sub(got).amaxNumber().doubleValue() / scale;
            assertTrue(err <= tolerance, rewrite + " seed " + seed + ": relative error " + err);
        }
        return plan;
    }
}
