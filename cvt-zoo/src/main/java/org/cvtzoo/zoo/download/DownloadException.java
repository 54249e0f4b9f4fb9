package org.cvtzoo.zoo.download;

/** A download that could not give a whole, verified file; the message says what to do instead. */
public class DownloadException extends RuntimeException {
    public DownloadException(String message) {
        super(message);
    }

    public DownloadException(String message, Throwable cause) {
        super(message, cause);
    }
}
