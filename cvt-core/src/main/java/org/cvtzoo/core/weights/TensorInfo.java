package org.cvtzoo.core.weights;

/** TEMPORARY stub until the weights branch is merged. */
public record TensorInfo(String name, String dtype, long[] shape) {}
