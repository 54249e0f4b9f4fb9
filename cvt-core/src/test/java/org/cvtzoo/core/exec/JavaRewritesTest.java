package org.cvtzoo.core.exec;

import org.cvtzoo.core.graph.Ops;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.cvtzoo.core.exec.ExecutionPlanTest.assertWithinKernelTolerance;
import static org.cvtzoo.core.exec.ExecutionPlanTest.maxAbsDiff;
import static org.cvtzoo.core.exec.ExecutionPlanTest.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Java kernels that plans run in place of GELU and LayerNorm chains: which chains they take
 * (and which they must leave alone), and their values against exact math and against the
 * graph's own ops.
 */
class JavaRewritesTest {
    /** The Java kernels alone (where oneDNN runs, it takes some of these chains first: {@code DnnlRewritesTest}). */
    private static final ExecutionPlan.Options JAVA = ExecutionPlan.Options.withoutOneDnn();


    /** erf and tanh of the kernels against the exact functions on a dense grid, and at the edges. */
    @Test
    void erfAndTanhAreWithin4e7OfExact() {
        double worstErf = 0, worstTanh = 0;
        for (int i = -2_000_000; i <= 2_000_000; i++) {
            float x = i * 6e-6f;  // [-12, 12]
            worstErf = Math.max(worstErf, Math.abs(FloatKernels.erf(x) - erf(x)));
            worstTanh = Math.max(worstTanh, Math.abs(FloatKernels.tanh(x) - Math.tanh(x)));
        }
        assertTrue(worstErf < 4e-7, "erf: " + worstErf);
        assertTrue(worstTanh < 4e-7, "tanh: " + worstTanh);
        for (float big : new float[]{30f, 1e30f, Float.POSITIVE_INFINITY}) {
            assertEquals(1f, FloatKernels.erf(big));
            assertEquals(-1f, FloatKernels.erf(-big));
            assertEquals(1f, FloatKernels.tanh(big));
        }
        assertEquals(0f, FloatKernels.erf(0f));
        assertTrue(Float.isNaN(FloatKernels.erf(Float.NaN)) && Float.isNaN(FloatKernels.tanh(Float.NaN)));
    }

    /** erf by its series (|x| < 3) or continued fraction, in double: independent of the kernel's fit. */
    private static double erf(double x) {
        double a = Math.abs(x), r;
        if (a < 3) {
            double term = a, sum = a;
            for (int n = 1; n < 200; n++) {
                term *= -a * a / n;
                sum += term / (2 * n + 1);
            }
            r = 2 / Math.sqrt(Math.PI) * sum;
        } else {
            double f = 0;
            for (int n = 60; n >= 1; n--) f = n / 2.0 / (a + f);
            r = 1 - Math.exp(-a * a) / Math.sqrt(Math.PI) / (a + f);
        }
        return Math.copySign(r, x);
    }

    @Test
    void exactGeluChainIsOneKernelWithinToleranceOfTheGraph() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 37);
        SDVariable y = Ops.exactGelu(x);
        // large enough to be split over threads, and not a multiple of the chunk
        assertFusedRunMatches(sd, new long[]{2001, 37}, y.name(), 1, "exact_gelu (java)");
        INDArray in = Nd4j.linspace(-9, 9, 2001 * 37, DataType.FLOAT).reshape(2001, 37);
        INDArray got = ExecutionPlan.build(sd, Map.of("x", new long[]{2001, 37}), List.of(y.name()), JAVA).run(Map.of("x", in)).get(y.name());
        INDArray d = in.castTo(DataType.DOUBLE);
        double worst = 0;
        for (long i = 0; i < d.length(); i++) {
            double v = d.getDouble(i);
            worst = Math.max(worst, Math.abs(got.getDouble(i) - 0.5 * v * (1 + erf(v / Math.sqrt(2)))));
        }
        assertTrue(worst < 2e-6, "exact GELU against double math on [-9, 9]: " + worst);
    }

    @Test
    void quickGeluIsOneKernelWithinToleranceOfTheGraph() {
        SameDiff sd = SameDiff.create();
        SDVariable y = Ops.quickGelu(sd.placeHolder("x", DataType.FLOAT, -1, 5, 6));
        assertFusedRunMatches(sd, new long[]{3, 5, 6}, y.name(), 1, "gelu (java)");
    }

    /** QuickGELU's backward: the derivative op as a kernel, in the gradient function of a training graph. */
    @Test
    void quickGeluDerivativeMatchesTheGraph() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 40, 50);
        SDVariable w = sd.var("w", random(3, 40, 50));
        SDVariable loss = Ops.quickGelu(x.mul(w)).mul(sd.constant(random(4, 40, 50))).sum().rename("loss");
        sd.setLossVariables(loss.name());
        sd.createGradFunction();
        SameDiff grad = sd.getFunction("grad");
        String dw = w.gradient().name();
        INDArray in = random(5, 40, 50).muli(3);
        ExecutionPlan plan = ExecutionPlan.build(grad, Map.of("x", new long[]{40, 50}), List.of(dw), JAVA);
        List<String> heard = listen(grad);
        INDArray got = plan.run(Map.of("x", in)).get(dw);
        assertTrue(heard.contains("gelu_derivative (java)"), "heard " + heard);
        grad.setListeners();
        assertWithinKernelTolerance(grad.output(Map.of("x", in), dw).get(dw), got, "d loss / d w");
    }

    @Test
    void layerNormOverTheLastAxisIsOneKernel() {
        for (long[] shape : new long[][]{{4, 3, 5, 24}, {700, 384}, {2, 7}}) {
            SameDiff sd = SameDiff.create();
            long c = shape[shape.length - 1];
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, shape);
            SDVariable y = Ops.layerNorm(x.mul(3).add(5), sd.var("g", random(3, c)), sd.var("b", random(4, c)), 1e-6,
                    shape.length - 1, false);
            assertFusedRunMatches(sd, shape, y.name(), 3, "layer_norm (java)");
        }
    }

    /** A linear layer's bias taken into the activation after it, and into the residual connection after it. */
    @Test
    void biasAddsJoinTheKernelsAfterThem() {
        for (boolean exact : new boolean[]{true, false}) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 24);
            SDVariable hidden = sd.mmul(x, sd.var("w1", random(3, 24, 40))).add(sd.var("b1", random(4, 40)));
            SDVariable act = exact ? Ops.exactGelu(hidden) : Ops.quickGelu(hidden);
            SDVariable out = x.add(sd.mmul(act, sd.var("w2", random(5, 40, 24))).add(sd.var("b2", random(6, 24))));
            assertFusedRunMatches(sd, new long[]{300, 24}, out.name(), 4, exact ? "bias + exact_gelu (java)" : "bias + gelu (java)");
            assertFusedRunMatches(sd, new long[]{300, 24}, out.name(), 4, "bias + residual (java)");
        }
    }

    /** The same chain where a kernel cannot take it: the plan runs the group's own ops, bit for bit. */
    @Test
    void layerNormOverAnotherAxisRunsTheGraphsOps() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 6, 5);
        SDVariable y = Ops.layerNorm(x, sd.var("g", random(3, 6, 1)), sd.var("b", random(4, 6, 1)), 1e-5, 1, false);
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", new long[]{2, 6, 5}), List.of(y.name()), JAVA);
        assertEquals(7, plan.opCount());
        INDArray in = random(9, 2, 6, 5);
        assertEquals(0.0, maxAbsDiff(sd.output(Map.of("x", in), y.name()).get(y.name()), plan.run(Map.of("x", in)).get(y.name())));
    }

    /** An intermediate read by another op, or asked for, must be computed: no fusion. */
    @Test
    void chainsWhoseIntermediatesAreNeededStayOps() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 8);
        SDVariable gelu = Ops.exactGelu(x);
        String scaled = outputOfFirst(sd, "mul_scalar"), erf = outputOfFirst(sd, "erf");
        SDVariable other = gelu.add(sd.getVariable(scaled));  // the scaled input is read twice
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", new long[]{3, 8}), List.of(other.name()), JAVA);
        assertEquals(6, plan.opCount(), "five GELU ops and the add");

        ExecutionPlan asked = ExecutionPlan.build(sd, Map.of("x", new long[]{3, 8}), List.of(gelu.name(), erf), JAVA);
        assertEquals(5, asked.opCount(), "erf's output is requested");
        INDArray in = random(2, 3, 8);
        assertEquals(0.0, maxAbsDiff(sd.output(Map.of("x", in), erf).get(erf), asked.run(Map.of("x", in)).get(erf)));
    }

    private static String outputOfFirst(SameDiff sd, String opName) {
        return sd.getOps().values().stream().filter(o -> o.getOp().opName().equals(opName)).findFirst().orElseThrow()
                .getOutputsOfOp().get(0);
    }

    @Test
    void graphOpsOnlyPlansRunNoKernel() {
        SameDiff sd = SameDiff.create();
        SDVariable y = Ops.exactGelu(sd.placeHolder("x", DataType.FLOAT, -1, 4));
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", new long[]{2, 4}), List.of(y.name()),
                ExecutionPlan.Options.graphOpsOnly());
        assertEquals(5, plan.opCount());
    }

    /** Permutes keeping the last axis last, and unstacks along the first: copies, so bit for bit. */
    @Test
    void permutesAndUnstacksAreExactCopies() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 3, 70, 6, 64);
        SDVariable heads = sd.permute(x, 2, 0, 1, 3);                 // kernel
        SDVariable swapped = sd.permute(x, 1, 0, 2, 3);               // kernel
        SDVariable lastMoved = sd.permute(x, 0, 1, 3, 2);             // the last axis moves: native
        SDVariable[] parts = sd.unstack(sd.permute(x, 0, 2, 1, 3), 0, 3);
        List<String> outs = new ArrayList<>(List.of(heads.name(), swapped.name(), lastMoved.name()));
        for (SDVariable p : parts) outs.add(p.name());
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", new long[]{3, 70, 6, 64}), outs, JAVA);
        INDArray in = random(4, 3, 70, 6, 64);
        Map<String, INDArray> want = sd.output(Map.of("x", in), outs.toArray(new String[0]));
        Map<String, INDArray> got = plan.run(Map.of("x", in));
        for (String o : outs) {
            assertArrayEquals(want.get(o).shape(), got.get(o).shape(), o);
            assertEquals(0.0, maxAbsDiff(want.get(o), got.get(o)), o);
        }
    }

    /** Concatenations along the first, a middle and the last axis (negative too), of two and three arrays: copies, bit for bit. */
    @Test
    void concatenationsAreExactCopies() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 4, 7, 5);
        SDVariable cls = sd.nn().tanh(sd.slice(x, new int[]{0, 0, 0}, 4, 1, 5));
        SDVariable tokens = sd.concat(1, cls, x);                                        // the class token before the patches
        SDVariable three = sd.concat(-1, x, sd.math().exp(x), sd.slice(x, new int[]{0, 0, 0}, 4, 7, 2));
        SDVariable rows = sd.concat(0, x, sd.math().neg(x));
        List<String> outs = List.of(tokens.name(), three.name(), rows.name());
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", new long[]{4, 7, 5}), outs, JAVA);
        assertEquals(3, plan.rewrites().get("concat (java)"), "every concat a kernel: " + plan.rewrites());
        INDArray in = random(5, 4, 7, 5);
        Map<String, INDArray> want = sd.output(Map.of("x", in), outs.toArray(new String[0]));
        Map<String, INDArray> got = plan.run(Map.of("x", in));
        for (String o : outs) {
            assertArrayEquals(want.get(o).shape(), got.get(o).shape(), o);
            assertEquals(0.0, maxAbsDiff(want.get(o), got.get(o)), o);
        }
    }

    @Test
    void broadcastsSplitIntoOuterMidInner() {
        assertArrayEquals(new long[]{1, 12, 5}, JavaKernels.split(new long[]{3, 4, 5}, new long[]{5}));
        assertArrayEquals(new long[]{12, 5, 1}, JavaKernels.split(new long[]{12, 5}, new long[]{12, 1}));
        assertArrayEquals(new long[]{2, 12, 5}, JavaKernels.split(new long[]{2, 3, 4, 5}, new long[]{2, 1, 1, 5}));
        assertArrayEquals(new long[]{2, 20, 1}, JavaKernels.split(new long[]{2, 4, 5}, new long[]{2, 1, 1}));
        assertArrayEquals(new long[]{1, 2, 20}, JavaKernels.split(new long[]{2, 4, 5}, new long[]{1, 4, 5}));
        assertNull(JavaKernels.split(new long[]{2, 3, 4, 5}, new long[]{1, 3, 4, 1}), "broadcast, kept, broadcast");
        assertNull(JavaKernels.split(new long[]{3, 4}, new long[]{3, 4}), "no broadcast");
        assertNull(JavaKernels.split(new long[]{3, 4}, new long[]{2, 4}), "not broadcastable");
    }

    /**
     * A sum's backward passes the gradient through: the operands' gradients of a residual
     * {@code h + tanh(h)} (and of a difference's first operand) are the incoming gradient's
     * memory, not copies, where only later ops read them; the values are the graph's.
     */
    @Test
    void sumGradientsShareTheIncomingGradientsMemory() {
        long[] shape = {6, 50, 8};
        long bytes = 4L * 6 * 50 * 8;
        for (boolean subtract : new boolean[]{false, true}) {
            SameDiff sd = SameDiff.create();
            SDVariable h = sd.placeHolder("x", DataType.FLOAT, shape).mul(sd.var("w", random(10, 8)));
            SDVariable t = sd.math().tanh(h);
            SDVariable z = subtract ? h.sub(t) : h.add(t);
            SDVariable loss = sd.math().square(z).sum().rename("loss");
            sd.setLossVariables(loss.name());
            sd.createGradFunction();
            SameDiff grad = sd.getFunction("grad");
            List<String> outs = List.of(sd.getVariable("w").gradient().name());
            INDArray in = random(11, shape);
            INDArray want = grad.output(Map.of("x", in), outs.get(0)).get(outs.get(0));
            ExecutionPlan.Options own = new ExecutionPlan.Options(false, true, false), ops = new ExecutionPlan.Options(false, false, false);
            ExecutionPlan plan = ExecutionPlan.build(grad, Map.of("x", shape), outs, own);
            long graphOps = ExecutionPlan.build(grad, Map.of("x", shape), outs, ops).intermediateBytes();
            assertEquals(graphOps - (subtract ? 1 : 2) * bytes, plan.intermediateBytes(),
                    (subtract ? "h - t: h's gradient" : "h + t: both operands' gradients") + " without a memory of their own");
            assertWithinKernelTolerance(want, plan.run(Map.of("x", in)).get(outs.get(0)), subtract ? "h - t" : "h + t");
        }
    }

    /**
     * Gradients of {@code x * f}, {@code x + f}, {@code x - f} and {@code f - x} for each
     * broadcast the blocks use (a gain per channel, a statistic per row, squeeze-excitation's
     * gate per image and channel, a drop-path mask per image), the same shape, and one broadcast
     * the kernels do not take: the plan against output() of the gradient function, and f's
     * gradient (a sum of thousands of terms) against the sum in double.
     */
    @Test
    void elementwiseBackwardsMatchTheGraph() {
        long[][][] cases = {
                {{300, 24}, {24}}, {{300, 24}, {300, 1}}, {{2, 5, 6, 16}, {2, 1, 1, 16}}, {{4, 9, 8}, {4, 1, 1}},
                {{3, 1000, 7}, {1, 1, 7}}, {{2, 5000, 3}, {2, 1, 3}}, {{2, 3, 4, 5}, {1, 3, 4, 1}}, {{40, 30}, {40, 30}}};
        for (long[][] c : cases) {
            for (String op : new String[]{"x*f", "f*x", "x+f", "x-f", "f-x"}) {
                SameDiff sd = SameDiff.create();
                SDVariable x = sd.placeHolder("x", DataType.FLOAT, c[0]);
                SDVariable f = sd.var("f", random(7, c[1]));
                SDVariable y = switch (op) {
                    case "x*f" -> x.mul(f);
                    case "f*x" -> f.mul(x);
                    case "x+f" -> x.add(f);
                    case "x-f" -> x.sub(f);
                    default -> f.sub(x);
                };
                INDArray upstream = random(8, c[0]);
                SDVariable loss = y.mul(sd.constant(upstream)).sum().rename("loss");
                sd.setLossVariables(loss.name());
                sd.createGradFunction();
                SameDiff grad = sd.getFunction("grad");
                List<String> outs = List.of(x.gradient().name(), f.gradient().name());
                INDArray in = random(9, c[0]);
                Map<String, INDArray> want = grad.output(Map.of("x", in), outs.toArray(new String[0]));
                ExecutionPlan plan = ExecutionPlan.build(grad, Map.of("x", c[0]), outs, JAVA);
                List<String> heard = listen(grad);
                Map<String, INDArray> got = plan.run(Map.of("x", in));
                grad.setListeners();
                String what = java.util.Arrays.deepToString(c) + " " + op;
                boolean kernel = heard.stream().anyMatch(n -> n.endsWith("_bp (java)") || n.endsWith("_bp (java)"));
                boolean sameShapeProduct = op.contains("*") && java.util.Arrays.equals(c[0], c[1]);
                assertEquals(JavaKernels.split(c[0], c[1]) != null || !sameShapeProduct && java.util.Arrays.equals(c[0], c[1]), kernel,
                        what + ": a kernel ran? " + heard);
                assertWithinKernelTolerance(want.get(outs.get(0)), got.get(outs.get(0)), what + " x-grad");
                long[] split = JavaKernels.split(c[0], c[1]);
                if (split == null) {
                    assertWithinKernelTolerance(want.get(outs.get(1)), got.get(outs.get(1)), what + " f-grad");
                    continue;
                }
                INDArray dydf = op.contains("*") ? in.castTo(DataType.DOUBLE)
                        : Nd4j.ones(DataType.DOUBLE, c[0]).muli(op.equals("f-x") ? 1 : op.equals("x-f") ? -1 : 1);
                INDArray exact = dydf.mul(upstream.castTo(DataType.DOUBLE)).reshape(split).sum(1).reshape(c[1]);
                double nativeError = maxAbsDiff(exact, want.get(outs.get(1))), kernelError = maxAbsDiff(exact, got.get(outs.get(1)));
                double scale = Math.max(1, Transforms.abs(exact).maxNumber().doubleValue());
                assertTrue(kernelError <= Math.max(2 * nativeError, 1e-6 * scale),
                        what + " f-grad: kernel " + kernelError + ", native " + nativeError + " from the exact sum");
            }
        }
    }

    /**
     * A training graph's LayerNorm (with x also read by a residual add, so that x's gradient has
     * another part, and without): its backward pass runs as one kernel and its forward chain as
     * one LayerNorm, the gradients of x, the gain and the bias as the graph's own ops give them;
     * the plan keeps fewer arrays alive. Rows and channels that are not multiples of the kernel's
     * chunks and lanes.
     */
    @Test
    void trainingLayerNormIsOneKernelEachWay() {
        for (long[] shape : new long[][]{{300, 24}, {7, 13, 37}, {2, 5000, 3}}) {
            for (boolean residual : new boolean[]{true, false}) {
                SameDiff sd = SameDiff.create();
                long c = shape[shape.length - 1];
                SDVariable x = sd.placeHolder("x", DataType.FLOAT, shape);
                SDVariable h = x.mul(sd.var("w", random(3, c)));
                SDVariable gain = sd.var("gain", random(4, c)), bias = sd.var("bias", random(5, c));
                SDVariable y = Ops.layerNorm(h, gain, bias, 1e-5, shape.length - 1, true);
                if (residual) y = y.add(h);
                SDVariable loss = y.mul(sd.constant(random(6, shape))).sum().rename("loss");
                sd.setLossVariables(loss.name());
                sd.createGradFunction();
                SameDiff grad = sd.getFunction("grad");
                List<String> outs = List.of(x.gradient().name(), gain.gradient().name(), bias.gradient().name());
                INDArray in = random(9, shape).muli(3).addi(1);
                Map<String, INDArray> want = grad.output(Map.of("x", in), outs.toArray(new String[0]));
                ExecutionPlan plan = ExecutionPlan.build(grad, Map.of("x", shape), outs, JAVA);
                String what = java.util.Arrays.toString(shape) + (residual ? " with a residual" : "");
                assertEquals(Map.of("layer_norm (java)", 1, "layer_norm_bp (java)", 1),
                        plan.rewrites().entrySet().stream().filter(e -> e.getKey().startsWith("layer_norm"))
                                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)), what);
                Map<String, INDArray> got = plan.run(Map.of("x", in));
                assertWithinKernelTolerance(want.get(outs.get(0)), got.get(outs.get(0)), what + " x-grad");
                // the gain's and bias's gradients sum over every row: held to the exact sums, as closely as the graph's own ops
                long rows = in.length() / c;
                INDArray hd = in.castTo(DataType.DOUBLE).reshape(rows, c).mulRowVector(sd.getArrForVarName("w").castTo(DataType.DOUBLE));
                INDArray centred = hd.subColumnVector(hd.mean(1));
                INDArray xhat = centred.divColumnVector(Transforms.sqrt(centred.mul(centred).mean(1).add(1e-5)));
                INDArray upstream = random(6, shape).castTo(DataType.DOUBLE).reshape(rows, c);
                Map<String, INDArray> exact = Map.of(outs.get(1), upstream.mul(xhat).sum(0), outs.get(2), upstream.sum(0));
                exact.forEach((o, e) -> {
                    double nativeError = maxAbsDiff(e, want.get(o).reshape(c)), kernelError = maxAbsDiff(e, got.get(o).reshape(c));
                    double scale = Math.max(1, Transforms.abs(e).maxNumber().doubleValue());
                    assertTrue(kernelError <= Math.max(2 * nativeError, 1e-6 * scale),
                            what + " " + o + ": kernel " + kernelError + ", native " + nativeError + " from the exact sum");
                });
            }
        }
    }

    private static List<String> listen(SameDiff sd) {
        List<String> heard = new ArrayList<>();
        sd.setListeners(new BaseListener() {
            @Override
            public boolean isActive(Operation operation) {
                return true;
            }

            @Override
            public void opExecution(SameDiff s, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx, INDArray[] outputs) {
                heard.add(op.getOp().opName());
            }
        });
        return heard;
    }

    /** A mean over kept axes (rows, channels of an NHWC grid, everything), and one over axes apart (native). */
    @Test
    void keptMeansMatchTheGraph() {
        for (int[] axes : new int[][]{{3}, {0, 1, 2}, {0, 1, 2, 3}, {1, 2}, {0, 2}}) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, 4, 6, 5, 800);
            SDVariable m = x.mul(3).add(2).mean(true, axes);
            ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", new long[]{4, 6, 5, 800}), List.of(m.name()), JAVA);
            List<String> heard = listen(sd);
            INDArray in = random(5, 4, 6, 5, 800);
            INDArray got = plan.run(Map.of("x", in)).get(m.name());
            sd.setListeners();
            assertEquals(axes.length != 2 || axes[0] == 1, heard.contains("reduce_mean (java)"), java.util.Arrays.toString(axes) + " " + heard);
            // against the mean in double: the kernel sums in double across chunks, at least as close as the native op
            INDArray exact = in.castTo(DataType.DOUBLE).mul(3).add(2).mean(true, axes);
            double kernelError = maxAbsDiff(exact, got), nativeError = maxAbsDiff(exact, sd.output(Map.of("x", in), m.name()).get(m.name()));
            assertTrue(kernelError <= Math.max(2 * nativeError, 1e-6), java.util.Arrays.toString(axes) + ": kernel " + kernelError
                    + ", native " + nativeError);
        }
    }

    /** The gradient of a mean over kept axes (rows, channels of an NHWC grid, everything). */
    @Test
    void meanBackwardMatchesTheGraph() {
        for (int[] axes : new int[][]{{1}, {0, 1, 2}, {0, 1, 2, 3}, {1, 2}}) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, 4, 6, 5, 8);
            SDVariable w = sd.var("w", random(3, 4, 6, 5, 8));
            SDVariable m = x.mul(w).mean(true, axes);
            SDVariable loss = m.mul(sd.constant(random(4, m.eval(Map.of("x", random(1, 4, 6, 5, 8))).shape()))).sum().rename("loss");
            sd.setLossVariables(loss.name());
            sd.createGradFunction();
            SameDiff grad = sd.getFunction("grad");
            String dw = w.gradient().name();
            INDArray in = random(5, 4, 6, 5, 8);
            ExecutionPlan plan = ExecutionPlan.build(grad, Map.of("x", new long[]{4, 6, 5, 8}), List.of(dw), JAVA);
            assertWithinKernelTolerance(grad.output(Map.of("x", in), dw).get(dw), plan.run(Map.of("x", in)).get(dw),
                    "mean over " + java.util.Arrays.toString(axes));
        }
    }

    /** A chain fused, the run heard by a listener as the fused op, and values against output(). */
    private static void assertFusedRunMatches(SameDiff sd, long[] shape, String out, int ops, String fusedName) {
        List<String> heard = listen(sd);
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", shape), List.of(out), JAVA);
        assertEquals(ops, plan.opCount(), "ops in the plan");
        for (long seed : new long[]{1, 2}) {
            INDArray in = random(seed, shape).muli(2);
            INDArray want = sd.output(Map.of("x", in), out).get(out);
            heard.clear();
            INDArray got = plan.run(Map.of("x", in)).get(out);
            assertTrue(heard.contains(fusedName), "heard " + heard);
            assertWithinKernelTolerance(want, got, fusedName + " seed " + seed);
            assertTrue(Transforms.abs(want).sumNumber().doubleValue() > 0, "not all zero");
        }
        sd.setListeners();
    }
}
