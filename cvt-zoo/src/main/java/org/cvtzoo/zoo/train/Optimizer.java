package org.cvtzoo.zoo.train;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A first-order optimiser working on plain arrays, independent of any graph: gradients come
 * from a {@link org.cvtzoo.zoo.TrainingGraph} step, the update is applied here, in place, on the
 * parameter arrays (normally the {@code ParamStore} arrays, in graph layout: every optimiser
 * here is element-wise, so the layout does not matter, and the weight-decay rule only looks at
 * names and ranks, which are the same in both layouts).
 *
 * <p>Parameters are identified by name; the optimiser keeps its per-parameter state (moments,
 * momentum buffers, step counts) under the same names. A parameter in {@code params} that has
 * no entry in {@code grads} is skipped, state and step count included, as PyTorch skips a
 * parameter whose {@code .grad} is {@code None}.
 */
public interface Optimizer {

    /**
     * One update of every parameter that has a gradient.
     *
     * @param params the parameters, updated in place
     * @param grads  gradients of the same shapes, by parameter name; not modified
     * @param lr     the learning rate for this step (from an {@link LrSchedule}, say)
     * @throws IllegalArgumentException if a gradient names no parameter or has another shape
     */
    void step(Map<String, INDArray> params, Map<String, INDArray> grads, double lr);

    /** How many times {@link #step} has been called (since construction, or as loaded). */
    long steps();

    /**
     * A copy of the whole state, enough for a fresh optimiser with the same hyperparameters to
     * continue exactly where this one is ({@link #loadState}).
     */
    OptimizerState state();

    /**
     * Replaces this optimiser's state by a copy of {@code state}.
     *
     * @throws IllegalArgumentException if the state was saved by another kind of optimiser
     */
    void loadState(OptimizerState state);
}
