package org.cvtzoo.notebook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The kernelspec Jupyter starts the kernel from: a folder with {@code kernel.json}, whose argv
 * runs {@link KernelMain} on this JVM's java with a class path of the built jars (the zoo, ND4J
 * and its natives, jjava-jupyter, XChart). Interrupts come as messages (the JVM keeps its
 * SIGINT), and ND4J's OpenMP threads sleep when idle, as {@code bin/cvt} sets them.
 */
public final class KernelSpec {
    public static final String DISPLAY_NAME = "Java (cvt-zoo)";
    /** The JVM options a kernel gets when the installing JVM's own are not to be copied. */
    public static final List<String> DEFAULT_JVM_OPTIONS = List.of("-Xmx3g", "-Dorg.bytedeco.javacpp.maxbytes=16G",
            "-Dorg.bytedeco.javacpp.maxphysicalbytes=0", "-Dorg.nd4j.log.initialization=false");

    private KernelSpec() {
    }

    /**
     * Writes {@code dir/kernel.json}.
     *
     * @param classPath  the kernel's class path entries (a folder's {@code *} is expanded by java)
     * @param jvmOptions options before {@code -cp}
     */
    public static Path write(Path dir, List<String> classPath, List<String> jvmOptions) {
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode spec = json.createObjectNode();
        ArrayNode argv = spec.putArray("argv");
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        jvmOptions.forEach(argv::add);
        argv.add("-Djava.awt.headless=true");
        argv.add("-cp");
        argv.add(String.join(File.pathSeparator, classPath));
        argv.add(KernelMain.class.getName());
        argv.add("{connection_file}");
        spec.put("display_name", DISPLAY_NAME);
        spec.put("language", "java");
        spec.put("interrupt_mode", "message");
        ObjectNode env = spec.putObject("env");
        for (Map.Entry<String, String> e : Map.of("OMP_WAIT_POLICY", "PASSIVE").entrySet()) env.put(e.getKey(), e.getValue());
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve("kernel.json");
            Files.writeString(file, json.writeValueAsString(spec) + "\n");
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The class path of the running code as a kernel should get it: the built jar and
     * {@code target/lib/*} (as bin/cvt runs), or this JVM's class path where the classes are not
     * in a jar (tests, an IDE).
     */
    public static List<String> currentClassPath() {
        Path code = codeLocation();
        Path lib = code.getParent() == null ? null : code.getParent().resolve("lib");
        if (code.toString().endsWith(".jar") && lib != null && Files.isDirectory(lib)) {
            return List.of(code.toString(), lib + File.separator + "*");
        }
        List<String> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path", "").split(File.pathSeparator)) {
            if (!e.isEmpty()) out.add(Path.of(e).toAbsolutePath().toString());
        }
        return out;
    }

    /** This JVM's own options, for a kernel that should run as bin/cvt runs (debugger and agent options left out). */
    public static List<String> currentJvmOptions() {
        List<String> out = new ArrayList<>();
        for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (a.startsWith("-agentlib") || a.startsWith("-javaagent") || a.startsWith("-Xrunjdwp") || a.startsWith("-Xdebug")) continue;
            if (a.equals("-Djava.awt.headless=true")) continue;
            out.add(a);
        }
        return out.isEmpty() ? DEFAULT_JVM_OPTIONS : out;
    }

    /** The jar or class folder this class was loaded from. */
    static Path codeLocation() {
        try {
            return Path.of(KernelSpec.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * {@code cvt-notebook/notebooks}, found from where this class was loaded
     * ({@code cvt-notebook/target/*.jar} or {@code cvt-notebook/target/classes}); null if not there.
     */
    public static Path examplesFolder() {
        for (Path p = codeLocation().getParent(); p != null; p = p.getParent()) {
            Path nb = p.resolve("notebooks");
            if (Files.isDirectory(nb) && Files.exists(p.resolve("pom.xml"))) return nb;
        }
        return null;
    }
}
