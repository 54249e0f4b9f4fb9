package org.cvtzoo.zoo.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stochastic gradient descent with momentum as {@code torch.optim.SGD} defines it, dampening 0
 * (without maximize). For each parameter {@code p} with gradient {@code g}, with {@code λ} the
 * weight decay if the {@link DecayRule} decays {@code p} and 0 otherwise, and {@code μ} the
 * momentum:
 * <pre>
 *   d ← g + λ·p                              coupled (L2) weight decay
 *   b ← d                 at the parameter's first update
 *   b ← μ·b + d           afterwards
 *   d ← d + μ·b           if nesterov, else d ← b
 *   p ← p − lr·d
 * </pre>
 * With momentum 0 this is plain SGD and keeps no state. Arithmetic is float32, element-wise.
 */
public final class SgdMomentum extends PerParameterOptimizer {

    /** {@link OptimizerState#optimizer()} of this optimiser's states. */
    public static final String KIND = "SGD";

    private final double momentum;
    private final boolean nesterov;

    private final Map<String, INDArray> buffers = new LinkedHashMap<>();

    /**
     * @param momentum    μ, in [0, 1)
     * @param nesterov    Nesterov momentum (needs momentum &gt; 0)
     * @param weightDecay λ, added to the gradient of the parameters {@code decayRule} decays
     * @param decayRule   which parameters are decayed
     */
    public SgdMomentum(double momentum, boolean nesterov, double weightDecay, DecayRule decayRule) {
        super(weightDecay, decayRule);
        if (!(momentum >= 0 && momentum < 1)) throw new IllegalArgumentException("momentum must be in [0, 1): " + momentum);
        if (nesterov && momentum == 0) throw new IllegalArgumentException("Nesterov momentum requires momentum > 0");
        this.momentum = momentum;
        this.nesterov = nesterov;
    }

    @Override
    void update(String name, INDArray p, INDArray g, double lr, double weightDecay) {
        // float32 in the order of the formulas above, in one pass without temporary arrays
        float wd = (float) weightDecay, mu = (float) momentum, rate = (float) lr;
        boolean decays = weightDecay != 0.0, nesterovStep = nesterov;
        if (momentum == 0.0) {
            NativeFloats.update(g, new INDArray[]{p}, (c, n) -> {
                float[] gv = c[0], pv = c[1];
                for (int i = 0; i < n; i++) pv[i] -= (decays ? gv[i] + pv[i] * wd : gv[i]) * rate;
            });
            return;
        }
        INDArray b = buffers.get(name);
        boolean first = b == null;
        if (first) {
            b = p.ulike().assign(0);
            buffers.put(name, b);
        }
        checkShape(name, "momentum_buffer", b, p);
        NativeFloats.update(g, new INDArray[]{p, b}, (c, n) -> {
            float[] gv = c[0], pv = c[1], bv = c[2];
            for (int i = 0; i < n; i++) {
                float d = decays ? gv[i] + pv[i] * wd : gv[i];
                float bi = first ? d : bv[i] * mu + d;
                bv[i] = bi;
                pv[i] -= (nesterovStep ? d + bi * mu : bi) * rate;
            }
        });
    }

    @Override
    public OptimizerState state() {
        Map<String, INDArray> tensors = new LinkedHashMap<>();
        export(tensors, "momentum_buffer", buffers);
        return new OptimizerState(KIND, steps(), Map.of(), tensors);
    }

    @Override
    public void loadState(OptimizerState state) {
        checkKind(state, KIND);
        restoreSteps(state.steps());
        importInto(buffers, "momentum_buffer", state);
    }
}
