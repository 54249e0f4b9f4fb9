package org.cvtzoo.cli;

import org.cvtzoo.core.weights.CheckpointException;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions into the one line the user reads. */
final class Errors {
    private Errors() {
    }

    static boolean isUserError(Throwable t) {
        return t instanceof IllegalArgumentException || t instanceof CheckpointException
                || t instanceof org.cvtzoo.zoo.download.DownloadException
                || t instanceof IOException || t instanceof UserError || t instanceof org.cvtzoo.core.ZooException;
    }

    static String describe(Throwable t) {
        if (t instanceof NoSuchFileException e) return "no such file: " + e.getFile();
        if (t instanceof AccessDeniedException e) return "permission denied: " + e.getFile();
        String msg = t.getMessage();
        if (msg == null || msg.isBlank()) msg = t.getClass().getSimpleName();
        return isUserError(t) ? msg : msg + " (" + t.getClass().getName() + "; --verbose shows where)";
    }

    /** A problem with what the user asked for, already phrased for them. */
    static final class UserError extends RuntimeException {
        UserError(String message) {
            super(message);
        }
    }
}
