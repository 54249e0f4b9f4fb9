package org.cvtzoo.zoo.train;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;

/** Checks and state bookkeeping shared by the optimisers. */
final class Steps {
    private Steps() {
    }

    static void checkGrads(Map<String, INDArray> params, Map<String, INDArray> grads) {
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
