package org.cvtzoo.core.graph;

import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Ops whose inference graphs take another, cheaper form than their training graphs give the same values. */
class InferenceFormsTest {

    @Test
    void attentionScoresWithTheScaleAsMatmulAlpha() {
        Nd4j.getRandom().setSeed(11);
        INDArray q = Nd4j.randn(DataType.FLOAT, 3, 2, 7, 8), k = Nd4j.randn(DataType.FLOAT, 3, 2, 5, 8);
        INDArray[] forms = new INDArray[2];
        for (int training = 0; training < 2; training++) {
            SameDiff sd = SameDiff.create();
            SDVariable qv = sd.placeHolder("q", DataType.FLOAT, -1, 2, 7, 8), kv = sd.placeHolder("k", DataType.FLOAT, -1, 2, 5, 8);
            SDVariable s = Ops.attentionScores(qv, kv, 0.125, training == 1);
            forms[training] = sd.output(Map.of("q", q, "k", k), s.name()).get(s.name());
        }
        INDArray want = Nd4j.create(DataType.FLOAT, 3, 2, 7, 5);
        for (int b = 0; b < 3; b++) {
            for (int h = 0; h < 2; h++) {
                want.slice(b).slice(h).assign(q.slice(b).slice(h).mmul(k.slice(b).slice(h).transpose()).muli(0.125));
            }
        }
        for (INDArray got : forms) {
            assertArrayEquals(want.shape(), got.shape());
            assertTrue(got.sub(want).amaxNumber().doubleValue() < 1e-6, "scores off by " + got.sub(want).amaxNumber());
        }
    }

    @Test
    void layerNormFromMomentsMatchesTheComposedForm() {
        Nd4j.getRandom().setSeed(12);
        INDArray x = Nd4j.randn(DataType.FLOAT, 6, 5, 24).muli(3).addi(1);
        INDArray gain = Nd4j.rand(DataType.FLOAT, 24), bias = Nd4j.randn(DataType.FLOAT, 24);
        INDArray[] forms = new INDArray[2];
        for (int training = 0; training < 2; training++) {
            SameDiff sd = SameDiff.create();
            SDVariable in = sd.placeHolder("x", DataType.FLOAT, -1, 5, 24);
            SDVariable y = Ops.layerNorm(in, sd.constant(gain), sd.constant(bias), 1e-6, 2, training == 1);
            forms[training] = sd.output(Map.of("x", x), y.name()).get(y.name());
        }
        assertTrue(forms[0].sub(forms[1]).amaxNumber().doubleValue() < 1e-5,
                "inference and training LayerNorm differ by " + forms[0].sub(forms[1]).amaxNumber());
    }
}
