package org.cvtzoo.zoo;

import org.cvtzoo.zoo.explain.Faithfulness;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The deletion and insertion curves (Petsiuk et al.): their end points and areas, and the cell order a map gives. */
class FaithfulnessTest {

    @Test
    void areaIsTheTrapezoidMeanOverTheUnitInterval() {
        assertEquals(0.5, Faithfulness.auc(new double[]{1, 0.5, 0}), 1e-12);
        assertEquals(0.25, Faithfulness.auc(new double[]{0, 0, 1}), 1e-12);
        assertEquals(0.7, Faithfulness.auc(new double[]{0.7, 0.7, 0.7, 0.7}), 1e-12);
    }

    @Test
    void curvesRunFromTheImageToTheFlatMeanAndBack() {
        Path dir = Fixtures.dir("pcn_tiny");
        VisionModel m = VisionModel.fromCheckpoint(Zoo.architecture(dir.resolve("spec.json"), null), dir.resolve("model.pth"));
        INDArray x = Fixtures.npy("pcn_tiny", "input.npy").get(NDArrayIndex.interval(0, 1)).dup(); // [1, 3, 64, 64]: a 4x4 grid
        int cls = 2;
        double full = prob(m, x, cls), none = prob(m, Nd4j.zeros(DataType.FLOAT, 1, 3, 64, 64), cls);
        INDArray map = Faithfulness.randomMap(4, 4, new Random(1));
        Faithfulness.Curves c = Faithfulness.measure(m, x, map, cls, 16);
        assertEquals(17, c.deletion().length);
        assertEquals(full, c.deletion()[0], 1e-5);
        assertEquals(none, c.deletion()[16], 1e-5);
        assertEquals(none, c.insertion()[0], 1e-5);
        assertEquals(full, c.insertion()[16], 1e-5);
        // the first step deletes the map's highest cell: the image with that 16x16 block set to 0
        int best = 0;
        for (int i = 1; i < 16; i++) if (map.getDouble(i / 4, i % 4) > map.getDouble(best / 4, best % 4)) best = i;
        INDArray oneOff = x.dup();
        oneOff.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(16 * (best / 4), 16 * (best / 4) + 16),
                NDArrayIndex.interval(16 * (best % 4), 16 * (best % 4) + 16)).assign(0);
        assertEquals(prob(m, oneOff, cls), c.deletion()[1], 1e-5);
    }

    private static double prob(VisionModel m, INDArray x, int cls) {
        return Transforms.softmax(m.forward(x).logits().castTo(DataType.DOUBLE), true).getDouble(0, cls);
    }
}
