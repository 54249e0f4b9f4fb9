package org.cvtzoo.core.data;

import org.cvtzoo.core.ZooException;

/**
 * A data set that cannot be used as asked: a missing or malformed file or folder (the message
 * names it and says what is wrong and, where there is one, how to fix it).
 */
public class DataException extends ZooException {
    private static final long serialVersionUID = 1L;

    public DataException(String message) {
        super(message);
    }

    public DataException(String message, Throwable cause) {
        super(message, cause);
    }
}
