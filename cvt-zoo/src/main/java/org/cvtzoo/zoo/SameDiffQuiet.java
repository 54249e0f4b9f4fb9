package org.cvtzoo.zoo;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;

/**
 * Builds SameDiff's backward graph without its chatter: M2.1's {@code createGradFunction}
 * prints "Added differentiated op NAME" to {@code System.out} for every op, unconditionally.
 *
 * <p>The zoo never swaps {@code System.out} back and forth (that loses what other threads print
 * meanwhile, and undoes a {@code System.setOut} made by someone else in between). Instead, the
 * first build wraps the current {@code System.out} once in a stream that passes everything on
 * except what the building thread writes while it builds. Everything else written to it,
 * from any thread, reaches the wrapped stream unchanged; a later {@code System.setOut} replaces
 * the wrapper as usual (the next build wraps the new stream).
 */
final class SameDiffQuiet {
    private static final ThreadLocal<Boolean> BUILDING = ThreadLocal.withInitial(() -> false);

    private SameDiffQuiet() {
    }

    /** Runs {@code build} with what this thread prints to System.out dropped. */
    static void run(Runnable build) {
        install();
        BUILDING.set(true);
        try {
            build.run();
        } finally {
            BUILDING.set(false);
        }
    }

    private static void install() {
        synchronized (System.class) {
            if (System.out instanceof Filtered) return;
            System.setOut(new Filtered(System.out));
        }
    }

    private static final class Filtered extends PrintStream {
        Filtered(PrintStream target) {
            super(new FilterOutputStream(target) {
                @Override
                public void write(int b) throws IOException {
                    if (!BUILDING.get()) out.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    if (!BUILDING.get()) out.write(b, off, len);
                }
            }, true);
        }
    }
}
