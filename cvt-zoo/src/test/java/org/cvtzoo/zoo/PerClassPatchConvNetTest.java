package org.cvtzoo.zoo;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.explain.Explainer;
import org.cvtzoo.zoo.explain.Method;
import org.cvtzoo.zoo.explain.Rollout;
import org.cvtzoo.zoo.pcn.PatchConvNetSpec;
import org.cvtzoo.zoo.pcn.PerClassTokens;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * deit's PatchConvnet(multiclass=True) against make_explain.py's reference (pcn_multi_tiny: 7
 * classes, so 7 class tokens and heads; batch 2 at 64x64 and 96x96), and the conversion of a
 * one-token model (pcn_tiny) into it. The training step's gradients are TrainStepParityTest's.
 */
class PerClassPatchConvNetTest {
    static final double TOLERANCE = 1e-4;
    static VisionModel model;

    @BeforeAll
    static void load() {
        Path dir = Fixtures.dir("pcn_multi_tiny");
        model = VisionModel.fromCheckpoint(Zoo.architecture(dir.resolve("spec.json"), null), dir.resolve("model.pth")); // strict
    }

    static void assertClose(INDArray got, INDArray ref, String what) {
        assertArrayEquals(ref.shape(), got.shape(), what + " shape");
        double e = Fixtures.relativeError(got, ref);
        assertTrue(e <= TOLERANCE, what + " rel err " + e);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "_96"})
    void logitsFeaturesAndPerClassMapsMatchDeit(String size) {
        VisionModel.Output out = model.forward(Fixtures.npy("pcn_multi_tiny", "input" + size + ".npy"));
        assertClose(out.logits(), Fixtures.npy("pcn_multi_tiny", "logits" + size + ".npy"), "logits" + size);
        assertClose(out.features(), Fixtures.npy("pcn_multi_tiny", "features" + size + ".npy"), "features" + size);
        INDArray ref = Fixtures.npy("pcn_multi_tiny", "attention" + size + ".npy"); // [B, k, h, w]
        assertEquals(7, ref.size(1));
        assertClose(out.attention(), ref, "attention" + size);
        // each class's map is a distribution over the grid
        INDArray sums = out.attention().sum(2, 3);
        for (double s : sums.data().asDouble()) assertEquals(1.0, s, 1e-5);
    }

    @Test
    void specKeepsTheFieldAndNamesFollowDeit() {
        Architecture a = model.architecture();
        assertTrue(((PatchConvNetSpec) a.spec()).multiclass());
        assertTrue(a.attentionPerClass());
        assertTrue(a.specTree().get("multiclass").asBoolean());
        Architecture back = Zoo.architecture(a.specTree(), "tree", null);
        assertEquals(a.spec(), back.spec());
        assertArrayEquals(new long[]{1, 7, 64}, model.parameters().entries().get("cls_token").torchShape());
        assertArrayEquals(new long[]{1, 64}, model.parameters().entries().get("head.6.weight").torchShape());
        assertTrue(!model.parameters().entries().containsKey("head.weight"));
    }

    @Test
    void registeredS60MultiHasNoWeights() {
        Variant v = Zoo.variant("patchconvnet-s60-multi");
        assertTrue(((PatchConvNetSpec) v.architecture().spec()).multiclass());
        assertEquals(1000, v.architecture().numClasses());
        assertEquals(null, v.card().pretrained());
        assertEquals(v.architecture().name(), Zoo.variant("S60_multi").architecture().name());
    }

    /**
     * pcn_tiny converted to deit's own per-class layer (keys from the patches alone): the
     * reference's multi model on the same converted weights gives the same logits, which are
     * not the source's.
     */
    @Test
    void conversionToDeitsLayerMatchesTheReferenceConversion() {
        VisionModel single = pcnTiny();
        VisionModel multi = PerClassTokens.convert(single, 10, false);
        assertTrue(!((PatchConvNetSpec) multi.architecture().spec()).attendOwnToken());
        INDArray x = Fixtures.npy("pcn_tiny", "input.npy");
        INDArray logits = multi.forward(x).logits();
        assertClose(logits, Fixtures.npy("pcn_multi_converted", "logits.npy"), "converted logits");
        // not the source's exactly: deit's per-class layer does not attend to the class token itself
        double diff = Fixtures.relativeError(logits, Fixtures.npy("pcn_tiny", "logits.npy"));
        assertTrue(diff > 1e-4 && diff < 2e-2, "converted vs source logits " + diff);
    }

    /**
     * The default conversion sets multiclass_attend_own_token: each class token attends to itself
     * and the patches, as the one-token layer does, so the logits and maps are the source's (batch
     * 2 at 64x64, batch 3 at 96x96), also after a round trip through a model file.
     */
    @Test
    void defaultConversionKeepsTheSourceLogits(@TempDir Path tmp) {
        VisionModel single = pcnTiny();
        VisionModel multi = PerClassTokens.convert(single);
        PatchConvNetSpec spec = (PatchConvNetSpec) multi.architecture().spec();
        assertTrue(spec.multiclass() && spec.attendOwnToken());
        assertTrue(multi.architecture().attentionPerClass());
        Path file = tmp.resolve("converted.safetensors");
        ModelFile.save(multi, file);
        VisionModel reloaded = ModelFile.load(file);
        assertEquals(spec, reloaded.architecture().spec());
        for (String input : new String[]{"pcn_tiny", "pcn_tiny_96"}) {
            INDArray x = Fixtures.npy(input, "input.npy");
            VisionModel.Output source = single.forward(x);
            for (VisionModel m : new VisionModel[]{multi, reloaded}) {
                VisionModel.Output out = m.forward(x);
                double e = Fixtures.relativeError(out.logits(), source.logits());
                assertTrue(e <= 1e-6, input + ": converted vs source logits " + e);
                // every class's map is the source's one map
                INDArray maps = out.attention();
                for (int c = 0; c < maps.size(1); c++) {
                    INDArray map = maps.get(NDArrayIndex.all(), NDArrayIndex.interval(c, c + 1));
                    assertTrue(Fixtures.relativeError(map, source.attention()) <= 1e-6, input + ": class " + c + "'s map");
                }
            }
            // and the source is the reference's (PyTorch) model
            assertClose(source.logits(), Fixtures.npy(input, "logits.npy"), input + " source logits");
        }
    }

    /** The gradients through the own-token layer too: Grad-CAM of the converted model is the source's, class by class. */
    @Test
    void defaultConversionKeepsTheSourceGradCam() {
        VisionModel single = pcnTiny();
        VisionModel multi = PerClassTokens.convert(single);
        INDArray x = Fixtures.npy("pcn_tiny", "input.npy");
        for (int[] classes : new int[][]{{1, 3}, {7, 0}}) {
            INDArray want = Explainer.of(single).explain(x, Method.GRADCAM, classes, Rollout.DEFAULT).maps();
            INDArray got = Explainer.of(multi).explain(x, Method.GRADCAM, classes, Rollout.DEFAULT).maps();
            double scale = Transforms.abs(want).maxNumber().doubleValue();
            assertTrue(scale > 0, "an all-zero map would check nothing");
            double e = Transforms.abs(got.sub(want)).maxNumber().doubleValue() / scale;
            assertTrue(e <= 1e-5, "converted vs source Grad-CAM " + e);
        }
    }

    @Test
    void ownTokenOptionIsOffInOlderFilesAndNeedsMulticlass() {
        assertTrue(!((PatchConvNetSpec) model.architecture().spec()).attendOwnToken()); // pcn_multi_tiny's spec.json lacks it
        assertTrue(!model.architecture().specTree().has("multiclass_attend_own_token"));
        var tree = (com.fasterxml.jackson.databind.node.ObjectNode) model.architecture().specTree().deepCopy();
        tree.put("multiclass_attend_own_token", true);
        assertTrue(((PatchConvNetSpec) Zoo.architecture(tree, "tree", null).spec()).attendOwnToken());
        tree.put("multiclass", false);
        Exception e = assertThrows(RuntimeException.class, () -> Zoo.architecture(tree, "tree", null));
        assertTrue(e.getMessage().contains("multiclass_attend_own_token needs multiclass true"), e.getMessage());
    }

    private static VisionModel pcnTiny() {
        Path dir = Fixtures.dir("pcn_tiny");
        return VisionModel.fromCheckpoint(Zoo.architecture(dir.resolve("spec.json"), null), dir.resolve("model.pth"));
    }

    @Test
    void conversionToNewClassesCopiesTheTokenAndMakesNewHeads() {
        Path dir = Fixtures.dir("pcn_tiny");
        VisionModel single = VisionModel.fromCheckpoint(Zoo.architecture(dir.resolve("spec.json"), null), dir.resolve("model.pth"));
        VisionModel multi = PerClassTokens.convert(single, 3);
        assertEquals(3, multi.architecture().numClasses());
        INDArray tokens = multi.parameters().entries().get("cls_token").torchView();
        INDArray source = single.parameters().entries().get("cls_token").torchView();
        for (int i = 0; i < 3; i++) {
            assertEquals(0, Fixtures.relativeError(tokens.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.all()),
                    source.reshape(1, source.size(2))), 0.0);
        }
        assertArrayEquals(new long[]{2, 3}, multi.forward(Fixtures.npy("pcn_tiny", "input.npy")).logits().shape());
    }

    @Test
    void conversionOfAnotherFamilyIsAClearError() {
        Path dir = Fixtures.dir("vit_tiny");
        VisionModel vit = new VisionModel(Zoo.architecture(dir.resolve("spec.json"), null));
        ZooException e = assertThrows(ZooException.class, () -> PerClassTokens.convert(vit));
        assertTrue(e.getMessage().contains("PatchConvNet"), e.getMessage());
        assertThrows(ZooException.class, () -> PerClassTokens.convert(model));
    }
}
