package org.cvtzoo.core.image;

import org.cvtzoo.core.ZooException;

/**
 * An image file that cannot be read: missing, unreadable, broken, truncated or of an unsupported
 * kind. The message names the file and the problem.
 */
public class ImageException extends ZooException {
    private static final long serialVersionUID = 1L;

    public ImageException(String message) {
        super(message);
    }

    public ImageException(String message, Throwable cause) {
        super(message, cause);
    }
}
