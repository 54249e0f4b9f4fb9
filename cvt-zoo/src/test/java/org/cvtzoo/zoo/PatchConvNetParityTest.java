package org.cvtzoo.zoo;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.weights.CheckpointException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PatchConvNet logits, features and class-attention maps against the reference PyTorch model
 * (shared/reference/ref/patchconvnet.py), within compare.py's 1e-4. pcn_tiny is gen.py's case
 * (64x64, batch 2); pcn_tiny_96 (batch 3) and pcn_tiny_72 (batch 1, odd 5x5 grid) are
 * make_pcn.py's, with pcn_tiny's weights.
 */
class PatchConvNetParityTest {
    static final double TOLERANCE = 1e-4;
    static VisionModel model;

    @BeforeAll
    static void load() {
        model = new VisionModel(Zoo.architecture(Fixtures.dir("pcn_tiny").resolve("spec.json"), null))
                .loadWeights(Fixtures.dir("pcn_tiny").resolve("model.pth"));
    }

    static void assertClose(INDArray got, INDArray ref, String what) {
        assertArrayEquals(ref.shape(), got.shape(), what + " shape");
        double e = Fixtures.relativeError(got, ref);
        assertTrue(e <= TOLERANCE, what + " rel err " + e);
    }

    @ParameterizedTest
    @ValueSource(strings = {"pcn_tiny", "pcn_tiny_96", "pcn_tiny_72"})
    void logitsFeaturesAndAttentionMatchReference(String fixture) {
        VisionModel.Output out = model.forward(Fixtures.npy(fixture, "input.npy"));
        assertClose(out.logits(), Fixtures.npy(fixture, "logits.npy"), fixture + " logits");
        assertClose(out.features(), Fixtures.npy(fixture, "features.npy"), fixture + " features");
        assertClose(out.attention(), oneHead(Fixtures.npy(fixture, "attention.npy")), fixture + " attention");
    }

    /** Batch 1: the first image alone gives the reference's first row. */
    @Test
    void batchOfOneMatchesReference() {
        INDArray first = Fixtures.npy("pcn_tiny", "input.npy").get(NDArrayIndex.interval(0, 1)).dup();
        VisionModel.Output out = model.forward(first);
        assertClose(out.logits(), Fixtures.npy("pcn_tiny", "logits.npy").get(NDArrayIndex.interval(0, 1)), "logits");
        assertClose(out.features(), Fixtures.npy("pcn_tiny", "features.npy").get(NDArrayIndex.interval(0, 1)), "features");
        assertClose(out.attention(), oneHead(Fixtures.npy("pcn_tiny", "attention.npy").get(NDArrayIndex.interval(0, 1))),
                "attention");
    }

    /** Each map is a probability distribution over the grid. */
    @Test
    void attentionSumsToOneOverTheGrid() {
        INDArray a = model.forward(Fixtures.npy("pcn_tiny_96", "input.npy")).attention();
        assertArrayEquals(new long[]{3, 1, 6, 6}, a.shape());
        INDArray sums = a.sum(1, 2, 3);
        for (int i = 0; i < 3; i++) assertEquals(1.0, sums.getDouble(i), 1e-5);
        assertTrue(a.minNumber().doubleValue() >= 0);
    }

    /** The reference's class attention {@code [B, h, w]} as the zoo's contract has it: {@code [B, heads = 1, h, w]}. */
    private static INDArray oneHead(INDArray reference) {
        long[] s = reference.shape();
        return reference.reshape(s[0], 1, s[1], s[2]);
    }

    @Test
    void nonSquareInputIsAClearError() {
        ZooException e = assertThrows(ZooException.class,
                () -> model.forward(Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3, 64, 96)));
        assertTrue(e.getMessage().contains("square") && e.getMessage().contains("64x96"), e.getMessage());
    }

    @Test
    void cvtCheckpointIsAClearError() {
        VisionModel m = new VisionModel(Zoo.architecture(Fixtures.dir("pcn_tiny").resolve("spec.json"), null));
        CheckpointException e = assertThrows(CheckpointException.class,
                () -> m.loadWeights(Fixtures.dir("cvt_tiny").resolve("model.pth")));
        String msg = e.getMessage();
        assertTrue(msg.contains("model.pth") && msg.contains("missing") && msg.contains("unexpected"), msg);
        assertTrue(msg.contains("patch_embed.proj.0.0.weight") && msg.contains("stage0.patch_embed.proj.weight"), msg);
    }
}
