package org.cvtzoo.core;

/**
 * An error the user can cause and can fix: a missing or damaged file, a checkpoint of another
 * model, a bad spec, a bad image, an input the model cannot take, a failed download. The
 * message is written for that user (what was expected, what was found, where); the command line
 * prints it as one line and exits with status 2. Every such error of the zoo is one of these.
 */
public class ZooException extends RuntimeException {
    public ZooException(String message) {
        super(message);
    }

    public ZooException(String message, Throwable cause) {
        super(message, cause);
    }
}
