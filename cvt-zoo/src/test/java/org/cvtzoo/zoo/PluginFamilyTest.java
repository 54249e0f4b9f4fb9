package org.cvtzoo.zoo;

import com.fasterxml.jackson.core.TreeNode;
import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.core.ZooException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A family from another jar: src/test/plugin's ToyFamily, compiled here into a jar of its own
 * with its META-INF/services entry (not on the test class path), registers through
 * ServiceLoader, builds, saves a model file, and ModelFile.load reads it back.
 */
class PluginFamilyTest {
    @TempDir
    Path tmp;

    @Test
    void theBuiltInFamiliesAreRegisteredAsPluginsAre() {
        List<String> names = ServiceLoader.load(Family.class).stream().map(p -> p.get().name()).toList();
        assertEquals(List.of("cvt", "vit", "patchconvnet"), names);
    }

    @Test
    void aFamilyInAJarRegistersBuildsSavesAndReloads() throws Exception {
        assertThrows(UnknownModelException.class, () -> Zoo.variant("test-toy-3"));
        try (URLClassLoader plugin = new URLClassLoader(new URL[]{pluginJar().toUri().toURL()}, Zoo.class.getClassLoader())) {
            Zoo.addPlugins(plugin);
            VisionModel m = Zoo.load("test-toy-3");
            assertEquals("toy", m.architecture().family());
            Nd4j.getRandom().setSeed(1);
            INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 8, 8);
            INDArray logits = m.forward(x).logits();
            assertArrayEquals(new long[]{2, 3}, logits.shape());

            Path file = tmp.resolve("toy.safetensors");
            ModelFile.save(m.withClassNames(List.of("red", "green", "blue")), file);
            VisionModel back = ModelFile.load(file);
            assertEquals("toy", back.architecture().family());
            assertEquals("test-toy-3", back.architecture().name());
            assertEquals(List.of("red", "green", "blue"), back.classNames());
            assertArrayEquals(logits.dup().data().asFloat(), back.forward(x).logits().dup().data().asFloat());

            // a custom spec of the family (its own reader), and the family name taken twice
            Architecture five = Zoo.architecture(Nd4jJson.tree("{\"family\": \"TOY\", \"classes\": 5, \"size\": 4}"), "toy.json", null);
            assertEquals(5, five.numClasses());
            Zoo.addPlugins(plugin); // seen again: skipped
            Family impostor = new Family() {
                @Override
                public String name() {
                    return "toy";
                }

                @Override
                public List<Variant> variants() {
                    return List.of();
                }

                @Override
                public Architecture fromSpec(JsonNode tree, String source) {
                    return null;
                }
            };
            ZooException e = assertThrows(ZooException.class, () -> Zoo.register(impostor));
            assertNotEquals(-1, e.getMessage().indexOf("'toy' is org.cvtzoo.toy.ToyFamily"), e.getMessage());
        }
    }

    /** ToyFamily compiled against the zoo's classes, in a jar with its service entry. */
    private Path pluginJar() throws IOException {
        Path classes = Files.createDirectories(tmp.resolve("classes"));
        String classPath = String.join(java.io.File.pathSeparator, Stream.of(Family.class, ZooException.class, SDVariable.class,
                INDArray.class, JsonNode.class, TreeNode.class).map(PluginFamilyTest::location).distinct().toList());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Path source = Path.of("src", "test", "plugin", "org", "cvtzoo", "toy", "ToyFamily.java");
        int status = javac.run(null, null, null, "-d", classes.toString(), "-cp", classPath, "--release", "17", source.toString());
        assertEquals(0, status, "javac of " + source);
        Path jar = tmp.resolve("toy-family.jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out)) {
            j.putNextEntry(new JarEntry("META-INF/services/org.cvtzoo.zoo.Family"));
            j.write("org.cvtzoo.toy.ToyFamily\n".getBytes(StandardCharsets.UTF_8));
            List<Path> files;
            try (Stream<Path> s = Files.walk(classes)) {
                files = new ArrayList<>(s.filter(Files::isRegularFile).toList());
            }
            for (Path f : files) {
                j.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
                j.write(Files.readAllBytes(f));
            }
        }
        return jar;
    }

    private static String location(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A JSON tree from text. */
    private static final class Nd4jJson {
        static JsonNode tree(String json) throws IOException {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(json);
        }
    }
}
