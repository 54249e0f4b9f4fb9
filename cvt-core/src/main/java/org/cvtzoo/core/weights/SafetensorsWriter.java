package org.cvtzoo.core.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes float32 tensors (and int64 scalars, such as BatchNorm's {@code num_batches_tracked})
 * as a {@code .safetensors} file (what PyTorch users load with
 * {@code safetensors.torch.load_file}), atomically. Tensors are given in PyTorch layout.
 */
public final class SafetensorsWriter {
    private SafetensorsWriter() {
    }

    public static void write(Path file, Map<String, INDArray> tensors, Map<String, String> metadata) {
        write(file, tensors, Map.of(), metadata);
    }

    public static void write(Path file, Map<String, INDArray> tensors, Map<String, Long> int64Scalars,
                             Map<String, String> metadata) {
        Map<String, INDArray> data = new LinkedHashMap<>();
        ObjectMapper json = new ObjectMapper();
        ObjectNode header = json.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            INDArray a = e.getValue().castTo(DataType.FLOAT).dup('c');
            long bytes = a.length() * 4;
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long d : a.shape()) shape.add(d);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
            data.put(e.getKey(), a);
        }
        for (Map.Entry<String, Long> e : int64Scalars.entrySet()) {
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", "I64");
            t.putArray("shape");
            t.putArray("data_offsets").add(offset).add(offset + 8);
            offset += 8;
        }
        byte[] h = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(h);
        while (head.hasRemaining()) head.put((byte) ' ');
        head.flip();
        try {
            AtomicFile.write(file, ch -> {
                AtomicFile.writeFully(ch, head);
                for (INDArray a : data.values()) Npy.writeFloats(ch, a);
                ByteBuffer longs = ByteBuffer.allocate(8 * int64Scalars.size()).order(ByteOrder.LITTLE_ENDIAN);
                int64Scalars.values().forEach(longs::putLong);
                AtomicFile.writeFully(ch, longs.flip());
            });
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file + ": cannot write .safetensors (" + e + ")", e);
        }
    }
}
