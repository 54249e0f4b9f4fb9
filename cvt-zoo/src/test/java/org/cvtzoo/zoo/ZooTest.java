package org.cvtzoo.zoo;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ZooTest {
    @Test
    void variantsFromOtherJarsAreFoundByServiceLoader() {
        assertTrue(Zoo.variants().stream().anyMatch(v -> v.name().equals("test-cvt-tiny")));
        VisionModel m = Zoo.load("tiny-from-provider", Fixtures.dir("cvt_tiny").resolve("model.pth"));
        VisionModel.Output out = m.forward(Fixtures.npy("cvt_tiny", "input.npy"));
        assertTrue(Fixtures.relativeError(out.logits(), Fixtures.npy("cvt_tiny", "logits.npy")) <= 1e-4);
    }

    /** Names and aliases find exactly one variant; a variant cannot be made without its card. */
    @Test
    void everyVariantHasItsCardAndOneName() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (Variant v : Zoo.variants()) {
            for (String n : java.util.stream.Stream.concat(java.util.stream.Stream.of(v.name()), v.aliases().stream()).toList()) {
                assertTrue(names.add(n.toLowerCase(java.util.Locale.ROOT)), "'" + n + "' names two variants");
                assertEquals(v.name(), Zoo.variant(n).name());
            }
        }
        assertEquals(17, Zoo.variants().stream().filter(v -> !v.name().startsWith("test-")).count());
        Architecture tiny = Zoo.architecture("test-cvt-tiny", null);
        IllegalArgumentException noCard = assertThrows(IllegalArgumentException.class,
                () -> new Variant(tiny, java.util.List.of(), null));
        assertTrue(noCard.getMessage().contains("no card"), noCard.getMessage());
        IllegalArgumentException taken = assertThrows(IllegalArgumentException.class, () -> Zoo.register(
                new Variant(tiny.withName("test-other"), java.util.List.of("CvT-13"), new Card(null, null))));
        assertTrue(taken.getMessage().contains("already names cvt-13"), taken.getMessage());
        assertEquals("cvt-13", Zoo.variant("cvt-13").name());
    }

    @Test
    void namesAndAliasesAreCaseInsensitive() {
        assertEquals("cvt-13", Zoo.variant("CvT-13").name());
        assertEquals("cvt-13", Zoo.variant("microsoft/cvt-13").name());
        UnknownModelException e = assertThrows(UnknownModelException.class, () -> Zoo.variant("resnet-50"));
        assertTrue(e.getMessage().contains("cvt-13"), e.getMessage());
    }
}
