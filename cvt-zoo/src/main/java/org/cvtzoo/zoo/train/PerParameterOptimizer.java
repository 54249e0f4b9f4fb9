package org.cvtzoo.zoo.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;

/**
 * What {@link AdamW} and {@link SgdMomentum} share: the step that checks the gradients and
 * updates each parameter that has one, with the weight decay its {@link DecayRule} gives it; the
 * step count; and the bookkeeping of per-parameter state arrays.
 */
abstract class PerParameterOptimizer implements Optimizer {
    private final double weightDecay;
    private final DecayRule decayRule;
    private long steps;

    PerParameterOptimizer(double weightDecay, DecayRule decayRule) {
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0: " + weightDecay);
        if (decayRule == null) throw new NullPointerException("decayRule");
        this.weightDecay = weightDecay;
        this.decayRule = decayRule;
    }

    /**
     * Updates {@code p} in place from its gradient {@code g}.
     *
     * @param weightDecay λ for this parameter: the optimiser's, or 0 where the rule does not decay it
     */
    abstract void update(String name, INDArray p, INDArray g, double lr, double weightDecay);

    @Override
    public final void step(Map<String, INDArray> params, Map<String, INDArray> grads, double lr) {
        checkGrads(params, grads);
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String name = e.getKey();
            INDArray p = e.getValue();
            INDArray g = grads.get(name);
            if (g == null) continue;
            update(name, p, g, lr, decayRule.decays(name, p.rank()) ? weightDecay : 0.0);
        }
        steps++;
    }

    @Override
    public final long steps() {
        return steps;
    }

    /** Continues counting from a loaded state's step count. */
    final void restoreSteps(long steps) {
        this.steps = steps;
    }

    private static void checkGrads(Map<String, INDArray> params, Map<String, INDArray> grads) {
        for (Map.Entry<String, INDArray> e : grads.entrySet()) {
            INDArray p = params.get(e.getKey());
            if (p == null) {
                throw new IllegalArgumentException("gradient for " + e.getKey() + ", which is not a parameter");
            }
            if (!Arrays.equals(p.shape(), e.getValue().shape())) {
                throw new IllegalArgumentException("gradient for " + e.getKey() + " has shape "
                        + Arrays.toString(e.getValue().shape()) + ", the parameter " + Arrays.toString(p.shape()));
            }
            if (p.dataType() != DataType.FLOAT || e.getValue().dataType() != DataType.FLOAT) {
                throw new IllegalArgumentException(e.getKey() + ": parameters and gradients must be float32, got "
                        + p.dataType() + " and " + e.getValue().dataType());
            }
        }
    }

    /** The state array {@code kind} of {@code name}, created as zeros on first use. */
    static INDArray stateFor(Map<String, INDArray> states, String name, INDArray p) {
        INDArray s = states.get(name);
        if (s == null) {
            s = p.ulike().assign(0);
            states.put(name, s);
        }
        checkShape(name, "state", s, p);
        return s;
    }

    static void checkShape(String name, String kind, INDArray s, INDArray p) {
        if (!Arrays.equals(s.shape(), p.shape())) {
            throw new IllegalArgumentException(kind + " of " + name + " has shape " + Arrays.toString(s.shape())
                    + ", the parameter " + Arrays.toString(p.shape()));
        }
    }

    static void export(Map<String, INDArray> out, String kind, Map<String, INDArray> states) {
        states.forEach((name, s) -> out.put(OptimizerState.key(kind, name), s.dup('c')));
    }

    static void importInto(Map<String, INDArray> states, String kind, OptimizerState state) {
        states.clear();
        String prefix = kind + "/";
        state.tensors().forEach((key, s) -> {
            if (key.startsWith(prefix)) states.put(key.substring(prefix.length()), s.castTo(DataType.FLOAT).dup('c'));
        });
    }

    static void checkKind(OptimizerState state, String kind) {
        if (!kind.equals(state.optimizer())) {
            throw new IllegalArgumentException("cannot load a " + state.optimizer() + " state into " + kind);
        }
    }
}
