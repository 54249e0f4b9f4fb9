package org.cvtzoo.notebook;

import org.cvtzoo.core.ZooException;

import java.util.List;

/** What a cell can end with instead of a value; the kernel turns each into Jupyter's error reply. */
final class CellErrors {
    private CellErrors() {
    }

    /** ANSI red, as IPython colours the line that names an error. */
    static final String RED = "\u001b[31m", RESET = "\u001b[0m";

    /** The code did not compile: the compiler's messages, each with the line it points at. */
    static final class CompilationException extends RuntimeException {
        final List<String> lines;

        CompilationException(String message, List<String> lines) {
            super(message);
            this.lines = List.copyOf(lines);
        }
    }

    /** The cell was interrupted (the notebook's stop button, or a client's interrupt request). */
    static final class Interrupted extends RuntimeException {
        Interrupted() {
            super("the cell was interrupted");
        }
    }

    /**
     * A throwable that is not an {@link Exception} (an {@link AssertionError}, a
     * {@link StackOverflowError}) carried out of the cell, which Jupyter's library only
     * reports for exceptions.
     */
    static final class UncaughtError extends RuntimeException {
        UncaughtError(Throwable error) {
            super(error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage()), error);
        }
    }

    /** A misused magic: an error of the user's, reported as one line as the zoo's are. */
    static final class MagicException extends ZooException {
        MagicException(String message) {
            super(message);
        }
    }

    /** The one line a user error shows: the zoo's {@code error: ...}, as the command line prints it. */
    static String oneLine(ZooException e) {
        String msg = e.getMessage() == null || e.getMessage().isBlank() ? e.getClass().getSimpleName() : e.getMessage();
        return RED + "error: " + msg.replace("\n", " ") + RESET;
    }
}
