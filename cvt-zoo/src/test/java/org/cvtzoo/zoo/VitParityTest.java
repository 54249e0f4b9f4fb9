package org.cvtzoo.zoo;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.weights.CheckpointException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ViT logits, features and class-attention maps against the reference PyTorch model (timm's
 * computation), within compare.py's 1e-4: gen.py's vit_tiny at its own size, batch 2 and 1; the
 * same weights at other sizes (position embedding resampled in the graph); another model shape.
 * Fixtures: gen.py and make_vit.py.
 */
class VitParityTest {
    static final double TOLERANCE = 1e-4;
    static VisionModel tiny;

    @BeforeAll
    static void loadTiny() {
        tiny = VisionModel.fromCheckpoint(Zoo.architecture(Fixtures.dir("vit_tiny").resolve("spec.json"), null),
                Fixtures.dir("vit_tiny").resolve("model.pth"));
    }

    static void assertClose(INDArray got, INDArray ref, String what) {
        assertArrayEquals(ref.shape(), got.shape(), what + " shape");
        double e = Fixtures.relativeError(got, ref);
        // -Dvit.print=true prints every figure (for reports)
        if (Boolean.getBoolean("vit.print")) System.out.printf("%s %.3e%n", what, e);
        assertTrue(e <= TOLERANCE, what + " rel err " + e);
    }

    @Test
    void tinyMatchesReference() {
        VisionModel.Output out = tiny.forward(Fixtures.npy("vit_tiny", "input.npy"));
        assertClose(out.logits(), Fixtures.npy("vit_tiny", "logits.npy"), "logits");
        assertClose(out.features(), Fixtures.npy("vit_tiny", "features.npy"), "features");
        assertClose(out.attention(), Fixtures.npy("vit_tiny", "attention.npy"), "attention");
    }

    /** Each image alone gives the reference's row for it. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1})
    void batchOfOneMatchesReference(int i) {
        INDArray one = Fixtures.npy("vit_tiny", "input.npy").get(NDArrayIndex.interval(i, i + 1)).dup();
        VisionModel.Output out = tiny.forward(one);
        assertClose(out.logits(), Fixtures.npy("vit_tiny", "logits.npy").get(NDArrayIndex.interval(i, i + 1)), "logits");
        assertClose(out.features(), Fixtures.npy("vit_tiny", "features.npy").get(NDArrayIndex.interval(i, i + 1)), "features");
        assertClose(out.attention(), Fixtures.npy("vit_tiny", "attention.npy").get(NDArrayIndex.interval(i, i + 1)), "attention");
    }

    /** Trained at 64x64 (4x4 grid), run at 96x80 (up), 48x64 (down along h only), 32x16 (down to 2x1). */
    @ParameterizedTest
    @ValueSource(strings = {"96x80", "48x64", "32x16"})
    void resampledPositionEmbeddingMatchesReference(String size) {
        VisionModel.Output out = tiny.forward(Fixtures.npy("vit_resample", "input_" + size + ".npy"));
        assertClose(out.logits(), Fixtures.npy("vit_resample", "logits_" + size + ".npy"), size + " logits");
        assertClose(out.features(), Fixtures.npy("vit_resample", "features_" + size + ".npy"), size + " features");
        assertClose(out.attention(), Fixtures.npy("vit_resample", "attention_" + size + ".npy"), size + " attention");
    }

    /** Patch 8, 4 heads, mlp_ratio 2.5, safetensors, trained at 32x32 and run at 40x24 on a batch of 3. */
    @Test
    void otherShapeMatchesReference() {
        VisionModel m = VisionModel.fromCheckpoint(Zoo.architecture(Fixtures.dir("vit_p8").resolve("spec.json"), null),
                Fixtures.dir("vit_p8").resolve("model.safetensors"));
        VisionModel.Output out = m.forward(Fixtures.npy("vit_p8", "input.npy"));
        assertClose(out.logits(), Fixtures.npy("vit_p8", "logits.npy"), "logits");
        assertClose(out.features(), Fixtures.npy("vit_p8", "features.npy"), "features");
        assertClose(out.attention(), Fixtures.npy("vit_p8", "attention.npy"), "attention");
    }

    @Test
    void attentionMapsAreDistributionsOverTheGrid() {
        INDArray a = tiny.forward(Fixtures.npy("vit_resample", "input_96x80.npy")).attention();
        assertArrayEquals(new long[]{2, 2, 6, 5}, a.shape());
        INDArray sums = a.sum(2, 3);
        for (double s : sums.reshape(-1).toDoubleVector()) assertTrue(Math.abs(s - 1) < 1e-5, "sum " + s);
    }

    @ParameterizedTest
    @ValueSource(strings = {"65x64", "64x50", "8x64"})
    void sizeThatIsNotWholePatchesIsAClearError(String size) {
        String[] hw = size.split("x");
        INDArray x = org.nd4j.linalg.factory.Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, 1, 3,
                Long.parseLong(hw[0]), Long.parseLong(hw[1]));
        ZooException e = assertThrows(ZooException.class, () -> tiny.forward(x));
        assertTrue(e.getMessage().contains(hw[0] + "x" + hw[1]) && e.getMessage().contains("16"), e.getMessage());
    }

    @Test
    void cvtCheckpointIsRejectedByName() {
        CheckpointException e = assertThrows(CheckpointException.class, () -> VisionModel.fromCheckpoint(
                Zoo.architecture(Fixtures.dir("vit_tiny").resolve("spec.json"), null),
                Fixtures.dir("cvt_tiny").resolve("model.pth")));
        String m = e.getMessage();
        assertTrue(m.contains("missing") && m.contains("cls_token") && m.contains("unexpected")
                && m.contains("stage0.patch_embed.proj.weight"), m);
    }
}
