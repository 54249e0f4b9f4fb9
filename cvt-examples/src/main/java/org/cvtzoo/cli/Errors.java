package org.cvtzoo.cli;

import org.cvtzoo.core.ZooException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions into the one line the user reads. */
final class Errors {
    private Errors() {
    }

    /**
     * Whether the user caused {@code t} and can fix it (exit status 2, the message alone): a
     * {@link ZooException} (the zoo's every user-caused error) or a file-system error. Anything
     * else, an IllegalArgumentException from our own code included, is a bug: exit status 1 and a
     * request to report it.
     */
    static boolean isUserError(Throwable t) {
        return t instanceof ZooException || t instanceof IOException;
    }

    static String describe(Throwable t) {
        if (t instanceof NoSuchFileException e) return "no such file: " + e.getFile();
        if (t instanceof AccessDeniedException e) return "permission denied: " + e.getFile();
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) msg = t.getClass().getSimpleName();
        return isUserError(t) ? msg : msg + " (" + t.getClass().getName() + ")" + System.lineSeparator() + REPORT;
    }

    /** The line under an error that is not the user's. */
    static final String REPORT = "this looks like a bug in cvt, not a problem with your input: please report it with the"
            + " command line and the output of --verbose";

    /** A problem with what the user asked for, already phrased for them. */
    static final class UserError extends ZooException {
        UserError(String message) {
            super(message);
        }
    }
}
