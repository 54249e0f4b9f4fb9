package org.cvtzoo.zoo.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/** Gradient clipping by global norm, as {@code torch.nn.utils.clip_grad_norm_} (L2 norm). */
public final class GradClip {
    private GradClip() {
    }

    /**
     * The L2 norm of all gradients together, {@code total = √(Σ ‖g‖²)}; if
     * {@code c = maxNorm / (total + 1e-6)} is below 1, every gradient is multiplied by {@code c}
     * in place (PyTorch multiplies by {@code min(c, 1)}, which is the same). A non-finite total
     * (NaN or infinite gradients) is returned and the gradients are left as they are, so that
     * the caller can skip the step; PyTorch (with {@code error_if_nonfinite=False}) would
     * multiply them by NaN or 0 instead.
     *
     * @return the total norm before clipping
     */
    public static double clipByGlobalNorm(Collection<INDArray> grads, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("maxNorm must be > 0: " + maxNorm);
        double total = globalNorm(grads);
        if (!Double.isFinite(total)) return total;
        double coef = maxNorm / (total + 1e-6);
        if (coef < 1.0) {
            for (INDArray g : grads) g.muli(coef);
        }
        return total;
    }

    /** {@code √(Σ ‖g‖²)} over all arrays (each array's norm in its own precision, summed in double). */
    public static double globalNorm(Collection<INDArray> grads) {
        double sumSq = 0;
        for (INDArray g : grads) {
            if (g.isEmpty()) continue;
            double n = g.norm2Number().doubleValue();
            sumSq += n * n;
        }
        return Math.sqrt(sumSq);
    }
}
