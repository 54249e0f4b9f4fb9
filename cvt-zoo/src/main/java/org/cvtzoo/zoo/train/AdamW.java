package org.cvtzoo.zoo.train;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov &amp; Hutter, decoupled weight decay) as {@code torch.optim.AdamW} defines
 * it (without amsgrad and maximize). For each parameter {@code p} with gradient {@code g}, at
 * its {@code t}-th update ({@code t} = 1, 2, ...), with {@code λ} the weight decay if the
 * {@link DecayRule} decays {@code p} and 0 otherwise:
 * <pre>
 *   p  ← p · (1 − lr·λ)                      decoupled decay, before the Adam update
 *   m  ← β1·m + (1 − β1)·g
 *   v  ← β2·v + (1 − β2)·g²
 *   p  ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
 * </pre>
 * i.e. ε is added after the square root of the bias-corrected second moment. Arithmetic is
 * float32, element-wise, in PyTorch's order; scalar coefficients are computed in double.
 */
public final class AdamW extends PerParameterOptimizer {

    /** {@link OptimizerState#optimizer()} of this optimiser's states. */
    public static final String KIND = "AdamW";

    private final double beta1;
    private final double beta2;
    private final double eps;

    private final Map<String, Long> paramSteps = new LinkedHashMap<>();
    private final Map<String, INDArray> expAvg = new LinkedHashMap<>();
    private final Map<String, INDArray> expAvgSq = new LinkedHashMap<>();

    /**
     * @param beta1       first-moment decay (PyTorch default 0.9)
     * @param beta2       second-moment decay (default 0.999)
     * @param eps         added to the denominator (default 1e-8)
     * @param weightDecay decoupled weight decay λ for the parameters {@code decayRule} decays
     *                    (PyTorch's default 0.01; fine-tuning recipes use 0.05)
     * @param decayRule   which parameters are decayed ({@link DecayRule#of}, {@link DecayRule#ALL})
     */
    public AdamW(double beta1, double beta2, double eps, double weightDecay, DecayRule decayRule) {
        super(weightDecay, decayRule);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("beta1 must be in [0, 1): " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("beta2 must be in [0, 1): " + beta2);
        if (!(eps >= 0)) throw new IllegalArgumentException("eps must be >= 0: " + eps);
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /** Betas (0.9, 0.999), eps 1e-8 (PyTorch's defaults), the given weight decay and groups. */
    public AdamW(double weightDecay, DecayRule decayRule) {
        this(0.9, 0.999, 1e-8, weightDecay, decayRule);
    }

    @Override
    void update(String name, INDArray p, INDArray g, double lr, double weightDecay) {
        INDArray m = stateFor(expAvg, name, p);
        INDArray v = stateFor(expAvgSq, name, p);
        long t = paramSteps.merge(name, 1L, Long::sum);
        double biasCorrection1 = 1.0 - Math.pow(beta1, t);
        double biasCorrection2 = 1.0 - Math.pow(beta2, t);
        // float32 in the order of the formulas above; one pass and no temporary arrays (a fresh
        // off-heap array per term was most of an optimiser step, and garbage for the collector)
        float decay = (float) (1.0 - lr * weightDecay), b1 = (float) beta1, c1 = (float) (1.0 - beta1);
        float b2 = (float) beta2, c2 = (float) (1.0 - beta2), e = (float) eps;
        float stepSize = (float) (lr / biasCorrection1), sqrtCorrection2 = (float) Math.sqrt(biasCorrection2);
        boolean decays = weightDecay != 0.0;
        NativeFloats.update(g, new INDArray[]{p, m, v}, (c, n) -> {
            float[] gv = c[0], pv = c[1], mv = c[2], vv = c[3];
            for (int i = 0; i < n; i++) {
                float pi = decays ? pv[i] * decay : pv[i];
                float mi = mv[i] * b1 + gv[i] * c1;
                float vi = vv[i] * b2 + gv[i] * gv[i] * c2;
                float denom = (float) Math.sqrt(vi) / sqrtCorrection2 + e;
                mv[i] = mi;
                vv[i] = vi;
                pv[i] = pi - mi * stepSize / denom;
            }
        });
    }

    @Override
    public OptimizerState state() {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        export(tensors, "exp_avg", expAvg);
        export(tensors, "exp_avg_sq", expAvgSq);
        return new OptimizerState(KIND, steps(), paramSteps, tensors);
    }

    @Override
    public void loadState(OptimizerState state) {
        checkKind(state, KIND);
        restoreSteps(state.steps());
        paramSteps.clear();
        paramSteps.putAll(state.paramSteps());
        importInto(expAvg, "exp_avg", state);
        importInto(expAvgSq, "exp_avg_sq", state);
        if (!expAvg.keySet().equals(expAvgSq.keySet()) || !expAvg.keySet().equals(paramSteps.keySet())) {
            throw new IllegalArgumentException("AdamW state is inconsistent: exp_avg for " + expAvg.keySet()
                    + ", exp_avg_sq for " + expAvgSq.keySet() + ", step counts for " + paramSteps.keySet());
        }
    }
}
