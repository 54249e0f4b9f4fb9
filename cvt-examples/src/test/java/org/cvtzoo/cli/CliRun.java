package org.cvtzoo.cli;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bin/cvt as a user runs it, in the test's process: {@link Main#run} with stdout and stderr
 * captured for each test ({@code @RegisterExtension final CliRun cli = new CliRun();}).
 */
final class CliRun implements BeforeEachCallback, AfterEachCallback {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
    private PrintStream oldOut, oldErr;

    @Override
    public void beforeEach(ExtensionContext context) {
        oldOut = System.out;
        oldErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        System.setOut(oldOut);
        System.setErr(oldErr);
    }

    /** The command line's exit status for these arguments (each as its {@code toString}), what it printed captured anew. */
    int run(Object... args) {
        reset();
        return Main.run(Arrays.stream(args).map(Object::toString).toArray(String[]::new));
    }

    /** Forgets what was printed so far. */
    void reset() {
        out.reset();
        err.reset();
    }

    String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Exit status 2, an {@code error:} line naming each fragment, no stack trace, and no {@code output} left (unless null). */
    void assertUserError(int status, Path output, String... fragments) {
        String e = stderr();
        assertEquals(2, status, "exit status; stderr: " + e);
        assertTrue(e.startsWith("error: "), e);
        for (String f : fragments) assertTrue(e.contains(f), "stderr should mention '" + f + "': " + e);
        assertFalse(e.contains("\tat "), "no stack trace without --verbose: " + e);
        if (output != null) assertFalse(Files.exists(output), "no output may be left: " + output);
    }
}
