package org.cvtzoo.zoo;

import org.cvtzoo.core.exec.Execution;
import org.cvtzoo.core.exec.OneDnn;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link VisionModel#forward} on its execution plans against the same model's SameDiff
 * {@code output()} ({@code -Dcvt.exec=samediff}) on every family's fixtures: within 1e-6
 * relative error ({@link #assertClose}), on the fixture's input, on other values of that shape (the plan run again), on one image (a
 * plan for batch 1) and at another input size (another graph and plan).
 */
class ExecutionPlanZooTest {

    @BeforeAll
    static void plansAreTheDefault() {
        assertEquals(Execution.PLAN, Execution.configured(), "these tests hold the plans to SameDiff's output()");
    }

    static VisionModel load(String modelFixture) {
        return new VisionModel(Zoo.architecture(Fixtures.dir(modelFixture).resolve("spec.json"), null))
                .loadWeights(Fixtures.dir(modelFixture).resolve("model.pth"));
    }

    static VisionModel.Output onSameDiff(Supplier<VisionModel.Output> forward) {
        System.setProperty(Execution.PROPERTY, "samediff");
        try {
            return forward.get();
        } finally {
            System.clearProperty(Execution.PROPERTY);
        }
    }

    static void assertPlanEqualsSameDiff(VisionModel m, INDArray x, String what) {
        VisionModel.Output plan = m.forward(x);
        VisionModel.Output sameDiff = onSameDiff(() -> m.forward(x));
        assertClose(sameDiff.logits(), plan.logits(), what + " logits");
        assertClose(sameDiff.features(), plan.features(), what + " features");
        if (sameDiff.attention() == null) {
            assertNull(plan.attention(), what + " attention");
        } else {
            assertClose(sameDiff.attention(), plan.attention(), what + " attention");
        }
    }

    /**
     * Within 1e-6 relative error (Fixtures.relativeError): the plans run GELU and LayerNorm as
     * Java kernels, within about 1e-7 of the graph's ops per value (cvt-core's ExecutionPlanTest
     * holds plans without them to output() bit for bit).
     */
    static void assertClose(INDArray want, INDArray got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what + " shape");
        double e = Fixtures.relativeError(got, want);
        System.out.printf("%s: relative error %.2e%n", what, e);
        assertTrue(e <= 1e-6, what + ": relative error of the plan against SameDiff " + e);
    }

    @ParameterizedTest
    @CsvSource({
            "cvt_tiny, cvt_tiny, input.npy, 40x56",
            "cvt_avg_nonsquare, cvt_avg_nonsquare, input.npy, 64x96",
            "cvt_dwbn_meanpool, cvt_dwbn_meanpool, input.npy, 37x52",
            "cvt_linear_odd, cvt_linear_odd, input.npy, 45x70",
            "vit_tiny, vit_tiny, input.npy, 48x32",
            "vit_resample, vit_tiny, input_96x80.npy, 32x16",
            "pcn_tiny, pcn_tiny, input.npy, 72x72",
            "pcn_tiny_96, pcn_tiny, input.npy, 64x64"})
    void planEqualsSameDiffOutput(String fixture, String modelFixture, String inputFile, String otherSize) {
        VisionModel m = load(modelFixture);
        INDArray x = Fixtures.npy(fixture, inputFile);
        assertPlanEqualsSameDiff(m, x, fixture);
        assertPlanEqualsSameDiff(m, x.mul(-0.7).add(0.2), fixture + " other values");
        if (x.size(0) > 1) assertPlanEqualsSameDiff(m, x.get(NDArrayIndex.interval(0, 1)).dup(), fixture + " one image");
        String[] hw = otherSize.split("x");
        Nd4j.getRandom().setSeed(3);
        INDArray other = Nd4j.rand(DataType.FLOAT, 1, 3, Long.parseLong(hw[0]), Long.parseLong(hw[1])).subi(0.5).muli(4);
        assertPlanEqualsSameDiff(m, other, fixture + " at " + otherSize);
    }

    /** A plan built on random weights, then a checkpoint loaded into the same parameters: the next run uses it. */
    @ParameterizedTest
    @ValueSource(strings = {"cvt_tiny", "vit_tiny", "pcn_tiny"})
    void weightsLoadedAfterThePlanWasBuiltAreUsed(String fixture) {
        VisionModel m = new VisionModel(Zoo.architecture(Fixtures.dir(fixture).resolve("spec.json"), null));
        INDArray x = Fixtures.npy(fixture, "input.npy");
        INDArray ref = Fixtures.npy(fixture, "logits.npy");
        INDArray random = m.forward(x).logits();
        assertTrue(Fixtures.relativeError(random, ref) > 1e-2, "random weights give other logits");

        m.loadWeights(Fixtures.dir(fixture).resolve("model.pth"));
        double e = Fixtures.relativeError(m.forward(x).logits(), ref);
        assertTrue(e <= 1e-4, fixture + " logits after loading: rel err " + e);
        assertPlanEqualsSameDiff(m, x, fixture + " after loading");
    }

    /**
     * The plans with oneDNN's primitives (the default here) and without them ({@code -Dcvt.exec.onednn=false}:
     * ND4J's ops and the Java kernels) agree within 1e-6 on every family.
     */
    @ParameterizedTest
    @CsvSource({"cvt_tiny, input.npy", "cvt_avg_nonsquare, input.npy", "cvt_dwbn_meanpool, input.npy",
            "cvt_linear_odd, input.npy", "vit_tiny, input.npy", "pcn_tiny, input.npy"})
    void planWithOneDnnEqualsPlanWithout(String fixture, String inputFile) {
        assertTrue(OneDnn.enabled(), OneDnn.status());
        INDArray x = Fixtures.npy(fixture, inputFile);
        VisionModel withOneDnn = load(fixture);
        VisionModel.Output with = withOneDnn.forward(x);
        System.setProperty(OneDnn.SWITCH, "false");
        VisionModel.Output without;
        try {
            without = load(fixture).forward(x);
        } finally {
            System.clearProperty(OneDnn.SWITCH);
        }
        assertClose(without.logits(), with.logits(), fixture + " logits, oneDNN against none");
        assertClose(without.features(), with.features(), fixture + " features, oneDNN against none");
        if (with.attention() != null) assertClose(without.attention(), with.attention(), fixture + " attention, oneDNN against none");
        System.out.println(fixture + " rewrites " + withOneDnn.planRewrites(x.size(0), x.size(2), x.size(3)));
    }

    /**
     * The rewrites fire on the families' real graphs, counted from their structure. ViT-tiny
     * (depth 2): per block two LayerNorms, the qkv linear (+ bias), two attention products, a
     * softmax, the proj and fc2 linears with their residual, fc1 with GELU, and two permutes
     * (heads split and merged); then the final norm, the head, and the patch grid's permute to
     * tokens. CvT-tiny (depths 1, 1, 2; heads 1, 2, 3): the same per block with q, k and v as
     * three linears and QuickGELU, a LayerNorm per stage's embedding, heads split (3) and
     * merged (1) by permutes only where a stage has more than one head, and the input's permute
     * to NHWC. PatchConvNet-tiny (depth 2): its trunk's pointwise convolutions as products, GELUs
     * and LayerNorms, then class attention. Nothing a rewrite matched is left to the graph's ops.
     */
    @Test
    void rewritesFireOnEveryFamily() {
        assertTrue(OneDnn.enabled(), OneDnn.status());
        int d = 2;
        assertEquals(Map.of("layer_norm (onednn)", 2 * d + 1, "softmax (onednn)", d, "matmul (onednn)", 2 * d,
                        "matmul + bias (onednn)", d + 1, "matmul + bias + gelu_erf (onednn)", d,
                        "matmul + bias + residual (onednn)", 2 * d, "permute (onednn)", 2 * d + 1,
                        "conv + bias (onednn)", 1, // the patch embedding
                        "concat (java)", 1), // the class token before the patches
                rewrites("vit_tiny"));
        int blocks = 4;
        assertEquals(Map.ofEntries(Map.entry("layer_norm (onednn)", 2 * blocks + 3 + 1), Map.entry("softmax (onednn)", blocks),
                        Map.entry("matmul (onednn)", 2 * blocks), Map.entry("matmul + bias (onednn)", 3 * blocks + 1),
                        Map.entry("matmul + bias + quick_gelu (onednn)", blocks), Map.entry("matmul + bias + residual (onednn)", 2 * blocks),
                        Map.entry("permute (onednn)", (3 + 1) * (1 + 2) + 1),
                        Map.entry("depthwise conv + bias (onednn)", 3 * blocks), // q, k, v: BatchNorm folded into the bias
                        Map.entry("conv + bias (onednn)", 3), // each stage's token embedding
                        Map.entry("concat (java)", 3 * 2 + 1)), // the class token's stage: q, k, v of its 2 blocks, and the token itself
                rewrites("cvt_tiny"));
        Map<String, Integer> pcn = rewrites("pcn_tiny");
        assertEquals(java.util.Set.of("1x1 conv + bias + relu (onednn)", "1x1 conv + bias + sigmoid (onednn)",
                "1x1 conv + bias + gelu_erf (onednn)",
                "1x1 conv + bias + layer_scale + residual (onednn)", "depthwise conv + bias + gelu_erf (onednn)",
                "conv (onednn)", "conv + gelu_erf (onednn)", "layer_norm (onednn)", "matmul (onednn)", "matmul + bias (onednn)",
                "matmul + bias + gelu_erf (onednn)", "matmul + bias + layer_scale + residual (onednn)", "permute (onednn)",
                "reduce_mean (onednn)", "softmax (onednn)", "concat (java)"), pcn.keySet()); // no Java kernel but a copy: OpenMP's threads alone
        assertEquals(3, pcn.get("conv + gelu_erf (onednn)"), "the stem's first three convolutions and their GELUs");
        assertEquals(1, pcn.get("conv (onednn)"), "the stem's last convolution");
        assertEquals(d + 3, pcn.get("layer_norm (onednn)"), "a LayerNorm per trunk block, two in class attention, the final norm");
        assertEquals(d, pcn.get("1x1 conv + bias + gelu_erf (onednn)"), "the first pointwise layer of each trunk block, and its GELU");
        assertEquals(d, pcn.get("depthwise conv + bias + gelu_erf (onednn)"), "the depthwise layer of each trunk block, and its GELU");
        assertEquals(d, pcn.get("1x1 conv + bias + relu (onednn)"), "squeeze-excite's first layer of each block, and its ReLU");
        assertEquals(d, pcn.get("1x1 conv + bias + sigmoid (onednn)"), "squeeze-excite's second layer of each block, and its gate");
        assertEquals(d, pcn.get("1x1 conv + bias + layer_scale + residual (onednn)"),
                "the last pointwise layer of each block, its layer scale and the block's residual add");
        assertEquals(2, pcn.get("matmul + bias + layer_scale + residual (onednn)"),
                "class attention's output projection and its MLP's second layer, each with its layer scale and residual");
    }

    private static Map<String, Integer> rewrites(String fixture) {
        VisionModel m = load(fixture);
        INDArray x = Fixtures.npy(fixture, "input.npy");
        m.forward(x);
        return m.planRewrites(x.size(0), x.size(2), x.size(3));
    }
}
