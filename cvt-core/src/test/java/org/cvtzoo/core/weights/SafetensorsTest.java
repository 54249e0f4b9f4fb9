package org.cvtzoo.core.weights;

import static org.cvtzoo.core.Fixtures.WEIGHTS;
import static org.cvtzoo.core.weights.Expected.assertFails;
import static org.cvtzoo.core.weights.Expected.assertStateDict;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

class SafetensorsTest {

    @Test
    void readsEveryDtypeScalarAndEmptyTensor() {
        try (StateDict sd = Checkpoints.open(WEIGHTS.path("dtypes.safetensors"))) {
            assertStateDict("dtypes.safetensors", sd);
        }
    }

    @Test
    void truncatedFile() throws IOException {
        long size = Files.size(WEIGHTS.path("truncated.safetensors"));
        assertFails(() -> Checkpoints.open(WEIGHTS.path("truncated.safetensors")),
                "truncated.safetensors", "header says tensor 'w' ends at byte 184",
                "but the file has " + size + " bytes");
    }

    @Test
    void offsetsBeyondTheFile() {
        assertFails(() -> Checkpoints.open(WEIGHTS.path("offsets_beyond_file.safetensors")),
                "offsets_beyond_file.safetensors", "header says tensor 'b' ends at byte");
    }

    @Test
    void shapeAndOffsetsDisagree() {
        assertFails(() -> Checkpoints.open(WEIGHTS.path("size_mismatch.safetensors")),
                "size_mismatch.safetensors", "tensor 'b' has shape 5 of F32 (20 bytes)",
                "span 16 bytes");
    }

    @Test
    void absurdHeaderLength() {
        assertFails(() -> Checkpoints.open(WEIGHTS.path("absurd_header.safetensors")),
                "absurd_header.safetensors", "header length 1099511627776");
    }

    @Test
    void headerIsNotJson() {
        assertFails(() -> Checkpoints.open(WEIGHTS.path("bad_json.safetensors")),
                "bad_json.safetensors", "not valid JSON");
    }

    @Test
    void unsupportedDtypeIsListedButRefusedOnRead() {
        try (StateDict sd = Checkpoints.open(WEIGHTS.path("unsupported_dtype.safetensors"))) {
            assertEquals("F8_E4M3", sd.info("b").dtype());
            assertArrayEquals(new long[] {16}, sd.info("b").shape());
            assertEquals(16, sd.get("w").length());
            assertFails(() -> sd.get("b"), "unsupported_dtype.safetensors",
                    "unsupported dtype F8_E4M3 for tensor 'b'");
        }
    }
}
