package org.cvtzoo.core.graph;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Scope.truncNormal against timm's trunc_normal_(std=s, a=-2, b=2): absolute bounds, values redrawn. */
class TruncNormalTest {
    private static double[] draw(double std, int n) {
        Nd4j.getRandom().setSeed(7);
        INDArray a = Nd4j.create(DataType.FLOAT, n);
        Scope.truncNormal(std).accept(a);
        return a.toDoubleVector();
    }

    @Test
    void boundsAreAbsoluteNotInStandardDeviations() {
        double max = 0;
        for (double v : draw(2.0, 20_000)) max = Math.max(max, Math.abs(v));
        assertTrue(max <= 2.0, "a value " + max + " outside [-2, 2]");
    }

    @Test
    void outsideValuesAreRedrawnNotClipped() {
        int atBound = 0;
        double sumSq = 0;
        double[] v = draw(1.0, 20_000);
        for (double x : v) {
            if (Math.abs(x) >= 2.0 - 1e-6) atBound++;
            sumSq += x * x;
        }
        // clipping would pile 4.6% of the values on the bounds
        assertTrue(atBound < 10, atBound + " values on the bounds");
        // the standard deviation of N(0, 1) truncated to [-2, 2]: sqrt(1 - 4 phi(2) / (2 Phi(2) - 1)) = 0.8796
        assertEquals(0.8796, Math.sqrt(sumSq / v.length), 0.01);
    }

    @Test
    void smallStdIsAPlainNormal() {
        double sumSq = 0;
        double[] v = draw(0.02, 20_000);
        for (double x : v) sumSq += x * x;
        assertEquals(0.02, Math.sqrt(sumSq / v.length), 0.0005);
    }
}
