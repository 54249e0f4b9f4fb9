package org.cvtzoo.zoo.download;

import org.cvtzoo.core.ZooException;

/** A download that could not give a whole, verified file; the message says what to do instead. */
public class DownloadException extends ZooException {
    public DownloadException(String message) {
        super(message);
    }

    public DownloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
