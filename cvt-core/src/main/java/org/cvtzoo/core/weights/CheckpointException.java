package org.cvtzoo.core.weights;

/** TEMPORARY stub until the weights branch is merged. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) { super(message); }
    public CheckpointException(String message, Throwable cause) { super(message, cause); }
}
