package org.cvtzoo.core.weights;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@code .safetensors} file: an 8-byte little-endian header length, a JSON header
 * {@code {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}}, then the
 * little-endian tensor bytes, offsets counted from the end of the header. Tensors are read by
 * positional reads from a {@link FileChannel}, so files of any size work.
 */
final class SafetensorsStateDict extends FileStateDict<SafetensorsStateDict.Entry> {

    /** The safetensors format's own limit on the header size. */
    static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    record Entry(TensorInfo info, long begin, long end) {
    }

    private final FileChannel channel;
    private final long dataStart;

    private SafetensorsStateDict(Path file, FileChannel channel, long dataStart,
                                 Map<String, Entry> entries) {
        super(file, channel, entries);
        this.channel = channel;
        this.dataStart = dataStart;
    }

    static SafetensorsStateDict open(Path file) {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot open (" + e + ")", e);
        }
        return closingOnFailure(ch, c -> openChannel(file, c));
    }

    private static SafetensorsStateDict openChannel(Path file, FileChannel ch) {
        try {
            long fileSize = ch.size();
            if (fileSize < 8) {
                throw new CheckpointException(file + ": too short for a safetensors file ("
                        + fileSize + " bytes)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > fileSize - 8) {
                throw new CheckpointException(file + ": header length "
                        + Long.toUnsignedString(headerLen) + " is impossible for a file of "
                        + fileSize + " bytes (corrupt or truncated safetensors header)");
            }
            if (headerLen > MAX_HEADER_BYTES) {
                throw new CheckpointException(file + ": header length " + headerLen
                        + " exceeds the safetensors limit of " + MAX_HEADER_BYTES + " bytes");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            JsonNode root;
            try {
                root = JSON.readTree(hb.array());
            } catch (JsonProcessingException e) {
                throw new CheckpointException(file + ": safetensors header is not valid JSON ("
                        + e.getOriginalMessage() + ")", e);
            }
            if (root == null || !root.isObject()) {
                throw new CheckpointException(file + ": safetensors header is not a JSON object");
            }
            long dataStart = 8 + headerLen;
            long dataLen = fileSize - dataStart;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> metadata = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String name = f.getKey();
                if (name.equals("__metadata__")) {
                    f.getValue().fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.put(name, parseEntry(file, name, f.getValue(), dataStart, dataLen));
            }
            SafetensorsStateDict d = new SafetensorsStateDict(file, ch, dataStart, entries);
            d.metadata = Map.copyOf(metadata);
            return d;
        } catch (EOFException e) {
            throw new CheckpointException(file + ": truncated safetensors header", e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e + ")", e);
        }
    }

    private static Entry parseEntry(Path file, String name, JsonNode n, long dataStart,
                                    long dataLen) {
        String where = file + ": header entry for tensor '" + name + "'";
        if (!n.isObject()) {
            throw new CheckpointException(where + " is not a JSON object");
        }
        JsonNode dtypeNode = n.get("dtype");
        JsonNode shapeNode = n.get("shape");
        JsonNode offNode = n.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) {
            throw new CheckpointException(where + " has no dtype string");
        }
        if (shapeNode == null || !shapeNode.isArray()) {
            throw new CheckpointException(where + " has no shape array");
        }
        if (offNode == null || !offNode.isArray() || offNode.size() != 2
                || !isNonNegativeLong(offNode.get(0)) || !isNonNegativeLong(offNode.get(1))) {
            throw new CheckpointException(where + " has no valid data_offsets [begin, end]");
        }
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!isNonNegativeLong(shapeNode.get(i))) {
                throw new CheckpointException(where + " has a bad shape " + shapeNode);
            }
            shape[i] = shapeNode.get(i).asLong();
        }
        String dtype = dtypeNode.asText();
        long begin = offNode.get(0).asLong();
        long end = offNode.get(1).asLong();
        if (begin > end) {
            throw new CheckpointException(where + " has data_offsets [" + begin + ", " + end
                    + "] that run backwards");
        }
        if (end > dataLen) {
            throw new CheckpointException(file + ": header says tensor '" + name
                    + "' ends at byte " + (dataStart + end) + " but the file has "
                    + (dataStart + dataLen) + " bytes (truncated or corrupt)");
        }
        if (DTypes.isSupported(dtype)) {
            long expected;
            try {
                expected = Math.multiplyExact(StateDicts.numel(shape), DTypes.elementSize(dtype));
            } catch (ArithmeticException e) {
                throw new CheckpointException(where + " has an absurd shape", e);
            }
            if (expected != end - begin) {
                throw new CheckpointException(file + ": tensor '" + name + "' has shape "
                        + StateDicts.shapeString(shape) + " of " + dtype + " (" + expected
                        + " bytes) but its data_offsets span " + (end - begin) + " bytes");
            }
        }
        return new Entry(new TensorInfo(name, dtype, shape), begin, end);
    }

    private static boolean isNonNegativeLong(JsonNode n) {
        return n != null && n.isIntegralNumber() && n.canConvertToLong() && n.asLong() >= 0;
    }

    private static void readFully(FileChannel ch, ByteBuffer dst, long position)
            throws IOException {
        long p = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, p);
            if (n < 0) {
                throw new EOFException();
            }
            p += n;
        }
    }

    private Map<String, String> metadata = Map.of();

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public TensorInfo info(String key) {
        return entry(key).info();
    }

    @Override
    INDArray read(String key, Entry e) {
        TensorInfo info = e.info();
        if (!info.isSupportedDtype()) {
            throw new CheckpointException(file + ": unsupported dtype " + info.dtype()
                    + " for tensor '" + key + "'");
        }
        long numel = info.numel();
        checkFitsOneArray(key, numel);
        long[] position = {dataStart + e.begin()};
        float[] data;
        try {
            data = StateDicts.readFloats(dst -> {
                int n = channel.read(dst, position[0]);
                if (n > 0) {
                    position[0] += n;
                }
                return n;
            }, info.dtype(), ByteOrder.LITTLE_ENDIAN, numel);
        } catch (EOFException ex) {
            throw new CheckpointException(file + ": data of tensor '" + key
                    + "' is truncated (" + ex.getMessage() + ")", ex);
        } catch (IOException ex) {
            throw new CheckpointException(file + ": cannot read tensor '" + key + "' ("
                    + ex + ")", ex);
        }
        return StateDicts.toArray(data, info.shape());
    }
}
