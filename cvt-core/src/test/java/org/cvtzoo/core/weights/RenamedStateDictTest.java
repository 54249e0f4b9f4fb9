package org.cvtzoo.core.weights;

import static org.cvtzoo.core.Fixtures.WEIGHTS;
import static org.cvtzoo.core.weights.Expected.assertArray;
import static org.cvtzoo.core.weights.Expected.assertFails;
import static org.cvtzoo.core.weights.Expected.expected;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class RenamedStateDictTest {

    @Test
    void renamesDropsAndKeepsTensorsLazy() {
        try (StateDict sd = Checkpoints.open(WEIGHTS.path("bare.pth"))) {
            StateDict r = sd.renamed(k -> k.startsWith("1.") ? null : "net." + k);
            assertEquals(List.of("net.0.weight", "net.0.bias", "net.3.weight", "net.3.bias",
                    "net.param"), List.copyOf(r.keys()));
            assertEquals("net.0.weight", r.info("net.0.weight").name());
            assertEquals(sd.info("0.weight").dtype(), r.info("net.0.weight").dtype());
            assertArray(expected("bare.pth").get("0.weight"), r.get("net.0.weight"), "renamed");
            assertFails(() -> r.get("0.weight"), "bare.pth", "no tensor named '0.weight'");
            assertEquals(sd.source(), r.source());
        }
    }

    @Test
    void collisionIsAnError() {
        try (StateDict sd = Checkpoints.open(WEIGHTS.path("bare.pth"))) {
            assertFails(() -> sd.renamed(k -> k.endsWith("bias") ? "bias" : k), "bare.pth",
                    "'0.bias'", "'1.bias'", "to 'bias'");
        }
    }

    @Test
    void closingTheViewClosesTheFile() {
        StateDict sd = Checkpoints.open(WEIGHTS.path("bare.pth"));
        StateDict r = sd.renamed(k -> k);
        r.close();
        assertThrows(IllegalStateException.class, () -> sd.get("0.weight"));
    }
}
