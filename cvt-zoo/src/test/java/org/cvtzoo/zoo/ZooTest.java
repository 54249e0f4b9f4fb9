package org.cvtzoo.zoo;

import org.cvtzoo.zoo.spec.SpecException;
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

    @Test
    void namesAndAliasesAreCaseInsensitive() {
        assertEquals("cvt-13", Zoo.variant("CvT-13").name());
        assertEquals("cvt-13", Zoo.variant("microsoft/cvt-13").name());
        SpecException e = assertThrows(SpecException.class, () -> Zoo.variant("resnet-50"));
        assertTrue(e.getMessage().contains("cvt-13"), e.getMessage());
    }
}
