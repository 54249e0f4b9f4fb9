package org.cvtzoo.notebook;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * {@code bin/cvt notebook} (the launcher, {@link NotebookCommand}) as its own process, with Jupyter's folders in a temporary one: install
 * prints one line of its own; stopping the launcher stops the notebook server and its kernel.
 */
class NotebookCommandTest {
    @TempDir
    static Path tmp;
    static List<String> java;
    static Map<String, String> env;

    @BeforeAll
    static void classPath() throws IOException {
        assumeFalse(Boolean.getBoolean("cvt.notebooks.skip"), "notebook tests skipped (-Dcvt.notebooks.skip=true)");
        if (!Files.isExecutable(Path.of("/usr/bin/jupyter"))) {
            fail("Jupyter is not installed: " + NotebookCommand.APT + " (-Dcvt.notebooks.skip=true skips these tests)");
        }
        String cp = Path.of("target", "classes").toAbsolutePath() + File.pathSeparator
                + Files.readString(Path.of("target", "runtime-classpath.txt")).strip();
        java = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-Dorg.nd4j.log.initialization=false", "-cp", cp, NotebookCommand.class.getName());
        env = Map.of("JUPYTER_DATA_DIR", tmp.resolve("data").toString(), "JUPYTER_RUNTIME_DIR", tmp.resolve("runtime").toString(),
                "JUPYTER_CONFIG_DIR", tmp.resolve("config").toString(), "JUPYTER_PATH", tmp.resolve("path").toString(),
                "JUPYTER_TOKEN", "test-token", "PATH", "/usr/bin:/bin");
    }

    static Process start(Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(java);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().remove("PYDEVD_DISABLE_FILE_VALIDATION"); // the launcher must set it itself
        pb.environment().putAll(env);
        return pb.start();
    }

    @Test
    void installPrintsOneLineOfItsOwn() throws Exception {
        Path dir = tmp.resolve("data/kernels/cvt-test").toAbsolutePath();
        for (int run = 0; run < 2; run++) { // the second replaces the first: Jupyter then says "Removing existing ..."
            Path log = tmp.resolve("install" + run + ".log");
            Process p = start(log, "install", "--name", "cvt-test");
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "install ran over 2 minutes");
            String out = Files.readString(log);
            assertEquals(0, p.exitValue(), out);
            assertEquals("kernel 'cvt-test' (Java (cvt-zoo)) installed in " + dir, out.strip(), "run " + run);
        }
        assertTrue(Files.exists(dir.resolve("kernel.json")));
    }

    /** SIGTERM (kill, a service manager) and SIGINT (Ctrl-C) to the launcher's process alone. */
    @ParameterizedTest
    @ValueSource(strings = {"TERM", "INT"})
    void stoppingTheLauncherStopsTheServerAndItsKernel(String signal) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/jupyter-notebook"))) {
            fail("Jupyter's notebook server is not installed: apt-get install -y --no-install-recommends jupyter-notebook "
                    + "(the README's test command does it; -Dcvt.notebooks.skip=true skips these tests)");
        }
        // A shell without job control starts background commands with SIGINT ignored (nohup ... &), and a
        // JVM started with it ignored never takes it: the INT case cannot be tried from such a process.
        assumeFalse(signal.equals("INT") && sigintIgnored(), "SIGINT is ignored in this process (started in the background "
                + "by a shell?): a launcher started from it cannot take Ctrl-C");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path notebooks = Files.createDirectories(tmp.resolve("notebooks-" + signal)), log = tmp.resolve("server-" + signal + ".log");
        Process launcher = start(log, "--no-browser", "--port", String.valueOf(port), "--dir", notebooks.toString());
        List<ProcessHandle> family = new ArrayList<>();
        try {
            HttpClient http = HttpClient.newHttpClient();
            URI kernels = URI.create("http://127.0.0.1:" + port + "/api/kernels");
            HttpResponse<String> started = null;
            for (int i = 0; i < 240 && started == null; i++) {
                assertTrue(launcher.isAlive(), () -> "the launcher ended: " + read(log));
                try {
                    started = http.send(HttpRequest.newBuilder(kernels).header("Authorization", "token test-token")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"name\": \"" + ZooKernel.NAME + "\"}")).build(),
                            HttpResponse.BodyHandlers.ofString());
                } catch (IOException notYet) {
                    Thread.sleep(500);
                }
            }
            assertTrue(started != null && started.statusCode() == 201, () -> "no kernel started: " + read(log));
            for (int i = 0; i < 60 && family.stream().noneMatch(NotebookCommandTest::isKernel); i++) {
                Thread.sleep(500);
                family = launcher.descendants().toList();
            }
            assertTrue(family.stream().anyMatch(NotebookCommandTest::isKernel), () -> "no kernel process: " + read(log));

            new ProcessBuilder("kill", "-" + signal, String.valueOf(launcher.pid())).start().waitFor();
            assertTrue(launcher.waitFor(60, TimeUnit.SECONDS), "the launcher did not end");
            for (ProcessHandle p : family) {
                try {
                    p.onExit().get(30, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    fail("still running after the launcher ended: " + p.info().commandLine().orElse("pid " + p.pid()));
                }
            }
            assertFalse(family.isEmpty());
        } finally {
            family.forEach(ProcessHandle::destroyForcibly);
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
    }

    /** Whether this process ignores SIGINT (signal 2: bit 1 of /proc's SigIgn mask), which its children inherit. */
    private static boolean sigintIgnored() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("SigIgn:"))
                .anyMatch(l -> (Long.parseUnsignedLong(l.substring("SigIgn:".length()).strip(), 16) & 2) != 0);
    }

    /** Whether {@code p} is the zoo's kernel (from /proc: ProcessHandle.Info cuts a command line at 4096 characters). */
    private static boolean isKernel(ProcessHandle p) {
        try {
            return Files.readString(Path.of("/proc", String.valueOf(p.pid()), "cmdline")).contains("org.cvtzoo.notebook.KernelMain");
        } catch (IOException gone) {
            return false;
        }
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
