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
     * Whether the user caused {@code t} and can fix it (exit status 2, no class name): every
     * {@link ZooException}, file-system errors, and IllegalArgumentException, which library code
     * still throws for values that come straight from the command line (--epochs, --optimizer, an
     * input size the model cannot take) with a message written for the caller.
     */
    static boolean isUserError(Throwable t) {
        return t instanceof ZooException || t instanceof IOException || t instanceof IllegalArgumentException;
    }

    static String describe(Throwable t) {
        if (t instanceof NoSuchFileException e) return "no such file: " + e.getFile();
        if (t instanceof AccessDeniedException e) return "permission denied: " + e.getFile();
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) msg = t.getClass().getSimpleName();
        return isUserError(t) ? msg : msg + " (" + t.getClass().getName() + "; --verbose shows where)";
    }

    /** A problem with what the user asked for, already phrased for them. */
    static final class UserError extends ZooException {
        UserError(String message) {
            super(message);
        }
    }
}
