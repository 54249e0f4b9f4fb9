package org.cvtzoo.core.data;

import org.cvtzoo.core.ZooException;

/**
 * A batch could not be prepared: the cause is the failure in the worker (an unreadable image,
 * a dataset error), the message says which example, batch and epoch.
 */
public class DataLoadingException extends ZooException {
    private static final long serialVersionUID = 1L;

    public DataLoadingException(String message, Throwable cause) {
        super(message, cause);
    }
}
