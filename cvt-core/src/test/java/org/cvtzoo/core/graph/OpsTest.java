package org.cvtzoo.core.graph;

import org.cvtzoo.core.weights.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpsTest {

    /** PyTorch's AvgPool2d(ceil_mode=True, count_include_pad=True), from make_pool.py's fixtures. */
    @ParameterizedTest
    @ValueSource(strings = {"pool_16x16_k3s2p1", "pool_7x9_k3s2p1", "pool_5x8_k2s3p1", "pool_11x6_k3s2p0",
            "pool_6x13_k4s3p2", "pool_3x3_k3s1p1"})
    void avgPoolCeilMatchesPyTorch(String name) throws Exception {
        Matcher m = Pattern.compile("pool_(\\d+)x(\\d+)_k(\\d+)s(\\d+)p(\\d+)").matcher(name);
        assertTrue(m.matches());
        long h = Long.parseLong(m.group(1)), w = Long.parseLong(m.group(2));
        long k = Long.parseLong(m.group(3)), s = Long.parseLong(m.group(4)), p = Long.parseLong(m.group(5));
        Path dir = Path.of(OpsTest.class.getResource("/ops").toURI());
        INDArray x = Npy.read(dir.resolve(name + "_in.npy"));
        INDArray want = Npy.read(dir.resolve(name + "_out.npy"));
        assertEquals(want.size(2), Ops.ceilPoolOut(h, k, s, p));
        assertEquals(want.size(3), Ops.ceilPoolOut(w, k, s, p));
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("x", DataType.FLOAT, -1, 3, h, w);
        SDVariable y = Ops.avgPoolCeil(in, h, w, k, s, p);
        INDArray got = sd.output(Map.of("x", x), y.name()).get(y.name());
        assertArrayEquals(want.shape(), got.shape());
        assertTrue(maxAbsDiff(got, want) < 1e-5, name + ": " + maxAbsDiff(got, want));
    }

    /** Over a permuted batch of tokens (SameDiff M2.1 gets axis -1 wrong there for batch > 1). */
    @Test
    void layerNormWithEpsOverPermutedBatch() {
        Nd4j.getRandom().setSeed(7);
        INDArray grid = Nd4j.rand(DataType.FLOAT, 3, 16, 5, 7).muli(3).addi(1);
        INDArray gain = Nd4j.rand(DataType.FLOAT, 16), bias = Nd4j.rand(DataType.FLOAT, 16);
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.placeHolder("g", DataType.FLOAT, -1, 16, 5, 7);
        SDVariable y = Ops.layerNorm(Ops.gridToTokens(in, 16, 5, 7), sd.constant(gain), sd.constant(bias), 1e-5, 2, false);
        INDArray got = sd.output(Map.of("g", grid), y.name()).get(y.name());

        INDArray tokens = grid.reshape(3, 16, 35).permute(0, 2, 1).dup('c').castTo(DataType.DOUBLE);
        INDArray mean = tokens.mean(true, 2);
        INDArray var = tokens.sub(mean).muli(tokens.sub(mean)).mean(true, 2);
        INDArray want = tokens.sub(mean).divi(Transforms.sqrt(var.add(1e-5)))
                .muli(gain.castTo(DataType.DOUBLE).reshape(1, 1, 16)).addi(bias.castTo(DataType.DOUBLE).reshape(1, 1, 16));
        assertTrue(maxAbsDiff(got, want) < 1e-5, "layer norm: " + maxAbsDiff(got, want));
    }

    @Test
    void exactGeluIsErfGelu() {
        double[] xs = {-4, -1.5, -0.3, 0, 0.2, 1, 2.5};
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.constant(Nd4j.createFromArray(xs).castTo(DataType.FLOAT));
        INDArray got = Ops.exactGelu(x).eval();
        // 0.5 x (1 + erf(x / sqrt 2)) = x * Phi(x), Phi computed here from the complementary error function series
        for (int i = 0; i < xs.length; i++) {
            double want = xs[i] * normalCdf(xs[i]);
            assertEquals(want, got.getDouble(i), 1e-5, "gelu(" + xs[i] + ")");
        }
    }

    @Test
    void quickGeluIsSigmoidOf1702() {
        double[] xs = {-4, -1.5, -0.3, 0, 0.2, 1, 2.5};
        SameDiff sd = SameDiff.create();
        INDArray got = Ops.quickGelu(sd.constant(Nd4j.createFromArray(xs).castTo(DataType.FLOAT))).eval();
        for (int i = 0; i < xs.length; i++) {
            assertEquals(xs[i] / (1 + Math.exp(-1.702 * xs[i])), got.getDouble(i), 1e-6);
        }
    }

    /** Standard normal CDF by numerical integration (Simpson), independent of any erf code. */
    private static double normalCdf(double x) {
        int n = 20000;
        double a = -12, hstep = (x - a) / n, sum = 0;
        for (int i = 0; i <= n; i++) {
            double t = a + i * hstep, f = Math.exp(-t * t / 2) / Math.sqrt(2 * Math.PI);
            sum += (i == 0 || i == n) ? f : (i % 2 == 1 ? 4 * f : 2 * f);
        }
        return sum * hstep / 3;
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return Transforms.abs(a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE))).maxNumber().doubleValue();
    }
}
