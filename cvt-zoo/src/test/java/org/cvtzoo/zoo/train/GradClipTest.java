package org.cvtzoo.zoo.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Against torch.nn.utils.clip_grad_norm_ (make_optim.py, clip/). */
class GradClipTest {

    @Test
    void matchesTorch() {
        for (String line : TrainFixtures.lines("clip/norms.txt")) {
            String[] f = line.split(" ");
            String label = f[0];
            double maxNorm = Double.parseDouble(f[1]);
            double torchNorm = Double.parseDouble(f[2]);
            List<INDArray> grads = List.of(TrainFixtures.npy("clip/" + label + "_g0.npy"),
                    TrainFixtures.npy("clip/" + label + "_g1.npy"));
            double norm = GradClip.clipByGlobalNorm(grads, maxNorm);
            assertEquals(torchNorm, norm, 1e-6 * torchNorm, label);
            for (int i = 0; i < 2; i++) {
                INDArray ref = TrainFixtures.npy("clip/" + label + "_g" + i + "_clipped.npy");
                // relative to the reference's own scale: the 'tiny' case is ~1e-5
                double err = Transforms.abs(grads.get(i).sub(ref)).maxNumber().doubleValue()
                        / Transforms.abs(ref).maxNumber().doubleValue();
                assertTrue(err < 1e-6, label + " g" + i + ": relative error " + err);
            }
            if (maxNorm < norm) {
                // clipped to max_norm * total / (total + 1e-6): visibly below max_norm for 'tiny'
                double clipped = maxNorm * norm / (norm + 1e-6);
                assertEquals(clipped, GradClip.globalNorm(grads), 1e-6 * maxNorm);
            }
        }
    }

    @Test
    void nonFiniteLeavesGradientsAlone() {
        INDArray g = Nd4j.createFromArray(1f, Float.NaN, 3f);
        double n = GradClip.clipByGlobalNorm(List.of(g), 1.0);
        assertTrue(Double.isNaN(n));
        assertEquals(1f, g.getFloat(0), 0f);
        assertEquals(3f, g.getFloat(2), 0f);
    }
}
