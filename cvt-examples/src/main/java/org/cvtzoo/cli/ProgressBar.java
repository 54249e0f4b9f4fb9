package org.cvtzoo.cli;

import java.io.PrintStream;

/** A one-line progress bar on stderr for long runs (shown from a few items on). */
final class ProgressBar {
    /** Whether a bar's line on stderr is unfinished (what is printed next must start a new line). */
    private static volatile boolean lineOpen;

    private final PrintStream out;
    private final String what;
    private final int total;
    private final long start = System.nanoTime();

    ProgressBar(String what, int total, int showFrom) {
        this.out = total >= showFrom ? System.err : null;
        this.what = what;
        this.total = total;
    }

    void update(int done) {
        if (out == null) return;
        int width = 30, filled = total == 0 ? width : width * done / total;
        double s = (System.nanoTime() - start) / 1e9;
        out.printf("\r[%s%s] %d/%d %s, %.1f s", "#".repeat(filled), " ".repeat(width - filled), done, total, what, s);
        if (done == total) out.println();
        out.flush();
        lineOpen = done != total;
    }

    /** Ends an unfinished bar's line, so that an error printed next starts its own. */
    static void endLine() {
        if (lineOpen) {
            System.err.println();
            System.err.flush();
            lineOpen = false;
        }
    }
}
