package org.cvtzoo.zoo;

import org.cvtzoo.zoo.dl4j.CvT13;
import org.cvtzoo.zoo.dl4j.PatchConvNetL60;
import org.cvtzoo.zoo.dl4j.VitL32;
import org.cvtzoo.zoo.dl4j.VitS16;
import org.cvtzoo.zoo.download.WeightsCache;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Dl4jIdiomTest {
    @TempDir
    Path tmp;

    @Test
    void classesNameTheirVariants() {
        assertEquals("cvt-13", new CvT13().modelName());
        assertArrayEquals(new int[]{3, 224, 224}, new VitS16().inputShape());
        assertTrue(new CvT13().pretrainedAvailable());
        assertFalse(new VitL32().pretrainedAvailable());
        assertFalse(new PatchConvNetL60().pretrainedAvailable());
    }

    /** A cache filled by hand is used as it is: no network. */
    @Test
    void initPretrainedUsesAFilledCache() throws Exception {
        WeightsCache cache = new WeightsCache(tmp, Duration.ofSeconds(1), Duration.ofSeconds(1), null);
        // cvt-13's published file name; the content here is a tiny stand-in, so loading must fail on the shapes
        Path target = cache.location("cvt-13", "model.safetensors");
        Files.createDirectories(target.getParent());
        Files.copy(Fixtures.dir("cvt_tiny").resolve("model_hf.safetensors"), target);
        var e = assertThrows(org.cvtzoo.core.weights.CheckpointException.class, () -> new CvT13().initPretrained(cache));
        assertTrue(e.getMessage().contains("wrong shape"), e.getMessage());
    }
}
