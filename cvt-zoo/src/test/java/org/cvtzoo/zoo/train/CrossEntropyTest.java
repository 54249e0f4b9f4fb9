package org.cvtzoo.zoo.train;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Against F.cross_entropy(..., label_smoothing=s) (make_optim.py, ce/). */
class CrossEntropyTest {

    @Test
    void matchesTorch() {
        INDArray logits = TrainFixtures.npy("ce/logits.npy");
        float[] lf = TrainFixtures.npy("ce/labels.npy").toFloatVector();
        int[] labels = new int[lf.length];
        for (int i = 0; i < lf.length; i++) labels[i] = Math.round(lf[i]);
        int n = 0;
        for (String line : TrainFixtures.lines("ce/loss.txt")) {
            String[] f = line.split(" ");
            double s = Double.parseDouble(f[0]);
            double expected = Double.parseDouble(f[1]);
            assertEquals(expected, CrossEntropy.loss(logits, labels, s), 1e-6 * expected, line);
            n++;
        }
        assertEquals(2, n);
    }

    @Test
    void smallCases() {
        // uniform logits: log C whatever the smoothing
        INDArray z = Nd4j.zeros(2, 4);
        assertEquals(Math.log(4), CrossEntropy.loss(z, new int[]{0, 3}, 0.0), 1e-12);
        assertEquals(Math.log(4), CrossEntropy.loss(z, new int[]{0, 3}, 0.3), 1e-12);
        // huge logits stay finite
        INDArray big = Nd4j.createFromArray(new float[][]{{1000f, 0f}});
        assertEquals(0.0, CrossEntropy.loss(big, new int[]{0}, 0.0), 1e-12);
        assertEquals(0.1 * 0.5 * 1000, CrossEntropy.loss(big, new int[]{0}, 0.1), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.loss(z, new int[]{4, 0}, 0));
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.loss(z, new int[]{0}, 0));
        assertThrows(IllegalArgumentException.class, () -> CrossEntropy.loss(z, new int[]{0, 1}, 1.5));
    }
}
