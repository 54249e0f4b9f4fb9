package org.cvtzoo.core.weights;

import static org.cvtzoo.core.Fixtures.WEIGHTS;
import static org.cvtzoo.core.weights.Expected.assertFails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@link Checkpoints#detect} makes of a file's first bytes, and what the state dicts say of themselves. */
class CheckpointFormatTest {
    @TempDir
    Path tmp;

    private Path file(String latin1) throws IOException {
        return Files.write(tmp.resolve("f.bin"), latin1.getBytes(StandardCharsets.ISO_8859_1));
    }

    private void assertDetects(String head, Checkpoints.Format format) throws IOException {
        assertEquals(format, Checkpoints.detect(file(head)));
    }

    private void assertRefuses(String head, String message) throws IOException {
        Path f = file(head);
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.detect(f));
        assertEquals(f + ": " + message, e.getMessage());
    }

    @Test
    void formatsByTheirFirstBytes() throws IOException {
        assertDetects("PK\u0003\u0004", Checkpoints.Format.PYTORCH_ZIP);
        assertDetects("PK\u0005\u0006 empty zip", Checkpoints.Format.PYTORCH_ZIP);
        // a safetensors header starts with '{' after its 8-byte length
        assertDetects("\u0002\u0000\u0000\u0000\u0000\u0000\u0000\u0000{", Checkpoints.Format.SAFETENSORS);
    }

    @Test
    void otherFilesSayWhatTheyAre() throws IOException {
        String legacy = "not a PyTorch zip checkpoint (this is a bare pickle stream: the legacy torch.save format"
                + " is not supported; re-save with torch >= 1.6)";
        assertRefuses("\u0080\u0002\u008a\nl\u00fc\u009cF\u00f9 j\u00a8", legacy);
        assertRefuses("\u0080\u0005.", legacy);
        assertRefuses("\u0080\u0006.", "unrecognised format (first bytes: 80 06 2e); expected a PyTorch zip"
                + " checkpoint (PK\\x03\\x04) or a safetensors file");
        assertRefuses("\u0080\u0001.", "unrecognised format (first bytes: 80 01 2e); expected a PyTorch zip"
                + " checkpoint (PK\\x03\\x04) or a safetensors file");
        assertRefuses("\u0080", "unrecognised format (first bytes: 80); expected a PyTorch zip"
                + " checkpoint (PK\\x03\\x04) or a safetensors file");
        assertRefuses("PK\u0003", "unrecognised format (first bytes: 50 4b 03); expected a PyTorch zip"
                + " checkpoint (PK\\x03\\x04) or a safetensors file");
        assertRefuses("\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u0010", "unrecognised format (first bytes:"
                + " 01 02 03 04 05 06 07 08); expected a PyTorch zip checkpoint (PK\\x03\\x04) or a safetensors file");
        assertRefuses("\u0093NUMPY\u0001\u0000", "this is a .npy array, not a checkpoint (read it with Npy.read)");
        assertRefuses("\u001f\u008b\u0008", "gzip-compressed file; decompress it first");
        assertRefuses("version https://git-lfs.github.com/spec/v1\n",
                "this is a Git LFS pointer file, not the weights (fetch them with git lfs pull)");
    }

    @Test
    void stateDictsNameTheirFileAndSize() {
        Path bare = WEIGHTS.path("bare.pth");
        try (StateDict sd = Checkpoints.open(bare)) {
            assertEquals(10, sd.size());
            assertEquals("StateDict(" + bare + ", 10 tensors)", sd.toString());
            StateDict renamed = sd.renamed(k -> k.startsWith("1.") ? null : k);
            assertEquals(5, renamed.size());
            assertEquals("StateDict(" + bare + ", 5 tensors, renamed)", renamed.toString());
        }
    }

    @Test
    void aMissingKeyListsTheFirstFiveKeys() {
        Path bare = WEIGHTS.path("bare.pth");
        try (StateDict sd = Checkpoints.open(bare)) {
            assertFails(() -> sd.get("nope"), bare + ": no tensor named 'nope' (10 tensors: 0.weight, 0.bias,"
                    + " 1.weight, 1.bias, 1.running_mean, ...)");
            StateDict five = sd.renamed(k -> k.startsWith("1.") ? null : k);
            assertFails(() -> five.get("nope"), bare + ": no tensor named 'nope' (5 tensors: 0.weight, 0.bias,"
                    + " 3.weight, 3.bias, param)");
            StateDict none = sd.renamed(k -> null);
            assertFails(() -> none.get("nope"), bare + ": no tensor named 'nope' (0 tensors)");
        }
    }
}
