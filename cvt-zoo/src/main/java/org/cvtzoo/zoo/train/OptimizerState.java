package org.cvtzoo.zoo.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An optimiser's state, for resuming a run exactly.
 *
 * @param optimizer  which optimiser wrote it ({@link AdamW#KIND}, {@link SgdMomentum#KIND})
 * @param steps      how many times {@code step} was called
 * @param paramSteps per parameter, how many updates it received (AdamW's bias corrections
 *                   use this; it differs from {@code steps} only for parameters that were
 *                   skipped for want of a gradient); empty for SGD
 * @param tensors    the state arrays, named {@code KIND/parameter}, with the kinds PyTorch uses
 *                   in its optimiser state: {@code exp_avg}, {@code exp_avg_sq},
 *                   {@code momentum_buffer}; arrays have their parameter's shape, float32
 */
public record OptimizerState(String optimizer, long steps, Map<String, Long> paramSteps,
                             Map<String, INDArray> tensors) {
    public OptimizerState {
        paramSteps = Collections.unmodifiableMap(new LinkedHashMap<>(paramSteps));
        tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /** The state array {@code kind} of parameter {@code param}, or null. */
    public INDArray tensor(String kind, String param) {
        return tensors.get(key(kind, param));
    }

    static String key(String kind, String param) {
        return kind + "/" + param;
    }
}
