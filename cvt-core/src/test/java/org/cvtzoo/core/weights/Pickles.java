package org.cvtzoo.core.weights;

import java.nio.charset.StandardCharsets;

/**
 * Pickle fragments laid out by hand after the opcode table of Python's pickle module, one byte per
 * char (ISO-8859-1), as torch.save writes a state_dict: a dict of {@code _rebuild_tensor_v2} calls
 * on storages named by persistent ids.
 */
final class Pickles {
    private Pickles() {
    }

    static byte[] bytes(String pickle) {
        return pickle.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** {@code n} little-endian bytes of {@code v}. */
    static String le(long v, int n) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < n; i++) {
            s.append((char) ((v >>> (8 * i)) & 0xff));
        }
        return s.toString();
    }

    /** An int: BININT1, BININT or an 8-byte LONG1. */
    static String integer(long v) {
        if (v >= 0 && v < 256) {
            return "K" + (char) v;
        }
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            return "J" + le(v, 4);
        }
        return "\u008a\u0008" + le(v, 8);
    }

    /** A str (SHORT_BINUNICODE; ASCII only). */
    static String str(String s) {
        return "\u008c" + (char) s.length() + s;
    }

    /** A tuple of ints. */
    static String ints(long... values) {
        StringBuilder s = new StringBuilder("(");
        for (long v : values) {
            s.append(integer(v));
        }
        return s.append('t').toString();
    }

    /** The opening MARK of a tensor's arguments and its persistent id ('storage', torch.type, key, 'cpu', numel). */
    static String storage(String type, String key, long numel) {
        return "((" + str("storage") + "ctorch\n" + type + "\n" + str(key) + str("cpu") + integer(numel) + "tQ";
    }

    /** _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict()), its arguments after the storage given. */
    static String tensor(String storage, String offsetSizeStride) {
        return "ctorch._utils\n_rebuild_tensor_v2\n" + storage + offsetSizeStride + "\u0089ccollections\nOrderedDict\n)RtR";
    }

    /** A tensor of {@code size} over a F32 storage {@code key} of {@code numel} elements, C-contiguous from {@code offset}. */
    static String floats(String key, long numel, long offset, long... size) {
        long[] stride = new long[size.length];
        long s = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            stride[i] = s;
            s *= size[i];
        }
        return tensor(storage("FloatStorage", key, numel), integer(offset) + ints(size) + ints(stride));
    }

    /** A dict of key, value fragments, then STOP. */
    static String dict(String... keysAndValues) {
        return "\u0080\u0002}(" + String.join("", keysAndValues) + "u.";
    }
}
