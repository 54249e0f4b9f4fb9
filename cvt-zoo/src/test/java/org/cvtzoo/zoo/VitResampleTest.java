package org.cvtzoo.zoo;

import org.cvtzoo.core.graph.Resample;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The position-embedding resampling: its matrices (values from PyTorch 1.13's
 * F.interpolate(bicubic, antialias=True) on unit vectors), the graph against the eager version,
 * and its gradient against finite differences (it is linear, so they agree to rounding).
 */
class VitResampleTest {

    @Test
    void matricesMatchPyTorch() {
        // torch 1.13: F.interpolate(eye(4, float64).reshape(4, 1, 1, 4), size=(1, n), mode='bicubic', antialias=True).reshape(4, n).T
        double[][] up = Resample.bicubicAntialiasMatrix(6, 4);
        double[][] down = Resample.bicubicAntialiasMatrix(2, 4);
        double[][] upRef = {
                {1.0657894736842106, -0.0657894736842106, 0.0, 0.0},
                {0.5294117647058824, 0.5294117647058824, -0.0588235294117647, 0.0},
                {-0.0578703703703703, 0.9375000000000001, 0.1319444444444442, -0.0115740740740740},
                {-0.0115740740740739, 0.1319444444444447, 0.9374999999999996, -0.0578703703703703},
                {0.0, -0.0588235294117647, 0.5294117647058824, 0.5294117647058824},
                {0.0, 0.0, -0.0657894736842104, 1.0657894736842104}};
        double[][] downRef = {
                {0.4586776859504132, 0.4586776859504132, 0.1198347107438017, -0.0371900826446281},
                {-0.0371900826446281, 0.1198347107438017, 0.4586776859504132, 0.4586776859504132}};
        for (int i = 0; i < 6; i++) assertArrayEquals(upRef[i], up[i], 1e-12, "up row " + i);
        for (int i = 0; i < 2; i++) assertArrayEquals(downRef[i], down[i], 1e-12, "down row " + i);
        double[][] same = Resample.bicubicAntialiasMatrix(5, 5);
        for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++) assertEquals(i == j ? 1.0 : 0.0, same[i][j], 1e-15);
    }

    @Test
    void graphMatchesEagerAndGradientMatchesFiniteDifferences() {
        Nd4j.getRandom().setSeed(5);
        long c = 3, oldH = 4, oldW = 4, h = 6, w = 3;
        INDArray p0 = Nd4j.randn(DataType.DOUBLE, 1, 1 + oldH * oldW, c);
        INDArray r = Nd4j.randn(DataType.DOUBLE, 1, 1 + h * w, c);
        SameDiff sd = SameDiff.create();
        SDVariable p = sd.var("pos_embed", p0.dup());
        SDVariable out = Resample.absPosEmbed(p, 1, oldH, oldW, h, w, c);
        SDVariable loss = out.mul(sd.constant(r)).sum();
        loss.markAsLoss();
        INDArray got = out.eval();
        INDArray eager = Resample.absPosEmbed(p0, 1, oldH, oldW, h, w);
        assertArrayEquals(new long[]{1, 1 + h * w, c}, got.shape());
        assertEquals(0.0, got.sub(eager.castTo(DataType.DOUBLE)).amaxNumber().doubleValue(), 1e-5);
        INDArray grad = sd.calculateGradients(Map.of(), "pos_embed").get("pos_embed");
        for (long[] idx : new long[][]{{0, 0, 1}, {0, 1, 0}, {0, 6, 2}, {0, 16, 1}}) {
            double eps = 1e-3;
            INDArray q = p0.dup();
            q.putScalar(idx, q.getDouble(idx) + eps);
            double f1 = Resample.absPosEmbed(q, 1, oldH, oldW, h, w).castTo(DataType.DOUBLE).mul(r).sumNumber().doubleValue();
            double f0 = Resample.absPosEmbed(p0, 1, oldH, oldW, h, w).castTo(DataType.DOUBLE).mul(r).sumNumber().doubleValue();
            assertEquals((f1 - f0) / eps, grad.getDouble(idx), 2e-2, "gradient at " + java.util.Arrays.toString(idx));
        }
    }
}
