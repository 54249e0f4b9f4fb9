package org.cvtzoo.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * The example notebooks executed headlessly through Jupyter itself, and the kernel checked by
 * jupyter_kernel_test: the kernel is registered from the built classes into a private
 * JUPYTER_PATH, {@code jupyter nbconvert --execute} runs every notebook in
 * {@code cvt-notebook/notebooks} (failing on any cell's error, except in cells tagged
 * {@code raises-exception}, or on a cell's time-out), and what the cells show is checked by their
 * tags:
 * <ul>
 *   <li>{@code expect-image}: a PNG that decodes;</li>
 *   <li>{@code expect-table:N}: an HTML table of N body rows, with a text form;</li>
 *   <li>{@code expect-text:WORDS}: a text output containing WORDS ('_' for a blank);</li>
 *   <li>{@code expect-zoo-error}: the zoo's one-line {@code error: ...}, and the next cell ran.</li>
 * </ul>
 * The committed notebooks must pass the same checks (they carry their outputs for readers).
 * {@code -Dcvt.notebooks.update=true} writes the executed notebooks back over them.
 *
 * <p>Needs Debian's Jupyter (the README's test command installs it). Without it the tests fail,
 * naming the packages; {@code -Dcvt.notebooks.skip=true} skips them on purpose.
 */
class NotebooksTest {
    static final String PYTHON = "/usr/bin/python3";
    static final String APT = "apt-get install -y --no-install-recommends jupyter-client jupyter-nbconvert "
            + "python3-jupyter-kernel-test dataset-fashion-mnist";
    static final Path NOTEBOOKS = Path.of("notebooks");
    /** Seconds a cell may run before nbconvert gives up on it (the slowest trains for ~10 s on 2 cores). */
    static final int CELL_TIMEOUT = 240;
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static Map<String, String> env;

    @BeforeAll
    static void registerKernel() throws Exception {
        assumeFalse(Boolean.getBoolean("cvt.notebooks.skip"), "notebook tests skipped (-Dcvt.notebooks.skip=true)");
        String missing = "so the notebooks cannot run: " + APT + " (the README's test command does it; "
                + "-Dcvt.notebooks.skip=true skips these tests)";
        Result modules;
        try {
            modules = run(List.of(PYTHON, "-c", "import nbconvert, nbclient, jupyter_client, jupyter_kernel_test"),
                    Path.of("."), Map.of(), 60);
        } catch (IOException e) {
            modules = new Result(-1, e.getMessage());
        }
        if (modules.status != 0) fail("Jupyter is not installed, " + missing + "\n" + modules.output);
        try {
            org.cvtzoo.core.data.FashionMnist.locate();
        } catch (org.cvtzoo.core.ZooException e) {
            fail("Fashion-MNIST is not installed, " + missing + "\n" + e.getMessage());
        }
        List<String> cp = new ArrayList<>();
        cp.add(Path.of("target", "classes").toAbsolutePath().toString());
        Path deps = Path.of("target", "runtime-classpath.txt");
        assertTrue(Files.exists(deps), deps + " (maven-dependency-plugin writes it in process-classes)");
        for (String e : Files.readString(deps).strip().split(File.pathSeparator)) {
            if (!e.isEmpty()) cp.add(e);
        }
        KernelSpec.write(tmp.resolve("jupyter/kernels/" + ZooKernel.NAME), cp, KernelSpec.DEFAULT_JVM_OPTIONS);
        env = Map.of("JUPYTER_PATH", tmp.resolve("jupyter").toString(), "JUPYTER_DATA_DIR", tmp.resolve("data").toString(),
                "JUPYTER_RUNTIME_DIR", tmp.resolve("runtime").toString(), "JUPYTER_CONFIG_DIR", tmp.resolve("config").toString());
    }

    record Result(int status, String output) {
    }

    static Result run(List<String> command, Path dir, Map<String, String> extraEnv, int timeoutSeconds) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
        Path log = Files.createTempFile("notebook-run", ".log");
        pb.redirectOutput(log.toFile());
        // Debian's python3 (with the Jupyter modules) before any other on PATH
        pb.environment().put("PATH", "/usr/bin:/bin:" + System.getenv().getOrDefault("PATH", ""));
        pb.environment().putAll(extraEnv);
        Process p = pb.start();
        boolean done = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
        if (!done) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        Files.delete(log);
        return new Result(done ? p.exitValue() : -1, done ? out : out + "\n(killed after " + timeoutSeconds + " s)");
    }

    @TestFactory
    Stream<DynamicTest> notebooksRunAndShowWhatTheyShould() throws IOException {
        List<Path> notebooks;
        try (Stream<Path> s = Files.list(NOTEBOOKS)) {
            notebooks = s.filter(p -> p.toString().endsWith(".ipynb")).sorted().toList();
        }
        assertFalse(notebooks.isEmpty(), "no notebooks in " + NOTEBOOKS.toAbsolutePath());
        return notebooks.stream().map(nb -> DynamicTest.dynamicTest(nb.getFileName().toString(), () -> execute(nb)));
    }

    private void execute(Path notebook) throws Exception {
        String name = notebook.getFileName().toString();
        boolean update = Boolean.getBoolean("cvt.notebooks.update");
        if (!update) check(name + " (committed)", JSON.readTree(notebook.toFile()));

        Path outDir = Files.createDirectories(tmp.resolve("executed"));
        long t0 = System.nanoTime();
        Result r = run(List.of(PYTHON, "-m", "nbconvert", "--to", "notebook", "--execute",
                "--ExecutePreprocessor.kernel_name=" + ZooKernel.NAME,
                "--ExecutePreprocessor.timeout=" + CELL_TIMEOUT, "--ExecutePreprocessor.startup_timeout=120",
                "--ExecutePreprocessor.record_timing=False", "--output-dir", outDir.toString(), name),
                NOTEBOOKS, env, 900);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (r.status != 0) fail(name + ": nbconvert --execute failed (status " + r.status + "):\n" + r.output);
        System.out.printf("notebook %s executed through Jupyter in %.1f s%n", name, seconds);
        Path executed = outDir.resolve(name);
        check(name + " (executed)", JSON.readTree(executed.toFile()));
        if (update) {
            Files.copy(executed, notebook, StandardCopyOption.REPLACE_EXISTING);
            System.out.println("notebook " + name + " updated with its new outputs");
        }
    }

    private static final Pattern ROW = Pattern.compile("<tr>");
    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;]*m");

    /** The checks the cells' tags ask for, and that every code cell ran. */
    static void check(String what, JsonNode nb) {
        assertEquals("cvt-java", nb.path("metadata").path("kernelspec").path("name").asText(), what + ": kernelspec");
        List<JsonNode> cells = new ArrayList<>();
        nb.path("cells").forEach(cells::add);
        int expectations = 0;
        for (int i = 0; i < cells.size(); i++) {
            JsonNode cell = cells.get(i);
            if (!cell.path("cell_type").asText().equals("code")) continue;
            String where = what + ", cell " + i + " (" + firstLine(cell) + ")";
            assertTrue(cell.path("execution_count").isInt(), where + ": not executed");
            List<String> tags = new ArrayList<>();
            cell.path("metadata").path("tags").forEach(t -> tags.add(t.asText()));
            List<JsonNode> outputs = new ArrayList<>();
            cell.path("outputs").forEach(outputs::add);
            List<JsonNode> errors = outputs.stream().filter(o -> o.path("output_type").asText().equals("error")).toList();
            if (!tags.contains("raises-exception")) assertTrue(errors.isEmpty(), where + ": an error: " + errors);
            for (String tag : tags) {
                if (!tag.startsWith("expect-")) continue;
                expectations++;
                if (tag.equals("expect-image")) {
                    assertTrue(outputs.stream().anyMatch(NotebooksTest::isPng), where + ": no PNG image");
                } else if (tag.startsWith("expect-table:")) {
                    int rows = Integer.parseInt(tag.substring("expect-table:".length()));
                    assertTrue(outputs.stream().anyMatch(o -> tableRows(o) == rows && o.path("data").has("text/plain")),
                            where + ": no HTML table of " + rows + " rows with a text form: " + outputs);
                } else if (tag.startsWith("expect-text:")) {
                    String text = tag.substring("expect-text:".length()).replace('_', ' ');
                    assertTrue(outputs.stream().anyMatch(o -> text(o).contains(text)), where + ": no output contains '" + text + "'");
                } else if (tag.equals("expect-zoo-error")) {
                    assertTrue(tags.contains("raises-exception"), where + ": an expected error needs the raises-exception tag");
                    assertEquals(1, errors.size(), where + ": one error output");
                    JsonNode tb = errors.get(0).path("traceback");
                    assertEquals(1, tb.size(), where + ": the zoo's error is one line, got " + tb);
                    assertTrue(ANSI.matcher(tb.get(0).asText()).replaceAll("").startsWith("error: "), where + ": " + tb);
                    JsonNode next = nextCode(cells, i);
                    assertNotNull(next, where + ": a cell must follow an error, to show the kernel goes on");
                    assertTrue(next.path("execution_count").isInt(), where + ": the cell after the error did not run");
                    boolean nextMayFail = false;
                    for (JsonNode t : next.path("metadata").path("tags")) nextMayFail |= t.asText().equals("raises-exception");
                    if (!nextMayFail) {
                        next.path("outputs").forEach(o -> assertFalse(o.path("output_type").asText().equals("error"),
                                where + ": the cell after the error failed too"));
                    }
                } else {
                    fail(where + ": unknown check tag " + tag);
                }
            }
        }
        assertTrue(expectations > 0, what + ": no cell says what it should show (expect-* tags)");
    }

    private static String firstLine(JsonNode cell) {
        JsonNode src = cell.path("source");
        String s = src.isArray() ? (src.size() == 0 ? "" : src.get(0).asText()) : src.asText();
        return s.lines().findFirst().orElse("");
    }

    private static JsonNode nextCode(List<JsonNode> cells, int i) {
        for (int j = i + 1; j < cells.size(); j++) {
            if (cells.get(j).path("cell_type").asText().equals("code")) return cells.get(j);
        }
        return null;
    }

    private static String joined(JsonNode n) {
        if (n.isArray()) {
            StringBuilder b = new StringBuilder();
            n.forEach(x -> b.append(x.asText()));
            return b.toString();
        }
        return n.asText();
    }

    private static String text(JsonNode output) {
        if (output.has("text")) return joined(output.get("text"));
        return joined(output.path("data").path("text/plain"));
    }

    private static boolean isPng(JsonNode output) {
        JsonNode data = output.path("data").path("image/png");
        if (data.isMissingNode()) return false;
        try {
            byte[] bytes = Base64.getMimeDecoder().decode(joined(data));
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(bytes));
            return bytes.length > 8 && bytes[1] == 'P' && img != null && img.getWidth() > 0 && img.getHeight() > 0;
        } catch (IOException | IllegalArgumentException e) {
            return false;
        }
    }

    /** The body rows of an output's HTML table; -1 without one. */
    static int tableRows(JsonNode output) {
        String html = joined(output.path("data").path("text/html"));
        int body = html.indexOf("<tbody>"), end = html.indexOf("</tbody>");
        if (!html.contains("<table") || body < 0 || end < body) return -1;
        Matcher m = ROW.matcher(html.substring(body, end));
        int n = 0;
        while (m.find()) n++;
        return n;
    }

    /** jupyter_kernel_test's checks of what the kernel claims, plus its zoo error and interrupt (src/test/python). */
    @Test
    void kernelPassesJupyterKernelTest() throws Exception {
        long t0 = System.nanoTime();
        Result r = run(List.of(PYTHON, "-m", "unittest", "-v", "kernel_conformance"), Path.of("src/test/python"), env, 600);
        String summary = r.output.lines().filter(l -> l.contains(" ... ") || l.startsWith("Ran ") || l.startsWith("OK")
                || l.startsWith("FAILED")).reduce((a, b) -> a + "\n" + b).orElse("");
        System.out.printf("jupyter_kernel_test in %.1f s:%n%s%n", (System.nanoTime() - t0) / 1e9, summary);
        assertEquals(0, r.status, "jupyter_kernel_test failed:\n" + r.output);
    }
}
