package org.cvtzoo.core.data;

import static org.cvtzoo.core.Fixtures.DATA;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderTest {
    @TempDir
    Path tmp;

    static Path touch(Path root, String relative) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        return Files.write(p, new byte[0]);
    }

    /** Classes and sample order equal torchvision's ImageFolder on the same tree. */
    @Test
    void matchesTorchvisionOrder() throws IOException {
        JsonNode fx = DATA.json("image_folder.json");
        Path root = tmp.resolve("tree");
        for (JsonNode f : fx.get("files")) {
            touch(root, f.asText());
        }
        ImageFolder folder = ImageFolder.open(root);
        List<String> classes = new ArrayList<>();
        fx.get("classes").forEach(c -> classes.add(c.asText()));
        assertEquals(classes, folder.classes());
        JsonNode samples = fx.get("samples");
        assertEquals(samples.size(), folder.size());
        for (int i = 0; i < folder.size(); i++) {
            assertEquals(samples.get(i).get(0).asText(),
                    root.relativize(folder.path(i)).toString().replace('\\', '/'), "sample " + i);
            assertEquals(samples.get(i).get(1).asInt(), folder.label(i), "label " + i);
        }
    }

    @Test
    void basicsAndHiddenEntries() throws IOException {
        touch(tmp, "b/1.png");
        touch(tmp, "b/2.GIF");
        touch(tmp, "b/.3.png");
        touch(tmp, "b/.hidden/4.png");
        touch(tmp, "a/x.bmp");
        touch(tmp, "a/y.tiff");
        touch(tmp, ".ipynb_checkpoints/z.png");
        Files.writeString(tmp.resolve("README.txt"), "not a class");
        ImageFolder f = ImageFolder.open(tmp);
        assertEquals(List.of("a", "b"), f.classes());
        assertEquals(3, f.size());
        assertEquals(tmp.resolve("a/x.bmp"), f.path(0));
        assertEquals(0, f.label(0));
        assertEquals(tmp.resolve("b/1.png"), f.path(1));
        assertEquals(tmp.resolve("b/2.GIF"), f.path(2));
        assertEquals(1, f.label(2));
        assertArrayEquals(new int[] {1, 2}, f.classCounts());
        assertThrows(IndexOutOfBoundsException.class, () -> f.label(3));
    }

    @Test
    void errors() throws IOException {
        Path none = tmp.resolve("none");
        DataException e = assertThrows(DataException.class, () -> ImageFolder.open(none));
        assertTrue(e.getMessage().contains(none.toString()) && e.getMessage()
                .contains("does not exist"), e.getMessage());
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        e = assertThrows(DataException.class, () -> ImageFolder.open(file));
        assertTrue(e.getMessage().contains("not a folder"), e.getMessage());
        Path flat = tmp.resolve("flat");
        touch(flat, "img.png");
        e = assertThrows(DataException.class, () -> ImageFolder.open(flat));
        assertTrue(e.getMessage().contains(flat.toString())
                && e.getMessage().contains("no class folders"), e.getMessage());
        Path holey = tmp.resolve("holey");
        touch(holey, "a/1.jpg");
        touch(holey, "b/notes.txt");
        Files.createDirectories(holey.resolve("c"));
        e = assertThrows(DataException.class, () -> ImageFolder.open(holey));
        assertTrue(e.getMessage().contains("class folders b, c hold no image files"),
                e.getMessage());
    }

    private static Path balanced(Path root, int[] counts) throws IOException {
        for (int c = 0; c < counts.length; c++) {
            for (int i = 0; i < counts[c]; i++) {
                touch(root, "class" + c + "/img" + String.format("%03d", i) + ".png");
            }
        }
        return root;
    }

    @Test
    void stratifiedDeterministicSplit() throws IOException {
        ImageFolder f = ImageFolder.open(balanced(tmp.resolve("d"), new int[] {100, 40, 7, 2, 1}));
        ImageFolder.Split s = f.split(0.2, 42);
        assertArrayEquals(new int[] {80, 32, 6, 1, 1}, s.train().classCounts());
        assertArrayEquals(new int[] {20, 8, 1, 1, 0}, s.validation().classCounts());
        assertEquals(f.classes(), s.validation().classes());
        // disjoint, covering, each in folder order
        Set<Path> seen = new HashSet<>();
        for (ImageFolder part : List.of(s.train(), s.validation())) {
            for (int i = 0; i < part.size(); i++) {
                assertTrue(seen.add(part.path(i)));
                if (i > 0) {
                    assertTrue(part.path(i - 1).compareTo(part.path(i)) < 0
                            || part.label(i - 1) < part.label(i));
                }
            }
        }
        assertEquals(f.size(), seen.size());
        // deterministic for a seed, different for another
        assertEquals(s, f.split(0.2, 42));
        assertNotEquals(s.validation(), f.split(0.2, 43).validation());
        // labels travel with their paths
        for (int i = 0; i < s.validation().size(); i++) {
            assertTrue(s.validation().path(i).getParent().getFileName().toString()
                    .equals("class" + s.validation().label(i)));
        }
        assertThrows(DataException.class, () -> f.split(0, 1));
        assertThrows(DataException.class, () -> f.split(1, 1));
    }

    @Test
    void trainValLayout() throws IOException {
        Path root = tmp.resolve("r");
        balanced(root.resolve("train"), new int[] {5, 5});
        balanced(root.resolve("val"), new int[] {2, 2});
        ImageFolder.Split s = ImageFolder.trainVal(root, 0.5, 1);
        assertEquals(10, s.train().size());
        assertEquals(4, s.validation().size());
        // without a validation folder: the root is split
        Path only = balanced(tmp.resolve("only"), new int[] {10, 10});
        s = ImageFolder.trainVal(only, 0.3, 1);
        assertArrayEquals(new int[] {3, 3}, s.validation().classCounts());
        // mismatched classes
        Path bad = tmp.resolve("bad");
        balanced(bad.resolve("train"), new int[] {1, 1});
        balanced(bad.resolve("validation"), new int[] {1});
        DataException e = assertThrows(DataException.class,
                () -> ImageFolder.trainVal(bad, 0.5, 1));
        assertTrue(e.getMessage().contains("only in train: [class1]"), e.getMessage());
    }

    @Test
    void aSeparateValidationFolderMustHaveTheTrainingClasses() throws IOException {
        Path train = balanced(tmp.resolve("t"), new int[] {1, 1});
        Path val = balanced(tmp.resolve("v"), new int[] {1, 1, 1});
        DataException e = assertThrows(DataException.class, () -> ImageFolder.trainVal(train, val));
        assertTrue(e.getMessage().contains("only in v: [class2]"), e.getMessage());
        assertEquals(2, ImageFolder.trainVal(train, balanced(tmp.resolve("v2"), new int[] {2, 1})).validation().classes().size());
    }
}
