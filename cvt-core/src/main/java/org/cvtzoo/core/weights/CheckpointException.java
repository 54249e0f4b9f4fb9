package org.cvtzoo.core.weights;

import org.cvtzoo.core.ZooException;

/**
 * Any problem with a checkpoint or array file: missing, unreadable, of an unknown or unsupported
 * format, corrupt, truncated, or holding something other than what the reader expects.
 *
 * <p>The message always names the file (and, where it applies, the tensor) and the problem, e.g.
 * {@code model.pth: truncated or corrupt zip archive (zip END header not found)}.
 */
public class CheckpointException extends ZooException {
    private static final long serialVersionUID = 1L;

    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
