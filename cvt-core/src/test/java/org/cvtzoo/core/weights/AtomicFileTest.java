package org.cvtzoo.core.weights;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** A crash in the middle of writing a checkpoint never destroys the previous one. */
class AtomicFileTest {
    @TempDir
    Path tmp;

    @Test
    void failedWriteLeavesThePreviousFileAndNoTemporaries() throws IOException {
        Path ckpt = tmp.resolve("last.ckpt.safetensors");
        AtomicFile.write(ckpt, ch -> AtomicFile.writeFully(ch, ByteBuffer.wrap("epoch 1".getBytes())));
        assertThrows(IOException.class, () -> AtomicFile.write(ckpt, ch -> {
            AtomicFile.writeFully(ch, ByteBuffer.wrap("epoch 2, half writ".getBytes()));
            throw new IOException("disk full (simulated)");
        }));
        assertEquals("epoch 1", Files.readString(ckpt));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temporary file left behind");
        }
        AtomicFile.write(ckpt, ch -> AtomicFile.writeFully(ch, ByteBuffer.wrap("epoch 2".getBytes())));
        assertEquals("epoch 2", Files.readString(ckpt));
    }
}
