package org.cvtzoo.core.exec;

import org.cvtzoo.core.graph.Ops;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.listeners.At;
import org.nd4j.autodiff.listeners.BaseListener;
import org.nd4j.autodiff.listeners.Operation;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Plans on small hand-built graphs of each kind of op the families use, against SameDiff's own
 * {@code output()} on the same graph, on two different inputs in a row: equal bit for bit when
 * the plan runs the graph's own ops only, and within {@link #KERNEL_TOLERANCE} with its Java
 * kernels (the default).
 */
class ExecutionPlanTest {

    static INDArray random(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5).muli(4);
    }

    /** Largest |plan - output()| allowed with Java kernels, relative to the output's largest value (at least 1). */
    static final double KERNEL_TOLERANCE = 1e-6;

    /**
     * Builds plans for x's shape, runs them on two inputs in turn: with the graph's own ops, each
     * output must equal sd.output's exactly; with the default options, within the tolerance.
     * Returns the default plan.
     */
    private static ExecutionPlan assertPlanMatches(SameDiff sd, long[] shape, String... outputs) {
        ExecutionPlan exact = ExecutionPlan.build(sd, Map.of("x", shape), List.of(outputs), ExecutionPlan.Options.graphOpsOnly());
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", shape), List.of(outputs));
        for (long seed : new long[]{1, 2}) {
            INDArray x = random(seed, shape);
            Map<String, INDArray> want = sd.output(Map.of("x", x), outputs);
            Map<String, INDArray> got = exact.run(Map.of("x", x));
            Map<String, INDArray> fast = plan.run(Map.of("x", x));
            for (String out : outputs) {
                assertArrayEquals(want.get(out).shape(), got.get(out).shape(), out + " shape");
                assertEquals(want.get(out), got.get(out), out + " values (seed " + seed + ")");
                assertEquals(0.0, maxAbsDiff(want.get(out), got.get(out)), out + " bit for bit (seed " + seed + ")");
                assertArrayEquals(want.get(out).shape(), fast.get(out).shape(), out + " shape with kernels");
                assertWithinKernelTolerance(want.get(out), fast.get(out), out + " with kernels (seed " + seed + ")");
            }
        }
        exact.close();
        return plan;
    }

    static void assertWithinKernelTolerance(INDArray want, INDArray got, String what) {
        double scale = Math.max(1, want.castTo(DataType.DOUBLE).amaxNumber().doubleValue());
        double diff = maxAbsDiff(want, got);
        assertTrue(diff <= KERNEL_TOLERANCE * scale, what + ": max |plan - output()| " + diff + " at scale " + scale);
    }

    static double maxAbsDiff(INDArray a, INDArray b) {
        return a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
    }

    private static SDVariable param(SameDiff sd, String name, long seed, long... shape) {
        return sd.var(name, random(seed, shape));
    }

    @Test
    void linearSoftmaxAndLayerNormPieces() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 5, 8);
        SDVariable rows = sd.reshape(x, -1, 8);
        SDVariable y = sd.reshape(sd.mmul(rows, param(sd, "w", 10, 8, 6)).add(param(sd, "b", 11, 6)), -1, 5, 6);
        SDVariable norm = Ops.layerNorm(y, param(sd, "g", 12, 6), param(sd, "beta", 13, 6), 1e-5, 2, false);
        SDVariable probs = sd.nn().softmax(norm, 2);
        assertPlanMatches(sd, new long[]{3, 5, 8}, probs.name(), y.name());
    }

    /**
     * A plan built over another's memory (a trainer's last, smaller batch): taking turns, each
     * gives what a plan of its own gives, and it allocates nothing where the lender's buffers fit.
     */
    @Test
    void aPlanOverAnothersMemoryTakesTurnsWithIt() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 5, 8);
        SDVariable rows = sd.reshape(x, -1, 8);
        SDVariable y = sd.math().tanh(sd.mmul(rows, param(sd, "w", 10, 8, 6)).add(param(sd, "b", 11, 6)));
        SDVariable out = sd.nn().softmax(y.mul(y).add(1.0), 1).rename("out");
        ExecutionPlan big = ExecutionPlan.build(sd, Map.of("x", new long[]{6, 5, 8}), List.of("out"));
        ExecutionPlan small = ExecutionPlan.buildOver(big, sd, Map.of("x", new long[]{2, 5, 8}), List.of("out"));
        assertEquals(0, small.intermediateBytes(), "the lender's buffers hold the smaller batch");
        for (long seed = 1; seed <= 3; seed++) {
            INDArray a = random(seed, 6, 5, 8), b = random(seed + 10, 2, 5, 8);
            INDArray gotA = big.run(Map.of("x", a)).get("out"), gotB = small.run(Map.of("x", b)).get("out");
            assertEquals(sd.output(Map.of("x", a), "out").get("out"), gotA, "the lender after the borrower ran, seed " + seed);
            assertEquals(sd.output(Map.of("x", b), "out").get("out"), gotB, "the borrower after the lender ran, seed " + seed);
        }
        small.close();
        assertEquals(sd.output(Map.of("x", random(9, 6, 5, 8)), "out").get("out"), big.run(Map.of("x", random(9, 6, 5, 8))).get("out"),
                "the lender keeps its memory when the borrower closes");
        big.close();
    }

    @Test
    void attentionWithPermutesAndBatchedMmul() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 6, 8);
        SDVariable q = Ops.splitHeads(x.mul(0.5), 6, 2, 4);
        SDVariable k = Ops.splitHeads(x, 6, 2, 4);
        SDVariable attn = sd.nn().softmax(sd.mmul(q, sd.permute(k, 0, 1, 3, 2)), 3);
        SDVariable out = Ops.mergeHeads(sd.mmul(attn, Ops.splitHeads(x, 6, 2, 4)), 6, 8);
        assertPlanMatches(sd, new long[]{2, 6, 8}, out.name(), attn.name());
    }

    @Test
    void convolutionsAndPooling() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3, 9, 7);
        Conv2DConfig c = Ops.convConfig(3, 2, 1);
        SDVariable conv = sd.cnn().conv2d(x, param(sd, "cw", 20, 3, 3, 3, 4), param(sd, "cb", 21, 4), c);
        Conv2DConfig dw = Conv2DConfig.builder().kH(3).kW(3).sH(1).sW(1).pH(1).pW(1).dH(1).dW(1)
                .paddingMode(PaddingMode.VALID).dataFormat("NCHW").build();
        SDVariable depthwise = sd.cnn().depthWiseConv2d(conv, param(sd, "dw", 22, 3, 3, 4, 1), param(sd, "db", 23, 4), dw);
        SDVariable pooled = Ops.avgPoolCeil(depthwise, 5, 4, 3, 2, 1);
        SDVariable act = Ops.exactGelu(pooled).add(sd.nn().sigmoid(pooled)).add(sd.nn().relu(pooled, 0));
        assertPlanMatches(sd, new long[]{2, 3, 9, 7}, act.name(), Ops.quickGelu(conv).name());
    }

    @Test
    void slicesConcatAndBroadcasts() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 7, 4);
        SDVariable cls = Ops.expandToBatch(param(sd, "cls", 30, 1, 1, 4), x);  // zerosLike + broadcast add
        SDVariable tokens = sd.concat(1, cls, Ops.tokenRange(x, 1, 7));
        SDVariable strided = tokens.get(SDIndex.all(), SDIndex.interval(0, 2, 7), SDIndex.point(1));
        SDVariable scaled = tokens.div(tokens.sum(true, 1)).mul(param(sd, "s", 31, 1, 1, 4)).sub(sd.zerosLike(tokens));
        SDVariable total = scaled.sum(); // a scalar
        assertPlanMatches(sd, new long[]{3, 7, 4}, scaled.name(), strided.name(), total.name());
    }

    /** Legacy ops taking their axes or scalar from other variables, and an identity (passed through). */
    @Test
    void argumentsFromOtherVariablesAndIdentity() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 5);
        SDVariable axes = sd.constant("axes", Nd4j.createFromArray(1));
        SDVariable mean = sd.mean(x, axes, true);
        SDVariable same = sd.identity(mean);
        SDVariable centred = x.sub(same);
        SDVariable out = sd.identity(centred.mul(centred));
        assertPlanMatches(sd, new long[]{4, 5}, out.name(), mean.name(), same.name());
    }

    /** Legacy pairwise, reduce3, scalar-bool and transform ops, and multi-output ops with outputs nobody reads. */
    @Test
    void otherLegacyKindsAndMultiOutputOps() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 5);
        SDVariable y = param(sd, "y", 70, 4, 5);
        SDVariable cosine = sd.math().cosineSimilarity(x, y, 1);
        SDVariable distance = sd.math().euclideanDistance(x, y, 1);
        SDVariable either = sd.math().or(x.gt(0), sd.math().isNaN(y));
        SDVariable shaped = sd.nn().leakyRelu(sd.math().cube(sd.math().abs(x)), 0.1).add(sd.math().pow(x, 2.0));
        SDVariable variance = sd.math().moments(x, new int[]{1}, false)[1];
        SDVariable third = sd.unstack(shaped, 1, 5)[2];
        assertPlanMatches(sd, new long[]{4, 5}, cosine.name(), distance.name(), either.name(), variance.name(), third.name());
    }

    @Test
    void unsupportedOpsAreRefusedByName() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3);
        SDVariable assigned = sd.assign(x, sd.nn().tanh(x));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> ExecutionPlan.build(sd, Map.of("x", new long[]{2, 3}), List.of(assigned.name())));
        assertTrue(e.getMessage().contains("assign"), e.getMessage());
    }

    /** Reshapes of arrays the plan holds become views (no op runs); a reshape of a parameter stays an op. */
    @Test
    void reshapesOfThePlansOwnArraysAreViews() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 6);
        SDVariable w = param(sd, "w", 60, 2, 3);
        SDVariable t = sd.nn().tanh(sd.reshape(x, -1, 2, 3));
        SDVariable y = sd.reshape(t.mul(sd.reshape(w, 1, 2, 3)), -1, 6);
        SDVariable z = sd.reshape(y, -1, 3, 2);
        ExecutionPlan plan = assertPlanMatches(sd, new long[]{4, 6}, z.name(), y.name(), t.name());
        assertEquals(3, plan.opCount(), "tanh, the reshape of w, the multiply");
        w.setArray(random(61, 2, 3));
        INDArray in = random(62, 4, 6);
        assertEquals(sd.output(Map.of("x", in), z.name()).get(z.name()), plan.run(Map.of("x", in)).get(z.name()));
    }

    /**
     * A reshape to a shape computed in the graph ({@code shape_of}, as every reshape's gradient
     * in a training graph) is a view as well.
     */
    @Test
    void reshapesToAComputedShapeAreViews() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 6);
        SDVariable t = sd.nn().tanh(sd.reshape(x, -1, 2, 3));
        SDVariable back = sd.reshape(sd.math().exp(t), sd.shape(x));
        ExecutionPlan plan = assertPlanMatches(sd, new long[]{4, 6}, back.name());
        assertEquals(3, plan.opCount(), "tanh, exp, shape_of: no reshape runs");
        assertPlanMatches(sd, new long[]{5, 6}, back.name());
    }

    /** A residual chain long enough that buffers are reused many times over. */
    @Test
    void sharedBuffersGiveTheSameValuesInLessMemory() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 16);
        SDVariable h = x;
        for (int i = 0; i < 20; i++) h = h.add(sd.nn().tanh(sd.mmul(h, param(sd, "w" + i, 40 + i, 16, 16))));
        ExecutionPlan shared = assertPlanMatches(sd, new long[]{8, 16}, h.name());
        ExecutionPlan own = ExecutionPlan.build(sd, Map.of("x", new long[]{8, 16}), List.of(h.name()),
                new ExecutionPlan.Options(false, true, OneDnn.enabled()));
        INDArray x1 = random(5, 8, 16);
        assertEquals(0.0, maxAbsDiff(own.run(Map.of("x", x1)).get(h.name()), shared.run(Map.of("x", x1)).get(h.name())));
        assertEquals(60 * 8 * 16 * 4, own.intermediateBytes());
        assertTrue(shared.intermediateBytes() <= 4 * 8 * 16 * 4, "shared: " + shared.intermediateBytes() + " bytes");
    }

    @Test
    void outputsAreCopiesThatLaterRunsLeaveAlone() {
        SameDiff sd = SameDiff.create();
        SDVariable y = sd.nn().tanh(sd.placeHolder("x", DataType.FLOAT, -1, 3));
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", new long[]{2, 3}), List.of(y.name(), "x"));
        Map<String, INDArray> first = plan.run(Map.of("x", random(1, 2, 3)));
        INDArray kept = first.get(y.name()).dup();
        assertEquals(random(1, 2, 3), first.get("x"), "a placeholder asked for as an output");
        plan.run(Map.of("x", random(2, 2, 3)));
        assertEquals(kept, first.get(y.name()));
        assertEquals(random(1, 2, 3), first.get("x"));
    }

    /** Values assigned into a parameter, and a parameter array replaced by another, are both seen. */
    @Test
    void parameterChangesAfterBuildingAreSeen() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 4);
        SDVariable w = param(sd, "w", 50, 4, 3);
        SDVariable c = sd.constant("c", random(51, 3));
        SDVariable y = sd.mmul(x, w).add(c);
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", new long[]{2, 4}), List.of(y.name(), "w"));
        INDArray in = random(52, 2, 4);
        Function<String, Double> planVsSameDiff = out ->
                maxAbsDiff(sd.output(Map.of("x", in), out).get(out), plan.run(Map.of("x", in)).get(out));
        INDArray before = plan.run(Map.of("x", in)).get(y.name());

        w.getArr().assign(random(53, 4, 3));          // new values, same array (as loading a checkpoint)
        assertEquals(0.0, planVsSameDiff.apply(y.name()));
        assertTrue(maxAbsDiff(before, plan.run(Map.of("x", in)).get(y.name())) > 0.1);

        w.setArray(random(54, 4, 3));                 // another array
        c.setArray(random(55, 3));
        assertEquals(0.0, planVsSameDiff.apply(y.name()));
        assertEquals(0.0, planVsSameDiff.apply("w"));

        w.setArray(random(56, 4, 5));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> plan.run(Map.of("x", in)));
        assertTrue(e.getMessage().contains("parameter w"), e.getMessage());
    }

    @Test
    void inputOfAnotherShapeIsRefused() {
        SameDiff sd = SameDiff.create();
        SDVariable y = sd.nn().tanh(sd.placeHolder("x", DataType.FLOAT, -1, 3));
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", new long[]{2, 3}), List.of(y.name()));
        org.cvtzoo.core.ZooException e = assertThrows(org.cvtzoo.core.ZooException.class, () -> plan.run(Map.of("x", random(1, 4, 3))));
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ExecutionPlan.build(sd, Map.of("x", new long[]{2, 4}), List.of(y.name())));
        assertThrows(IllegalArgumentException.class, () -> plan.run(Map.of()));
    }

    @Test
    void listenersHearEachOpOfARun() {
        SameDiff sd = SameDiff.create();
        SDVariable y = sd.nn().tanh(sd.placeHolder("x", DataType.FLOAT, -1, 3)).mul(2).add(1);
        List<String> heard = new ArrayList<>();
        sd.setListeners(new BaseListener() {
            @Override
            public boolean isActive(Operation operation) {
                return operation == Operation.INFERENCE;
            }

            @Override
            public void opExecution(SameDiff s, At at, MultiDataSet batch, SameDiffOp op, OpContext ctx, INDArray[] outputs) {
                heard.add(op.getOp().opName() + outputs.length);
            }
        });
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", new long[]{2, 3}), List.of(y.name()));
        plan.run(Map.of("x", random(1, 2, 3)));
        assertEquals(List.of("tanh1", "mul_scalar1", "add_scalar1"), heard);
    }

    @Test
    void closedPlanRefusesToRun() {
        SameDiff sd = SameDiff.create();
        SDVariable y = sd.nn().tanh(sd.placeHolder("x", DataType.FLOAT, -1, 3));
        ExecutionPlan plan = ExecutionPlan.build(sd, Map.of("x", new long[]{2, 3}), List.of(y.name()));
        plan.close();
        assertThrows(IllegalStateException.class, () -> plan.run(Map.of("x", random(1, 2, 3))));
    }

    @Test
    void executionChoiceComesFromTheSystemProperty() {
        Map<String, Execution> cases = new LinkedHashMap<>();
        cases.put(null, Execution.PLAN);
        cases.put("plan", Execution.PLAN);
        cases.put("samediff", Execution.SAMEDIFF);
        String saved = System.getProperty(Execution.PROPERTY);
        try {
            cases.forEach((value, want) -> {
                if (value == null) System.clearProperty(Execution.PROPERTY);
                else System.setProperty(Execution.PROPERTY, value);
                assertEquals(want, Execution.configured());
            });
            System.setProperty(Execution.PROPERTY, "fast");
            assertThrows(org.cvtzoo.core.ZooException.class, Execution::configured);
        } finally {
            if (saved == null) System.clearProperty(Execution.PROPERTY);
            else System.setProperty(Execution.PROPERTY, saved);
        }
    }
}
