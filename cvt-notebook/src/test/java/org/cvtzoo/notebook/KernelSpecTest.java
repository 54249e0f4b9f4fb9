package org.cvtzoo.notebook;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kernelspec Jupyter starts the kernel from, and how cells are cut into Java and magics. */
class KernelSpecTest {
    @TempDir
    Path tmp;

    @Test
    void kernelJsonRunsKernelMainOnTheConnectionFile() throws IOException {
        Path file = KernelSpec.write(tmp.resolve("cvt-java"), List.of("/a/x.jar", "/a/lib/*"), List.of("-Xmx1g"));
        JsonNode spec = new ObjectMapper().readTree(file.toFile());
        List<String> argv = new ArrayList<>();
        spec.get("argv").forEach(a -> argv.add(a.asText()));
        assertTrue(argv.get(0).endsWith("/bin/java"), argv.toString());
        assertEquals(List.of("-Xmx1g", "-Djava.awt.headless=true", "-cp", "/a/x.jar:/a/lib/*", KernelMain.class.getName(),
                "{connection_file}"), argv.subList(1, argv.size()));
        assertEquals("java", spec.get("language").asText());
        assertEquals("message", spec.get("interrupt_mode").asText(), "interrupts as messages: the JVM keeps SIGINT");
        assertEquals("PASSIVE", spec.get("env").get("OMP_WAIT_POLICY").asText());
    }

    @Test
    void cellsAreCutAtMagicLines() {
        List<CellText.Piece> p = CellText.split("int a = 1;\n  %jars lib/*.jar\nint b = a;\n%classpath\n");
        assertEquals(4, p.size());
        assertEquals(new CellText.Piece(false, "int a = 1;\n", 0, 1), p.get(0));
        assertEquals(new CellText.Piece(true, "%jars lib/*.jar", 13, 2), p.get(1));
        assertEquals(new CellText.Piece(false, "int b = a;\n", 29, 3), p.get(2));
        assertEquals("%classpath", p.get(3).text());
        // a remainder operator at a line's start is Java, not a magic
        assertEquals(1, CellText.split("int r = 7\n  % 3;").size());
    }

    @Test
    void magicPathsAndGlobs() throws IOException {
        Files.createDirectories(tmp.resolve("lib/sub"));
        for (String f : List.of("lib/a.jar", "lib/b.jar", "lib/notes.txt", "lib/sub/c.jar")) Files.writeString(tmp.resolve(f), "");
        String base = tmp.toAbsolutePath() + "/lib";
        assertEquals(List.of(tmp.resolve("lib/a.jar"), tmp.resolve("lib/b.jar")), Magics.resolve(base + "/*.jar"));
        assertEquals(List.of(tmp.resolve("lib/sub/c.jar")), Magics.resolve(base + "/**/*.jar"));
        assertEquals(List.of(tmp.resolve("lib/notes.txt")), Magics.resolve(base + "/notes.txt"));
        assertEquals(List.of(), Magics.resolve(base + "/none*.jar"));
        assertEquals(List.of("add", "jar", "/a b/c.jar", ""), Magics.split("add jar \"/a b/c.jar\" ''"));
    }
}
