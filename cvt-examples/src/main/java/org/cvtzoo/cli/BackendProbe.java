package org.cvtzoo.cli;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Run in a child JVM by {@link BackendSelection}: starts ND4J's default backend and checks that
 * it computes a matrix product, a softmax and a convolution right (against plain Java), which
 * is what a GPU without kernels for its architecture fails at. Prints one verdict line.
 */
public final class BackendProbe {
    static final String VERDICT = "cvt-probe: ";
    /** Exit status when ND4J itself skipped the CUDA backend (no GPU, or no CUDA libraries). */
    static final int CUDA_UNAVAILABLE = 4;

    private BackendProbe() {
    }

    public static void main(String[] args) {
        try {
            if (Nd4j.getEnvironment().isCPU()) {
                System.out.println(VERDICT + "ND4J skipped the CUDA backend (no usable GPU or CUDA 11.6 libraries)");
                System.exit(CUDA_UNAVAILABLE);
            }
            String device = String.valueOf(Nd4j.getExecutioner().getEnvironmentInformation().getOrDefault("cuda.devicesInformation", "GPU"));
            float[] a = new float[64 * 64];
            for (int i = 0; i < a.length; i++) a[i] = (float) Math.sin(i * 0.37);
            INDArray m = Nd4j.create(a, new long[]{64, 64}, DataType.FLOAT);
            INDArray prod = m.mmul(m);
            double want = 0;
            for (int k = 0; k < 64; k++) want += a[3 * 64 + k] * a[k * 64 + 5];
            check("mmul", prod.getDouble(3, 5), want);
            INDArray sm = Transforms.softmax(m.dup(), true);
            check("softmax", sm.getRow(7).sumNumber().doubleValue(), 1.0);
            INDArray img = m.reshape(1, 1, 64, 64);
            INDArray w = Nd4j.ones(DataType.FLOAT, 1, 1, 3, 3);
            INDArray conv = Nd4j.cnn().conv2d(img, w.permute(2, 3, 1, 0).dup(),
                    org.cvtzoo.core.graph.Ops.convConfig(3, 1, 0));
            double sum = 0;
            for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++) sum += a[(10 + i) * 64 + 20 + j];
            check("conv2d", conv.getDouble(0, 0, 10, 20), sum);
            System.out.println(VERDICT + device);
            System.exit(0);
        } catch (Throwable t) {
            String msg = t.getMessage() == null ? t.getClass().getName() : t.getMessage().lines().findFirst().orElse("");
            System.out.println(VERDICT + msg);
            System.exit(3);
        }
    }

    private static void check(String what, double got, double want) {
        if (!(Math.abs(got - want) <= 1e-3 * Math.max(1, Math.abs(want)))) {
            throw new IllegalStateException(what + " computed " + got + " instead of " + want);
        }
    }
}
