package org.cvtzoo.zoo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CvT logits and features against the reference PyTorch model, within compare.py's 1e-4. */
class CvtParityTest {
    static final double TOLERANCE = 1e-4;

    static VisionModel load(String fixture) {
        return new VisionModel(Zoo.architecture(Fixtures.dir(fixture).resolve("spec.json"), null))
                .loadWeights(Fixtures.dir(fixture).resolve("model.pth"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"cvt_tiny", "cvt_avg_nonsquare", "cvt_linear_odd", "cvt_dwbn_meanpool", "cvt_avg_odd"})
    void logitsAndFeaturesMatchReference(String fixture) {
        VisionModel.Output out = load(fixture).forward(Fixtures.npy(fixture, "input.npy"));
        INDArray logits = Fixtures.npy(fixture, "logits.npy");
        INDArray features = Fixtures.npy(fixture, "features.npy");
        assertArrayEquals(logits.shape(), out.logits().shape());
        assertArrayEquals(features.shape(), out.features().shape());
        double le = Fixtures.relativeError(out.logits(), logits);
        double fe = Fixtures.relativeError(out.features(), features);
        assertTrue(le <= TOLERANCE, fixture + " logits rel err " + le);
        assertTrue(fe <= TOLERANCE, fixture + " features rel err " + fe);
    }

    /** Batch 1: the first image alone gives the reference's first row (eval mode is per image). */
    @Test
    void batchOfOneMatchesReference() {
        VisionModel m = load("cvt_tiny");
        INDArray first = Fixtures.npy("cvt_tiny", "input.npy").get(NDArrayIndex.interval(0, 1)).dup();
        VisionModel.Output out = m.forward(first);
        INDArray refLogits = Fixtures.npy("cvt_tiny", "logits.npy").get(NDArrayIndex.interval(0, 1));
        INDArray refFeatures = Fixtures.npy("cvt_tiny", "features.npy").get(NDArrayIndex.interval(0, 1));
        assertArrayEquals(new long[]{1, 10}, out.logits().shape());
        assertTrue(Fixtures.relativeError(out.logits(), refLogits) <= TOLERANCE);
        assertTrue(Fixtures.relativeError(out.features(), refFeatures) <= TOLERANCE);
    }

    /** The same weights as Hugging Face names in .safetensors, and as a wrapped DataParallel checkpoint. */
    @ParameterizedTest
    @ValueSource(strings = {"model_hf.safetensors", "model_wrapped.pth"})
    void otherCheckpointFormsGiveTheSameLogits(String file) {
        VisionModel m = new VisionModel(Zoo.architecture(Fixtures.dir("cvt_tiny").resolve("spec.json"), null))
                .loadWeights(Fixtures.dir("cvt_tiny").resolve(file));
        VisionModel.Output out = m.forward(Fixtures.npy("cvt_tiny", "input.npy"));
        assertTrue(Fixtures.relativeError(out.logits(), Fixtures.npy("cvt_tiny", "logits.npy")) <= TOLERANCE);
    }

    @Test
    void hfNamesMapToOfficialNames() {
        assertEquals("stage2.blocks.0.attn.conv_proj_k.bn.running_var", org.cvtzoo.zoo.cvt.CvtNames.fromHuggingFace(
                "cvt.encoder.stages.2.layers.0.attention.attention.convolution_projection_key.convolution_projection.normalization.running_var"));
        assertEquals("stage1.blocks.3.mlp.fc2.bias", org.cvtzoo.zoo.cvt.CvtNames.fromHuggingFace("cvt.encoder.stages.1.layers.3.output.dense.bias"));
        assertEquals("stage1.blocks.3.attn.proj.weight", org.cvtzoo.zoo.cvt.CvtNames.fromHuggingFace(
                "cvt.encoder.stages.1.layers.3.attention.output.dense.weight"));
        assertEquals("head.weight", org.cvtzoo.zoo.cvt.CvtNames.fromHuggingFace("classifier.weight"));
        assertEquals("something.else", org.cvtzoo.zoo.cvt.CvtNames.fromHuggingFace("something.else"));
    }

    /** The last stage's class-token attention per head over the key grid, against the reference's own. */
    @Test
    void attentionMapMatchesReference() {
        VisionModel.Output out = load("cvt_tiny").forward(Fixtures.npy("cvt_tiny", "input.npy"));
        INDArray ref = Fixtures.npy("cvt_tiny", "attention.npy");
        assertArrayEquals(ref.shape(), out.attention().shape());
        assertTrue(Fixtures.relativeError(out.attention(), ref) <= TOLERANCE);
        INDArray sums = out.attention().sum(2, 3);
        assertTrue(sums.sub(1.0).amaxNumber().doubleValue() < 1e-5, "each head's map sums to 1: " + sums);
    }

    @Test
    void noClassTokenMeansNoAttentionMap() {
        assertNull(load("cvt_dwbn_meanpool").forward(Fixtures.npy("cvt_dwbn_meanpool", "input.npy")).attention());
    }
}
