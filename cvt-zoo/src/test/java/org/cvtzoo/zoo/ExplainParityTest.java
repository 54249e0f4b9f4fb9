package org.cvtzoo.zoo;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.explain.Explainer;
import org.cvtzoo.zoo.explain.Method;
import org.cvtzoo.zoo.explain.Rollout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every explanation method against make_explain.py's PyTorch reference (float64, the papers'
 * definitions), batch 2, classes [1, 3], at 64x64 and 96x96: within 1e-4 of the map's own
 * largest value (maps are small numbers, so compare.py's max(1, ...) would hide errors).
 */
class ExplainParityTest {
    static final double TOLERANCE = 1e-4;
    static final int[] CLASSES = {1, 3};
    static final Map<String, VisionModel> MODELS = new HashMap<>();
    static final Map<String, Explainer> EXPLAINERS = new HashMap<>(); // one gradient graph per model and size

    static Explainer explainer(String name) {
        return EXPLAINERS.computeIfAbsent(name, n -> new Explainer(model(n)));
    }

    static VisionModel model(String name) {
        return MODELS.computeIfAbsent(name, n -> switch (n) {
            case "vit" -> load(Fixtures.dir("explain/vit"));
            case "cvt" -> load(Fixtures.dir("cvt_tiny"));
            case "pcn" -> load(Fixtures.dir("pcn_tiny"));
            case "pcn_multi" -> load(Fixtures.dir("pcn_multi_tiny"));
            default -> throw new IllegalArgumentException(n);
        });
    }

    private static VisionModel load(Path dir) {
        return VisionModel.fromCheckpoint(Zoo.architecture(dir.resolve("spec.json"), null), dir.resolve("model.pth"));
    }

    static double mapError(INDArray got, INDArray ref) {
        assertArrayEquals(ref.shape(), got.shape());
        INDArray r = ref.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE);
        double scale = Transforms.abs(r).maxNumber().doubleValue();
        assertTrue(scale > 0, "reference map is all zero");
        return Transforms.abs(got.castTo(r.dataType()).sub(r)).maxNumber().doubleValue() / scale;
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
            "vit, last, last", "vit, rollout, rollout_mean_0", "vit, rollout, rollout_max_0", "vit, rollout, rollout_min_0",
            "vit, rollout, rollout_mean_0.5", "vit, rollout, rollout_max_0.9", "vit, gradcam, gradcam", "vit, chefer, chefer",
            "cvt, gradcam, gradcam",
            "pcn, gradcam, gradcam", "pcn, class-attention, class_attention", "pcn, last, class_attention",
            "pcn_multi, gradcam, gradcam", "pcn_multi, class-attention, class_attention"})
    void mapsMatchReference(String family, String method, String file) {
        String dir = "explain/" + (family.startsWith("pcn") ? "pcn" : family);
        for (int size : new int[]{64, 96}) {
            INDArray x = Fixtures.npy("explain", "input_" + size + ".npy");
            Rollout rollout = Rollout.DEFAULT;
            if (file.startsWith("rollout_")) {
                String[] p = file.split("_");
                rollout = new Rollout(Rollout.Fusion.parse(p[1]), Double.parseDouble(p[2]));
            }
            Explainer.Explanation e = explainer(family).explain(x, Method.parse(method), CLASSES, rollout);
            INDArray ref = Fixtures.npy(dir, family + "_" + size + "_" + file + ".npy");
            double err = mapError(e.maps(), ref);
            assertTrue(err <= TOLERANCE, family + " " + file + " at " + size + ": rel err " + err);
            assertTrue(Fixtures.relativeError(e.logits(), Fixtures.npy(dir, family + "_" + size + "_logits.npy")) <= TOLERANCE);
        }
    }

    /** "top": each image's predicted class. */
    @Test
    void topIsThePredictedClass() {
        INDArray x = Fixtures.npy("explain", "input_64.npy");
        Explainer.Explanation e = explainer("pcn_multi").explain(x, Method.CLASS_ATTENTION, null, Rollout.DEFAULT);
        INDArray logits = Fixtures.npy("explain/pcn", "pcn_multi_64_logits.npy");
        for (int b = 0; b < 2; b++) assertEquals(logits.getRow(b).argMax().getInt(0), e.classes()[b]);
    }

    @Test
    void undefinedMethodsAndBadClassesAreClearErrors() {
        INDArray x = Fixtures.npy("explain", "input_64.npy");
        ZooException cvt = assertThrows(ZooException.class,
                () -> explainer("cvt").explain(x, Method.ROLLOUT, CLASSES, Rollout.DEFAULT));
        assertTrue(cvt.getMessage().contains("not square"), cvt.getMessage());
        ZooException pcn = assertThrows(ZooException.class,
                () -> explainer("pcn").explain(x, Method.CHEFER, CLASSES, Rollout.DEFAULT));
        assertTrue(pcn.getMessage().contains("PatchConvNet"), pcn.getMessage());
        ZooException vit = assertThrows(ZooException.class,
                () -> explainer("vit").explain(x, Method.CLASS_ATTENTION, CLASSES, Rollout.DEFAULT));
        assertTrue(vit.getMessage().contains("class-attention"), vit.getMessage());
        ZooException cls = assertThrows(ZooException.class,
                () -> explainer("vit").explain(x, Method.GRADCAM, new int[]{1, 5}, Rollout.DEFAULT));
        assertTrue(cls.getMessage().contains("class 5"), cls.getMessage());
        assertThrows(ZooException.class, () -> Method.parse("saliency"));
        assertThrows(ZooException.class, () -> Explainer.classIndex(model("vit").classNames(), "cat"));
        assertEquals(2, Explainer.classIndex(model("vit").classNames(), "class 2"));
    }
}
