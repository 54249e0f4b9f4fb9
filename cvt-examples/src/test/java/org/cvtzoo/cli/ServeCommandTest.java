package org.cvtzoo.cli;

import org.cvtzoo.zoo.ModelFile;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bin/cvt serve's start-up errors: one line, exit status 2 (the server itself: cvt-serve's tests). */
class ServeCommandTest {
    @TempDir
    Path tmp;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream oldErr;

    @BeforeEach
    void capture() {
        oldErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(oldErr);
    }

    private void assertStartupError(String fragment, Object... args) {
        err.reset();
        int status = Main.run(java.util.Arrays.stream(args).map(Object::toString).toArray(String[]::new));
        String e = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, status, e);
        assertTrue(e.startsWith("error: ") && e.contains(fragment), e);
        assertFalse(e.contains("\tat "), e);
        assertTrue(e.strip().lines().count() <= 2, e); // the error, and picocli's "see --help" for a bad option
    }

    @Test
    void unusableModelFileOrPortIsOneLineAndExit2() throws Exception {
        Path modelFile = tmp.resolve("tiny.safetensors");
        ModelFile.save(new VisionModel(Zoo.architecture(CliTest.TINY.resolve("spec.json"), null)), modelFile);

        assertStartupError("no such file", "serve", "--model-file", tmp.resolve("missing.safetensors"));
        assertStartupError("not a model file", "serve", "--model", "t=" + CliTest.TINY.resolve("model.pth"));
        assertStartupError("port must be", "serve", "--model-file", modelFile, "--port", 70000);
        assertStartupError("give a model", "serve");
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            assertStartupError("cannot listen on 127.0.0.1:" + taken.getLocalPort(), "serve", "--model-file", modelFile,
                    "--port", taken.getLocalPort());
        }
    }
}
