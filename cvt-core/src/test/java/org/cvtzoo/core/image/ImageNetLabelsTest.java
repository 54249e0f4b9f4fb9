package org.cvtzoo.core.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
