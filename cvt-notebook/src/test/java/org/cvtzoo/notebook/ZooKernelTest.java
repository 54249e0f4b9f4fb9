package org.cvtzoo.notebook;

import org.cvtzoo.core.ZooException;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernel's cells without Jupyter: values, errors, interrupt, magics, completion, display. */
class ZooKernelTest {
    static final Path TINY = Path.of("..", "cvt-zoo", "src", "test", "resources", "fixtures", "cvt_tiny");
    static ZooKernel kernel;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        kernel = new ZooKernel();
        kernel.onStartup();
    }

    @AfterAll
    static void stop() {
        kernel.onShutdown(false);
    }

    private static String text(DisplayData d) {
        return (String) d.getData(MIMEType.TEXT_PLAIN);
    }

    /** The traceback a failing cell shows, without colour codes. */
    private static List<String> failure(String code, Class<? extends Throwable> type) {
        Throwable t = assertThrows(type, () -> kernel.eval(code));
        return kernel.formatError(t).stream().map(l -> l.replaceAll("\u001b\\[[0-9;]*m", "")).toList();
    }

    @Test
    void expressionsShowTheirValueDeclarationsNothing() {
        assertEquals("3", text(kernel.eval("1 + 2")));
        assertNull(kernel.eval("int x = 5;"));
        assertEquals("5", text(kernel.eval("x")));
        assertNull(kernel.eval("x = 6;"), "an assignment shows nothing");
        assertEquals("null", text(kernel.eval("String s = null;\ns")));
        assertEquals("hello", text(kernel.eval("\"hel\" + \"lo\"")));
        // several snippets in a cell, the last one's value shown; declarations may span lines
        assertEquals("12", text(kernel.eval("int twice(int a) {\n  return 2 * a;\n}\nint y = 6;\ntwice(y)")));
        assertNull(kernel.eval("System.out.println(\"a statement\")"));
        // a semicolon after the last expression keeps it quiet, as in IPython
        assertNull(kernel.eval("System.out.printf(\"%d%n\", 1);"));
        assertNull(kernel.eval("twice(2);"));
        assertNull(kernel.eval("twice(2); // a comment"));
        assertNull(kernel.eval("twice(2); /* a comment; */"));
        assertEquals("a;", text(kernel.eval("\"a;\" // a string's semicolon")));
        assertTrue(CellText.endsWithSemicolon("String s = \"//\";"));
        assertFalse(CellText.endsWithSemicolon("\"\"\"\n  ;\n  \"\"\""));
    }

    /** The README's Java lines need no import: the zoo's public API packages are imported by default. */
    @Test
    void theZoosPublicApiNeedsNoImport() {
        assertNull(kernel.eval("Class<?>[] api = {VisionModel.class, Zoo.class, Prediction.class, ModelFile.class, Images.class,\n"
                + "    RgbImage.class, INDArray.class, Nd4j.class, Trainer.class, FineTuneConfig.class, SpecFiles.class,\n"
                + "    FashionMnist.class, ImageFolder.class, Checkpoints.class, VitS16.class, ZooException.class, Path.class};"));
        assertEquals("17", text(kernel.eval("api.length")));
        assertEquals("true", text(kernel.eval("Zoo.variants().size() > 10")));
    }

    @Test
    void compileErrorsNameTheLineAndTheKernelGoesOn() {
        List<String> tb = failure("int a = 1;\nint b = nosuchvariable + 1;", CellErrors.CompilationException.class);
        assertTrue(tb.get(0).startsWith("CompilationException: cannot find symbol"), tb.toString());
        assertTrue(tb.contains("line 2: cannot find symbol"), tb.toString());
        assertTrue(tb.stream().anyMatch(l -> l.contains("int b = nosuchvariable + 1;")), tb.toString());
        assertTrue(tb.stream().anyMatch(l -> l.strip().equals("^")), tb.toString());
        // the snippet before the bad one ran
        assertEquals("1", text(kernel.eval("a")));
    }

    @Test
    void runtimeErrorsShowTheCellsFrames() {
        kernel.eval("int divide(int n, int d) {\n  return n / d;\n}");
        List<String> tb = failure("int q = 1;\n// a comment\n\n  divide(q, 0)", ArithmeticException.class);
        assertEquals("ArithmeticException: / by zero", tb.get(0));
        assertTrue(tb.stream().anyMatch(l -> l.matches("\\s+at divide \\(In \\[\\d+], line 2\\)")), tb.toString());
        assertTrue(tb.stream().anyMatch(l -> l.matches("\\s+at In \\[\\d+], line 4")), tb.toString());
        assertTrue(tb.size() < 8, "no frames of the kernel or of JShell: " + tb);
        assertEquals("2", text(kernel.eval("1 + 1")));
    }

    @Test
    void aZooErrorIsOneLine() {
        List<String> tb = failure("org.cvtzoo.zoo.Zoo.load(\"cvt-99\")", ZooException.class);
        assertEquals(1, tb.size(), tb.toString());
        assertTrue(tb.get(0).startsWith("error: unknown model 'cvt-99' (known: cvt-13"), tb.get(0));

        tb = failure("org.cvtzoo.zoo.Zoo.load(\"cvt-13\", java.nio.file.Path.of(\"no/such/weights.pth\"))", ZooException.class);
        assertEquals(1, tb.size(), tb.toString());
        assertTrue(tb.get(0).startsWith("error: ") && tb.get(0).contains("no/such/weights.pth"), tb.get(0));
        assertEquals("ok", text(kernel.eval("\"ok\"")));
    }

    /** {@code model(...)}: "which model" through cvt-zoo's ModelRequest, as bin/cvt and bin/cvt-spark take it. */
    @Test
    void modelNamesAVariantASpecWithWeightsOrAModelFile() {
        assertTrue(text(kernel.eval("model(\"vit-ti16\")")).startsWith("VisionModel vit-ti16 (vit"), "a variant, random weights");

        // a spec file and a checkpoint: PyTorch's logits for the fixture's input (as CvtParityTest, relative to the largest)
        kernel.eval("var fromSpec = model(Path.of(\"" + TINY.resolve("spec.json") + "\"), Path.of(\"" + TINY.resolve("model.pth") + "\"));\n"
                + "var ref = Npy.read(Path.of(\"" + TINY.resolve("logits.npy") + "\"));\n"
                + "var got = fromSpec.forward(Npy.read(Path.of(\"" + TINY.resolve("input.npy") + "\"))).logits();");
        double err = Double.parseDouble(text(kernel.eval("got.sub(ref).amaxNumber().doubleValue() / ref.amaxNumber().doubleValue()")));
        assertTrue(err <= 1e-4, "relative error " + err);

        // a model file, saved and named by a string, gives the same logits
        Path saved = tmp.resolve("tiny.safetensors");
        kernel.eval("ModelFile.save(fromSpec, Path.of(\"" + saved + "\"));");
        assertEquals("0.0", text(kernel.eval("model(\"" + saved + "\").forward(Npy.read(Path.of(\"" + TINY.resolve("input.npy")
                + "\"))).logits().sub(got).amaxNumber().doubleValue()")));

        // the request's own one-line errors
        List<String> tb = failure("model(\"cvt-99\")", ZooException.class);
        assertEquals(1, tb.size(), tb.toString());
        assertTrue(tb.get(0).startsWith("error: unknown model 'cvt-99' (known: cvt-13"), tb.get(0));
        tb = failure("model(\"" + saved + "\", \"" + TINY.resolve("model.pth") + "\")", ZooException.class);
        assertEquals(List.of("error: --model-file carries the model, its weights and its classes: give it alone"), tb);
        tb = failure("model(\"cvt-13\", \"no/such/weights.pth\")", ZooException.class);
        assertTrue(tb.size() == 1 && tb.get(0).contains("no/such/weights.pth"), tb.toString());
    }

    @Test
    void errorsThatAreNotExceptionsAreReported() {
        List<String> tb = failure("throw new AssertionError(\"logits differ\");", CellErrors.UncaughtError.class);
        assertEquals("AssertionError: logits differ", tb.get(0));
    }

    /**
     * A cell that waits (interruptible) and one that spins (not) both end on an interrupt, and the
     * kernel goes on. No timing is assumed: the interrupt is sent once the snippet runs (it says
     * so in a system property first; JShell's compiling may take seconds on a busy machine), and
     * the cell has minutes to end, where on its own it would never end.
     */
    @Test
    void interruptStopsARunawayCell() throws Exception {
        withOwnKernel(own -> {
            for (String body : List.of("Thread.sleep(Long.MAX_VALUE);", "long n = 0; while (true) { n++; }")) {
                // one block, one snippet: the interrupt comes while it runs
                Throwable t = interruptOnceRunning(own, "{ " + RUNNING + " " + body + " }");
                assertInstanceOf(CellErrors.Interrupted.class, t, body);
                assertEquals("Interrupted: the cell was stopped", own.formatError(t).get(0).replaceAll("\u001b\\[[0-9;]*m", ""));
                assertEquals("4", text(own.eval("2 + 2")), "the kernel goes on after " + body);
            }
        });
    }

    /** A snippet that swallows the interrupt ends by itself, but the stop holds for the cell: its next snippet does not run. */
    @Test
    void aStopHoldsForTheRestOfTheCell() throws Exception {
        withOwnKernel(own -> {
            System.clearProperty("cvt.test.after");
            Throwable t = interruptOnceRunning(own, "{ " + RUNNING + " try { Thread.sleep(Long.MAX_VALUE); } "
                    + "catch (InterruptedException swallowed) { } }\nSystem.setProperty(\"cvt.test.after\", \"ran\");");
            assertInstanceOf(CellErrors.Interrupted.class, t);
            assertNull(System.getProperty("cvt.test.after"), "the snippet after the stop ran");
            assertEquals("4", text(own.eval("2 + 2")), "the next cell runs");
        });
    }

    /** Cell code that says it runs (see {@link #interruptOnceRunning}). */
    private static final String RUNNING = "System.setProperty(\"cvt.test.cellRunning\", \"yes\");";

    interface KernelUse {
        void accept(ZooKernel kernel) throws Exception;
    }

    /**
     * On a kernel of its own (not started as the JVM's notebook kernel: the shared one is), so
     * that a cell a test fails to stop cannot hold the other tests' cell thread.
     */
    private static void withOwnKernel(KernelUse use) throws Exception {
        ZooKernel own = new ZooKernel();
        try {
            use.accept(own);
        } finally {
            own.cells().close();
        }
    }

    /**
     * Sends {@code code} from a thread of its own, interrupts the cell once it has set
     * {@link #RUNNING}'s property, and returns what the cell threw (null for nothing).
     */
    private static Throwable interruptOnceRunning(ZooKernel kernel, String code) throws Exception {
        String flag = "cvt.test.cellRunning";
        System.clearProperty(flag);
        CompletableFuture<Throwable> cell = new CompletableFuture<>();
        Thread sender = new Thread(() -> {
            try {
                kernel.eval(code);
                cell.complete(null);
            } catch (Throwable t) {
                cell.complete(t);
            }
        }, "test-cell-sender");
        sender.setDaemon(true);
        sender.start();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (System.getProperty(flag) == null) {
                assertFalse(cell.isDone(), () -> "the cell ended before it ran: " + cell.join());
                assertTrue(System.nanoTime() < deadline, "the cell did not start within 3 minutes");
                Thread.sleep(20);
            }
            kernel.interrupt();
            return cell.get(3, TimeUnit.MINUTES);
        } finally {
            // a cell this test failed to stop must not spin on after it (its thread is a daemon)
            for (int i = 0; i < 10 && !cell.isDone(); i++) {
                kernel.interrupt();
                Thread.sleep(InProcessExecution.GRACE_MS * 2);
            }
            System.clearProperty(flag);
        }
    }

    @Test
    void classPathMagicsAddJars() throws Exception {
        Path jar = helloJar(tmp);
        String glob = tmp.toAbsolutePath() + "/*.jar";
        DisplayData d = kernel.eval("%jars " + glob + "\nnew hello.Hello().greet(\"notebook\")");
        assertEquals("hello, notebook", text(d));
        // BeakerX's form, and IJava's %classpath PATH, take the same jar again without harm
        kernel.eval("%classpath add jar " + jar.toAbsolutePath());
        kernel.eval("%classpath " + jar.toAbsolutePath());
        assertTrue(text(kernel.eval("%classpath")).contains(jar.toAbsolutePath().toString()));

        List<String> tb = failure("%jars " + tmp.toAbsolutePath() + "/nothing*.jar", ZooException.class);
        assertEquals(1, tb.size());
        assertTrue(tb.get(0).startsWith("error: no jar matches "), tb.get(0));
        tb = failure("%classpath add jar no/such.jar", ZooException.class);
        assertTrue(tb.get(0).startsWith("error: no such file: no/such.jar"), tb.get(0));
        tb = failure("%maven org.example:lib:1.0", ZooException.class);
        assertTrue(tb.get(0).contains("offline"), tb.get(0));
        tb = failure("%nosuchmagic", ZooException.class);
        assertTrue(tb.get(0).startsWith("error: unknown magic %nosuchmagic"), tb.get(0));
    }

    /** A jar with class hello.Hello { String greet(String who) }, compiled here. */
    static Path helloJar(Path dir) throws IOException {
        Path src = dir.resolve("src/hello/Hello.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "package hello; public class Hello { public String greet(String who) { return \"hello, \" + who; } }");
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, "-d", classes.toString(), src.toString()));
        Path jar = dir.resolve("hello.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry("hello/Hello.class"));
            j.write(Files.readAllBytes(classes.resolve("hello/Hello.class")));
            j.closeEntry();
        }
        return jar;
    }

    @Test
    void completionAndInspection() {
        ReplacementOptions o = kernel.complete("Math.ab", 7);
        assertTrue(o.getReplacements().contains("abs("), o.getReplacements().toString());
        assertEquals(5, o.getSourceStart());
        assertEquals(7, o.getSourceEnd());
        // in a later snippet of the cell, and after a magic line
        String cell = "int first = 1;\n%lsmagic\n\"word\".toUpp";
        o = kernel.complete(cell, cell.length());
        assertEquals(List.of("toUpperCase("), o.getReplacements());
        assertEquals(cell.length() - "toUpp".length(), o.getSourceStart());
        assertTrue(kernel.complete("%cla", 4).getReplacements().contains("%classpath"));

        DisplayData doc = kernel.inspect("Math.abs(", 9, false);
        assertNotNull(doc);
        assertTrue(text(doc).contains("int Math.abs(int"), text(doc));
        kernel.eval("int inspected = 41;");
        assertTrue(text(kernel.inspect("inspected", 3, false)).contains("int inspected = 41"));
    }

    @Test
    void completeness() {
        assertEquals("complete", kernel.isComplete("int c = 1;"));
        assertEquals("complete", kernel.isComplete("int c = 1;\n%lsmagic\nc"));
        assertTrue(kernel.isComplete("for (int i = 0; i < 3; i++) {").isBlank());
        assertEquals("invalid", kernel.isComplete("int c = 1;\n)"));
    }

    @Test
    void richValues() throws Exception {
        kernel.eval("import org.cvtzoo.zoo.*;\nimport org.cvtzoo.core.image.*;");
        kernel.eval("var model = VisionModel.fromCheckpoint(Zoo.architecture(Path.of(\"" + TINY.resolve("spec.json")
                + "\"), null), Path.of(\"" + TINY.resolve("model.pth") + "\"));");
        DisplayData m = kernel.eval("model");
        assertTrue(text(m).startsWith("VisionModel custom CvT"), text(m));

        kernel.eval("var img = Images.read(Path.of(\"../cvt-core/src/test/resources/image/chelsea.png\"));");
        DisplayData p = kernel.eval("model.withEval(org.cvtzoo.core.image.EvalTransform.resizeTo(64, 64, "
                + "EvalTransform.imagenetMean(), EvalTransform.imagenetStd(), \"bicubic\")).classify(img, 3)");
        String html = (String) p.getData(MIMEType.TEXT_HTML);
        assertEquals(3, html.split("<tr>").length - 2, html); // the header row and 3 rows
        assertTrue(text(p).lines().count() == 4, text(p));

        DisplayData a = kernel.eval("org.nd4j.linalg.factory.Nd4j.linspace(1, 20000, 20000).reshape(200, 100)");
        assertTrue(text(a).startsWith("INDArray FLOAT [200, 100]: 20,000 values, min 1, max 20000, mean 10000.5"), text(a));
        assertTrue(text(a).length() < 1200, text(a));

        DisplayData img = kernel.eval("img");
        byte[] png = Base64.getDecoder().decode((String) img.getData(MIMEType.IMAGE_PNG));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);

        DisplayData heat = kernel.eval("heatMap(model.withEval(EvalTransform.resizeTo(64, 64, EvalTransform.imagenetMean(), "
                + "EvalTransform.imagenetStd(), \"bicubic\")), img)");
        assertNotNull(heat.getData(MIMEType.IMAGE_PNG));
        assertEquals("image 224x224", text(heat));

        List<DisplayData> shown = new ArrayList<>();
        kernel.onDisplay(shown::add);
        try {
            kernel.eval("display(variants())");
        } finally {
            kernel.onDisplay(null);
        }
        assertEquals(1, shown.size());
        assertTrue(((String) shown.get(0).getData(MIMEType.TEXT_HTML)).contains(">cvt-13</td>"));
    }
}
