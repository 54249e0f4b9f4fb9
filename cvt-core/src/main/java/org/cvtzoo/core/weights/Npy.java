package org.cvtzoo.core.weights;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Reads and writes NumPy {@code .npy} files (format versions 1, 2 and 3).
 *
 * <p>{@link #read} accepts float16/32/64, int8/16/32/64, uint8 and bool data of either byte order,
 * in C or Fortran order and of any rank, and returns float32 C-order arrays. {@link #write} writes
 * float32 little-endian C order, atomically.
 */
public final class Npy {
    private Npy() {
    }

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER_BYTES = 1 << 20;
    private static final int WRITE_CHUNK_FLOATS = 1 << 18;

    /**
     * What a {@code .npy} header says.
     *
     * @param descr        numpy's dtype string, e.g. {@code <f4}
     * @param dtype        the matching {@link DTypes} name ({@code F32}, ...)
     * @param order        the data's byte order
     * @param fortranOrder whether the data is in Fortran (column-major) order
     * @param shape        the array's shape ({@code long[0]} for a 0-d array)
     * @param dataOffset   where the data starts in the file
     */
    public record Header(String descr, String dtype, ByteOrder order, boolean fortranOrder,
                         long[] shape, long dataOffset) {
        public Header {
            shape = shape.clone();
        }

        @Override
        public long[] shape() {
            return shape.clone();
        }

        public long numel() {
            return StateDicts.numel(shape);
        }
    }

    /** The array's shape, read from the header only. */
    public static long[] readShape(Path file) {
        return readHeader(file).shape();
    }

    /** Reads and checks the header (including that the file holds all the data it announces). */
    public static Header readHeader(Path file) {
        try (FileChannel ch = openForRead(file)) {
            return readHeader(file, ch);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e + ")", e);
        }
    }

    /** Reads the array as a new float32 C-order INDArray of the file's shape. */
    public static INDArray read(Path file) {
        try (FileChannel ch = openForRead(file)) {
            Header h = readHeader(file, ch);
            long numel = h.numel();
            if (numel > StateDicts.MAX_ELEMENTS) {
                throw new CheckpointException(file + ": array of " + numel
                        + " elements is larger than one Java array can hold");
            }
            long[] shape = h.shape();
            if (numel == 0) {
                return StateDicts.toArray(new float[0], shape);
            }
            long[] position = {h.dataOffset()};
            float[] data = StateDicts.readFloats(dst -> {
                int n = ch.read(dst, position[0]);
                if (n > 0) {
                    position[0] += n;
                }
                return n;
            }, h.dtype(), h.order(), numel);
            if (h.fortranOrder() && shape.length > 1) {
                return Nd4j.create(data, shape, 'f').dup('c');
            }
            return StateDicts.toArray(data, shape);
        } catch (EOFException e) {
            throw new CheckpointException(file + ": truncated (" + e.getMessage() + ")", e);
        } catch (IOException e) {
            throw new CheckpointException(file + ": cannot read (" + e + ")", e);
        }
    }

    private static FileChannel openForRead(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException("no such file: " + file, e);
        }
    }

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        long size = ch.size();
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        int got = readUpTo(ch, pre, 0);
        for (int i = 0; i < MAGIC.length; i++) {
            if (got <= i || pre.get(i) != MAGIC[i]) {
                throw new CheckpointException(file + ": not a .npy file (bad magic)");
            }
        }
        if (got < 10) {
            throw new CheckpointException(file + ": truncated .npy header");
        }
        int major = pre.get(6) & 0xff;
        int minor = pre.get(7) & 0xff;
        long headerLen;
        int prefixLen;
        if (major == 1) {
            headerLen = pre.getShort(8) & 0xffff;
            prefixLen = 10;
        } else if (major == 2 || major == 3) {
            if (got < 12) {
                throw new CheckpointException(file + ": truncated .npy header");
            }
            headerLen = pre.getInt(8) & 0xffffffffL;
            prefixLen = 12;
        } else {
            throw new CheckpointException(file + ": unsupported .npy format version " + major + "."
                    + minor);
        }
        if (headerLen > MAX_HEADER_BYTES) {
            throw new CheckpointException(file + ": implausible .npy header length " + headerLen);
        }
        if (prefixLen + headerLen > size) {
            throw new CheckpointException(file + ": truncated .npy header (header says "
                    + headerLen + " bytes, " + (size - prefixLen) + " follow)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readUpTo(ch, hb, prefixLen);
        String text = new String(hb.array(),
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);

        Object parsed;
        try {
            parsed = new LiteralParser(text).parseAll();
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(file + ": malformed .npy header (" + e.getMessage()
                    + "): " + text.trim(), e);
        }
        if (!(parsed instanceof Map<?, ?> dict)) {
            throw new CheckpointException(file + ": .npy header is not a dict: " + text.trim());
        }
        Object descrObj = dict.get("descr");
        Object fortranObj = dict.get("fortran_order");
        Object shapeObj = dict.get("shape");
        if (!(descrObj instanceof String descr)) {
            throw new CheckpointException(file + ": unsupported dtype " + descrObj
                    + " (structured or missing dtype)");
        }
        if (!(fortranObj instanceof Boolean fortran)) {
            throw new CheckpointException(file + ": .npy header has no fortran_order: "
                    + text.trim());
        }
        if (!(shapeObj instanceof List<?> shapeList)) {
            throw new CheckpointException(file + ": .npy header has no shape tuple: "
                    + text.trim());
        }
        long[] shape = new long[shapeList.size()];
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeList.get(i) instanceof Long d) || d < 0) {
                throw new CheckpointException(file + ": bad shape in .npy header: " + shapeList);
            }
            shape[i] = d;
        }
        ByteOrder order;
        char bo = descr.isEmpty() ? '?' : descr.charAt(0);
        String code = descr.substring(Math.min(1, descr.length()));
        switch (bo) {
            case '<':
            case '|':
                order = ByteOrder.LITTLE_ENDIAN;
                break;
            case '>':
                order = ByteOrder.BIG_ENDIAN;
                break;
            case '=':
                order = ByteOrder.nativeOrder();
                break;
            default:
                order = null;
                break;
        }
        String dtype = order == null ? null : dtypeOf(code);
        if (dtype == null) {
            throw new CheckpointException(file + ": unsupported dtype '" + descr + "' (supported: "
                    + "float16/32/64, int8/16/32/64, uint8, bool)");
        }
        long dataOffset = prefixLen + headerLen;
        long numel;
        long dataBytes;
        try {
            numel = StateDicts.numel(shape);
            dataBytes = Math.multiplyExact(numel, DTypes.elementSize(dtype));
        } catch (ArithmeticException e) {
            throw new CheckpointException(file + ": absurd shape in .npy header: " + shapeList, e);
        }
        long available = size - dataOffset;
        if (available < dataBytes) {
            throw new CheckpointException(file + ": truncated: header says "
                    + StateDicts.shapeString(shape) + " " + DTypes.numpyName(dtype) + " ("
                    + dataBytes + " bytes of data) but " + available + " bytes follow");
        }
        return new Header(descr, dtype, order, fortran, shape, dataOffset);
    }

    private static String dtypeOf(String code) {
        switch (code) {
            case "f2": return "F16";
            case "f4": return "F32";
            case "f8": return "F64";
            case "i1": return "I8";
            case "i2": return "I16";
            case "i4": return "I32";
            case "i8": return "I64";
            case "u1": return "U8";
            case "b1": return "BOOL";
            default: return null;
        }
    }

    private static int readUpTo(FileChannel ch, ByteBuffer dst, long position) throws IOException {
        long p = position;
        while (dst.hasRemaining()) {
            int n = ch.read(dst, p);
            if (n < 0) {
                break;
            }
            p += n;
        }
        return dst.position();
    }

    /**
     * Writes {@code array} as a float32 little-endian C-order {@code .npy} (version 1.0, with
     * numpy's header). The file appears atomically: the data goes to a temporary file in the same
     * directory, which is then moved over {@code file}; on failure the temporary file is removed
     * and {@code file} is left as it was.
     *
     * @throws CheckpointException if the file cannot be written
     */
    public static void write(Path file, INDArray array) {
        INDArray a = array.castTo(DataType.FLOAT).dup('c');
        long[] shape = a.shape();
        byte[] header = header(shape);

        final INDArray data = a;
        try {
            AtomicFile.write(file, ch -> {
                AtomicFile.writeFully(ch, ByteBuffer.wrap(header));
                writeFloats(ch, data);
            });
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException(file + ": cannot write .npy (" + e + ")", e);
        }
    }

    /** The values of a C-order float32 array, little-endian, in chunks. */
    static void writeFloats(FileChannel ch, INDArray a) throws IOException {
        long n = a.isEmpty() ? 0 : a.length();
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(n, WRITE_CHUNK_FLOATS) * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (long done = 0; done < n; ) {
            int len = (int) Math.min(WRITE_CHUNK_FLOATS, n - done);
            float[] chunk = a.data().getFloatsAt(done, len);
            buf.clear();
            buf.asFloatBuffer().put(chunk);
            buf.limit(len * 4);
            AtomicFile.writeFully(ch, buf);
            done += len;
        }
    }

    /**
     * The magic, version 1.0, length and dict, as numpy writes them: the dict padded with 1 to 64
     * spaces and a newline so that the data starts at a multiple of 64 bytes. (Version 2 is for
     * dicts over 64 KiB; a shape, of at most 32 dimensions, never needs it.)
     */
    static byte[] header(long[] shape) {
        StringBuilder s = new StringBuilder("{'descr': '<f4', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            s.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        s.append(shape.length == 1 ? ",), }" : "), }");
        s.append(" ".repeat(64 - (10 + s.length() + 1) % 64)).append('\n');
        byte[] dict = s.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer b = ByteBuffer.allocate(10 + dict.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) dict.length).put(dict);
        return b.array();
    }

    /** Parses the Python literal subset used by .npy headers: dict, tuple, list, str, int, bools. */
    private static final class LiteralParser {
        private final String s;
        private int i;

        LiteralParser(String s) {
            this.s = s;
        }

        Object parseAll() {
            Object v = value();
            skipSpace();
            if (i != s.length()) {
                throw new IllegalArgumentException("unexpected text at " + i);
            }
            return v;
        }

        private Object value() {
            skipSpace();
            if (i >= s.length()) {
                throw new IllegalArgumentException("unexpected end");
            }
            char c = s.charAt(i);
            switch (c) {
                case '{': {
                    i++;
                    Map<Object, Object> m = new LinkedHashMap<>();
                    while (true) {
                        skipSpace();
                        if (peek('}')) {
                            i++;
                            return m;
                        }
                        Object k = value();
                        skipSpace();
                        expect(':');
                        m.put(k, value());
                        skipSpace();
                        if (peek(',')) {
                            i++;
                        } else if (!peek('}')) {
                            throw new IllegalArgumentException("expected , or } at " + i);
                        }
                    }
                }
                case '(':
                case '[': {
                    char close = c == '(' ? ')' : ']';
                    i++;
                    List<Object> l = new ArrayList<>();
                    while (true) {
                        skipSpace();
                        if (peek(close)) {
                            i++;
                            return l;
                        }
                        l.add(value());
                        skipSpace();
                        if (peek(',')) {
                            i++;
                        } else if (!peek(close)) {
                            throw new IllegalArgumentException("expected , or " + close + " at " + i);
                        }
                    }
                }
                case '\'':
                case '"': {
                    int end = s.indexOf(c, i + 1);
                    if (end < 0) {
                        throw new IllegalArgumentException("unterminated string");
                    }
                    String str = s.substring(i + 1, end);
                    i = end + 1;
                    return str;
                }
                default: {
                    int start = i;
                    while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i))
                            || s.charAt(i) == '-' || s.charAt(i) == '_')) {
                        i++;
                    }
                    String word = s.substring(start, i);
                    switch (word) {
                        case "True": return Boolean.TRUE;
                        case "False": return Boolean.FALSE;
                        case "None": return null;
                        default:
                            break;
                    }
                    String digits = word.endsWith("L") ? word.substring(0, word.length() - 1) : word;
                    try {
                        return Long.parseLong(digits);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("unexpected '" + word + "' at " + start);
                    }
                }
            }
        }

        private boolean peek(char c) {
            return i < s.length() && s.charAt(i) == c;
        }

        private void expect(char c) {
            if (!peek(c)) {
                throw new IllegalArgumentException("expected " + c + " at " + i);
            }
            i++;
        }

        private void skipSpace() {
            while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
                i++;
            }
        }
    }
}
