package org.cvtzoo.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;

/**
 * Chooses the backend before ND4J starts. ND4J takes the CUDA backend whenever it is on the
 * classpath and a GPU is present, even a GPU its kernels were not built for (nd4j-cuda-11.6
 * M2.1 stops at sm_86; an H100 is sm_90), and then fails at the first op. So in a CUDA build
 * a child JVM first runs {@link BackendProbe}; if the GPU cannot compute, the tool runs again
 * in a child JVM with ND4J's own switch ({@code BACKEND_PRIORITY_GPU} below the CPU's) and says
 * why. {@code CVT_BACKEND=cpu|cuda} skips the probe.
 */
final class BackendSelection {
    static final String REASON_PROPERTY = "cvt.backend.reason";
    private static final String CHECKED_ENV = "CVT_BACKEND_CHECKED";
    private static final String CUDA_BACKEND = "org.nd4j.linalg.jcublas.JCublasBackend";
    private static final long PROBE_TIMEOUT_S = 180;

    private BackendSelection() {
    }

    /** Empty to go on in this JVM; otherwise the exit status of the child that ran the command. */
    static OptionalInt ensureUsableBackend(String[] args) {
        if (System.getenv(CHECKED_ENV) != null) return OptionalInt.empty();
        if (!onClasspath(CUDA_BACKEND)) {
            System.setProperty(REASON_PROPERTY, "CPU build (no CUDA backend on the classpath; build with -Pcuda for one)");
            return OptionalInt.empty();
        }
        String forced = System.getenv().getOrDefault("CVT_BACKEND", "").toLowerCase(Locale.ROOT);
        if (forced.equals("cuda")) {
            System.setProperty(REASON_PROPERTY, "CVT_BACKEND=cuda (probe skipped)");
            return OptionalInt.empty();
        }
        if (forced.equals("cpu")) return OptionalInt.of(relaunchOnCpu(args, "CVT_BACKEND=cpu"));
        ProbeResult probe = probe();
        if (probe.ok) {
            System.setProperty(REASON_PROPERTY, "CUDA probe passed: " + probe.message);
            return OptionalInt.empty();
        }
        if (probe.cudaUnavailable) { // no warning: nothing is wrong on a machine without a GPU
            return OptionalInt.of(relaunchOnCpu(args, probe.message)); // and no trace from ND4J's own attempt
        }
        System.err.println("warning: the CUDA backend cannot compute on this machine (" + probe.message
                + "); falling back to the CPU backend");
        return OptionalInt.of(relaunchOnCpu(args, "fell back from CUDA: " + probe.message));
    }

    private record ProbeResult(boolean ok, String message, boolean cudaUnavailable) {
        ProbeResult(boolean ok, String message) {
            this(ok, message, false);
        }
    }

    private static ProbeResult probe() {
        List<String> cmd = javaCommand();
        cmd.add(BackendProbe.class.getName());
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
            pb.environment().put(CHECKED_ENV, "1");
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(PROBE_TIMEOUT_S, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new ProbeResult(false, "the probe did not finish in " + PROBE_TIMEOUT_S + " s");
            }
            String text = new String(out, StandardCharsets.UTF_8);
            String verdict = text.lines().filter(l -> l.startsWith(BackendProbe.VERDICT)).reduce((a, b) -> b)
                    .map(l -> l.substring(BackendProbe.VERDICT.length())).orElse(null);
            if (p.exitValue() == 0 && verdict != null) return new ProbeResult(true, verdict);
            if (p.exitValue() == BackendProbe.CUDA_UNAVAILABLE) return new ProbeResult(false, verdict, true);
            if (verdict != null) return new ProbeResult(false, verdict);
            return new ProbeResult(false, "the probe JVM exited with status " + p.exitValue() + lastLine(text));
        } catch (IOException e) {
            return new ProbeResult(false, "could not start the probe: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ProbeResult(false, "interrupted");
        }
    }

    private static String lastLine(String text) {
        return text.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b).map(l -> " (" + l.strip() + ")").orElse("");
    }

    private static int relaunchOnCpu(String[] args, String reason) {
        List<String> cmd = javaCommand();
        cmd.add("-D" + REASON_PROPERTY + "=" + reason);
        cmd.add(Main.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).inheritIO();
        pb.environment().put(CHECKED_ENV, "1");
        pb.environment().put("BACKEND_PRIORITY_GPU", "-100"); // read by ND4J: the CPU backend (0) wins
        try {
            return pb.start().waitFor();
        } catch (IOException e) {
            System.err.println("error: could not restart on the CPU backend: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 130;
        }
    }

    /** This JVM's executable, options and classpath. */
    private static List<String> javaCommand() {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        return cmd;
    }

    private static boolean onClasspath(String className) {
        try {
            Class.forName(className, false, BackendSelection.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
