package org.cvtzoo.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.StringReader;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ImageNetLabelsTest {

    @Test
    void thousandLabelsInClassIndexOrder() {
        List<String> all = ImageNetLabels.all();
        assertEquals(1000, all.size());
        assertEquals("tench, Tinca tinca", ImageNetLabels.get(0));
        assertEquals("tench", ImageNetLabels.shortName(0));
        assertEquals("n01440764", ImageNetLabels.synset(0));
        assertEquals("goldfish", ImageNetLabels.shortName(1));
        assertEquals("tabby", ImageNetLabels.shortName(281));
        assertEquals("analog clock", ImageNetLabels.get(409));
        assertEquals("n15075141", ImageNetLabels.synset(999));
        assertTrue(ImageNetLabels.get(999).startsWith("toilet tissue"));
        HashSet<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String s = ImageNetLabels.synset(i);
            assertTrue(seen.add(s), "duplicate synset " + s);
            if (i > 0) {
                assertTrue(ImageNetLabels.synset(i - 1).compareTo(s) < 0, "order at " + i);
            }
            assertTrue(!ImageNetLabels.get(i).isBlank());
        }
        assertThrows(IndexOutOfBoundsException.class, () -> ImageNetLabels.get(1000));
        assertThrows(IndexOutOfBoundsException.class, () -> ImageNetLabels.get(-1));
        assertThrows(UnsupportedOperationException.class, () -> all.add("x"));
    }

    @Test
    void outOfRangeIndicesSaySo() {
        for (int i : new int[] {-1, 1000}) {
            assertEquals("ImageNet class index " + i + " outside 0..999",
                    assertThrows(IndexOutOfBoundsException.class, () -> ImageNetLabels.get(i)).getMessage());
            assertEquals("ImageNet class index " + i + " outside 0..999",
                    assertThrows(IndexOutOfBoundsException.class, () -> ImageNetLabels.synset(i)).getMessage());
        }
        assertEquals("n01443537", ImageNetLabels.synset(1));
    }

    private static String table(int classes) {
        StringBuilder s = new StringBuilder("# a comment\n\n");
        for (int i = 0; i < classes; i++) {
            s.append(String.format("n%08d\tlabel %d, with\ta tab\n", i, i)).append(i == 500 ? "   \n" : "");
        }
        return s.toString();
    }

    private static ImageNetLabels.Classes parse(String text) throws IOException {
        return ImageNetLabels.parse(new BufferedReader(new StringReader(text)), "t.txt");
    }

    @Test
    void tableIsSynsetTabLabelWithCommentsAndBlankLinesSkipped() throws IOException {
        ImageNetLabels.Classes c = parse(table(1000));
        assertEquals(1000, c.labels().size());
        assertEquals("n00000000", c.synsets().get(0));
        assertEquals("label 0, with\ta tab", c.labels().get(0));
        assertEquals("n00000999", c.synsets().get(999));
        assertEquals("label 999, with\ta tab", c.labels().get(999));
        assertThrows(UnsupportedOperationException.class, () -> c.synsets().add("x"));
        assertThrows(UnsupportedOperationException.class, () -> c.labels().add("x"));
    }

    @Test
    void malformedTablesAreRefused() {
        assertEquals("t.txt has 999 classes, not 1000",
                assertThrows(IllegalStateException.class, () -> parse(table(999))).getMessage());
        assertEquals("t.txt has 1001 classes, not 1000",
                assertThrows(IllegalStateException.class, () -> parse(table(1001))).getMessage());
        assertEquals("t.txt: line without a tab: n00000000 tench",
                assertThrows(IllegalStateException.class, () -> parse("n00000000 tench\n" + table(1000))).getMessage());
    }
}
