package org.cvtzoo.core.weights;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A restricted unpickler for the {@code data.pkl} that {@code torch.save} writes.
 *
 * <p>It never executes anything: globals are only names. A few of them are understood
 * ({@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2} and friends, the
 * {@code torch.*Storage} types of persistent ids); calling any other global, or instantiating any
 * other class, yields an inert {@link Opaque} that only records what was pickled.
 *
 * <p>Python values map to: None -> null, bool -> Boolean, int -> Long (BigInteger if large),
 * float -> Double, str -> String, bytes -> byte[], list -> ArrayList, tuple -> {@link Tuple},
 * dict / OrderedDict -> {@link PyDict}, tensors -> {@link TensorRef}.
 */
final class Unpickler {

    /** A malformed or unsupported pickle; the caller adds the file name. */
    static final class PickleException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        PickleException(String message) {
            super(message);
        }
    }

    record Global(String module, String name) {
        String fullName() {
            return module + "." + name;
        }

        @Override
        public String toString() {
            return fullName();
        }
    }

    record Tuple(List<Object> items) {
        int size() {
            return items.size();
        }

        Object get(int i) {
            return items.get(i);
        }
    }

    static final class PyDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;
    }

    /** An object of a class this reader does not interpret; inert. */
    static final class Opaque {
        final Object callable;
        final Object args;
        Object state;
        final List<Object> listItems = new ArrayList<>();
        final Map<Object, Object> dictItems = new LinkedHashMap<>();

        Opaque(Object callable, Object args) {
            this.callable = callable;
            this.args = args;
        }

        @Override
        public String toString() {
            return "<" + callable + " object>";
        }
    }

    /** A storage named by a persistent id ('storage', type, key, location, numel). */
    record StorageRef(String key, String dtype, String storageType, long numel, String location) {
    }

    /** A tensor: a strided view of a storage. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    private final byte[] data;
    private int pos;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private final Map<String, StorageRef> storages = new LinkedHashMap<>();

    private Unpickler(byte[] data) {
        this.data = data;
    }

    /** Unpickles a torch.save {@code data.pkl}. */
    static Object load(byte[] data) {
        return new Unpickler(data).run();
    }

    private Object run() {
        while (true) {
            if (pos >= data.length) {
                throw new PickleException("pickle ends without STOP (truncated)");
            }
            int opPos = pos;
            int op = data[pos++] & 0xff;
            switch (op) {
                case 0x80: // PROTO
                    int proto = u8();
                    if (proto > 5) {
                        throw new PickleException("unsupported pickle protocol " + proto);
                    }
                    break;
                case 0x95: // FRAME
                    take(8);
                    break;
                case '.': // STOP
                    if (stack.isEmpty()) {
                        throw new PickleException("STOP with an empty stack");
                    }
                    return stack.get(stack.size() - 1);
                case '(': // MARK
                    marks.add(stack.size());
                    break;
                case '0': // POP
                    if (!marks.isEmpty() && marks.get(marks.size() - 1) == stack.size()) {
                        marks.remove(marks.size() - 1);
                    } else {
                        pop();
                    }
                    break;
                case '1': // POP_MARK
                    popMark();
                    break;
                case '2': // DUP
                    push(peek());
                    break;
                case '}': // EMPTY_DICT
                    push(new PyDict());
                    break;
                case ']': // EMPTY_LIST
                    push(new ArrayList<>());
                    break;
                case ')': // EMPTY_TUPLE
                    push(new Tuple(List.of()));
                    break;
                case 0x8f: // EMPTY_SET
                    push(new Opaque(new Global("builtins", "set"), new Tuple(List.of())));
                    break;
                case 'd': { // DICT
                    List<Object> items = popMark();
                    PyDict d = new PyDict();
                    putPairs(d, items);
                    push(d);
                    break;
                }
                case 'l': // LIST
                    push(new ArrayList<>(popMark()));
                    break;
                case 't': // TUPLE
                    push(new Tuple(popMark()));
                    break;
                case 0x85: // TUPLE1
                    push(tupleOf(1));
                    break;
                case 0x86: // TUPLE2
                    push(tupleOf(2));
                    break;
                case 0x87: // TUPLE3
                    push(tupleOf(3));
                    break;
                case 'q': // BINPUT
                    memo.put((long) u8(), peek());
                    break;
                case 'r': // LONG_BINPUT
                    memo.put(u32(), peek());
                    break;
                case 0x94: // MEMOIZE
                    memo.put((long) memo.size(), peek());
                    break;
                case 'p': // PUT
                    memo.put(parseLongText(line()), peek());
                    break;
                case 'h': // BINGET
                    push(memoGet(u8()));
                    break;
                case 'j': // LONG_BINGET
                    push(memoGet(u32()));
                    break;
                case 'g': // GET
                    push(memoGet(parseLongText(line())));
                    break;
                case 'X': // BINUNICODE
                    push(utf8(length(u32())));
                    break;
                case 0x8c: // SHORT_BINUNICODE
                    push(utf8(u8()));
                    break;
                case 0x8d: // BINUNICODE8
                    push(utf8(length(i64())));
                    break;
                case 'T': // BINSTRING (py2 str; decoded as latin-1)
                    push(latin1(length(i32())));
                    break;
                case 'U': // SHORT_BINSTRING
                    push(latin1(u8()));
                    break;
                case 'B': // BINBYTES
                    push(take(length(u32())));
                    break;
                case 'C': // SHORT_BINBYTES
                    push(take(u8()));
                    break;
                case 0x8e: // BINBYTES8
                case 0x96: // BYTEARRAY8
                    push(take(length(i64())));
                    break;
                case 'J': // BININT
                    push((long) i32());
                    break;
                case 'K': // BININT1
                    push((long) u8());
                    break;
                case 'M': // BININT2
                    push((long) (u8() | (u8() << 8)));
                    break;
                case 0x8a: // LONG1
                    push(littleEndianSigned(take(u8())));
                    break;
                case 0x8b: // LONG4
                    push(littleEndianSigned(take(length(i32()))));
                    break;
                case 'I': { // INT (text); I00/I01 are False/True
                    String s = line();
                    if (s.equals("00")) {
                        push(Boolean.FALSE);
                    } else if (s.equals("01")) {
                        push(Boolean.TRUE);
                    } else {
                        push(parseLongText(s));
                    }
                    break;
                }
                case 'L': { // LONG (text)
                    String s = line();
                    if (s.endsWith("L")) {
                        s = s.substring(0, s.length() - 1);
                    }
                    push(narrow(parseBig(s)));
                    break;
                }
                case 'G': // BINFLOAT (big-endian double)
                    push(Double.longBitsToDouble(bigEndianLong(take(8))));
                    break;
                case 'F': { // FLOAT (text)
                    String s = line();
                    try {
                        push(Double.parseDouble(s));
                    } catch (NumberFormatException e) {
                        throw new PickleException("bad FLOAT literal '" + s + "'");
                    }
                    break;
                }
                case 'N': // NONE
                    push(null);
                    break;
                case 0x88: // NEWTRUE
                    push(Boolean.TRUE);
                    break;
                case 0x89: // NEWFALSE
                    push(Boolean.FALSE);
                    break;
                case 'c': { // GLOBAL
                    String module = line();
                    String name = line();
                    push(new Global(module, name));
                    break;
                }
                case 0x93: { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String) || !(name instanceof String)) {
                        throw new PickleException("STACK_GLOBAL needs two strings");
                    }
                    push(new Global((String) module, (String) name));
                    break;
                }
                case 'R': { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(call(callable, args));
                    break;
                }
                case 0x81: { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    push(instantiate(cls, args));
                    break;
                }
                case 0x92: { // NEWOBJ_EX
                    pop(); // kwargs
                    Object args = pop();
                    Object cls = pop();
                    push(instantiate(cls, args));
                    break;
                }
                case 'o': { // OBJ
                    List<Object> items = popMark();
                    if (items.isEmpty()) {
                        throw new PickleException("OBJ without a class");
                    }
                    push(instantiate(items.get(0), new Tuple(items.subList(1, items.size()))));
                    break;
                }
                case 'i': { // INST
                    Global cls = new Global(line(), line());
                    push(instantiate(cls, new Tuple(popMark())));
                    break;
                }
                case 'b': { // BUILD
                    Object state = pop();
                    build(peek(), state);
                    break;
                }
                case 'Q': // BINPERSID
                    push(persistentLoad(pop()));
                    break;
                case 'P': // PERSID (text ids are not what torch writes)
                    throw new PickleException("unsupported text persistent id '" + line() + "'");
                case 's': { // SETITEM
                    Object value = pop();
                    Object key = pop();
                    setItem(peek(), key, value);
                    break;
                }
                case 'u': { // SETITEMS
                    List<Object> items = popMark();
                    Object target = peek();
                    if (items.size() % 2 != 0) {
                        throw new PickleException("SETITEMS with an odd number of items");
                    }
                    for (int i = 0; i < items.size(); i += 2) {
                        setItem(target, items.get(i), items.get(i + 1));
                    }
                    break;
                }
                case 'a': { // APPEND
                    Object value = pop();
                    append(peek(), value);
                    break;
                }
                case 'e': { // APPENDS
                    List<Object> items = popMark();
                    Object target = peek();
                    for (Object v : items) {
                        append(target, v);
                    }
                    break;
                }
                case 0x90: { // ADDITEMS
                    List<Object> items = popMark();
                    Object target = peek();
                    if (target instanceof Opaque o) {
                        o.listItems.addAll(items);
                    }
                    break;
                }
                case 0x91: // FROZENSET
                    push(new Opaque(new Global("builtins", "frozenset"), new Tuple(popMark())));
                    break;
                default:
                    throw new PickleException(String.format(
                            "unsupported pickle opcode 0x%02x at byte %d", op, opPos));
            }
        }
    }

    // ------------------------------------------------------------------ semantics

    private Object call(Object callable, Object argsObj) {
        if (!(argsObj instanceof Tuple args)) {
            throw new PickleException("REDUCE arguments are not a tuple");
        }
        if (callable instanceof Global g) {
            switch (g.fullName()) {
                case "collections.OrderedDict":
                case "builtins.dict":
                case "__builtin__.dict":
                    return new PyDict();
                case "torch._utils._rebuild_tensor_v2":
                case "torch._utils._rebuild_tensor":
                    return rebuildTensor(args);
                case "torch._utils._rebuild_parameter":
                case "torch._utils._rebuild_parameter_with_state":
                    if (args.size() < 1) {
                        throw new PickleException(g + " without arguments");
                    }
                    return args.get(0);
                case "torch._tensor._rebuild_from_type_v2":
                    // (func, type, args, state): a tensor subclass; rebuild the plain tensor
                    if (args.size() >= 3 && args.get(2) instanceof Tuple inner) {
                        return call(args.get(0), inner);
                    }
                    break;
                default:
                    break;
            }
        }
        return new Opaque(callable, args);
    }

    private Object instantiate(Object cls, Object args) {
        if (cls instanceof Global g && (g.fullName().equals("collections.OrderedDict")
                || g.fullName().equals("builtins.dict"))) {
            return new PyDict();
        }
        return new Opaque(cls, args);
    }

    private static void build(Object target, Object state) {
        if (target instanceof Opaque o) {
            o.state = state;
        }
        // dict attributes (e.g. a state_dict's _metadata), tensor state: not needed
    }

    private static void setItem(Object target, Object key, Object value) {
        if (target instanceof Map<?, ?>) {
            @SuppressWarnings("unchecked")
            Map<Object, Object> m = (Map<Object, Object>) target;
            m.put(key, value);
        } else if (target instanceof Opaque o) {
            o.dictItems.put(key, value);
        } else {
            throw new PickleException("SETITEM on " + describe(target));
        }
    }

    private static void append(Object target, Object value) {
        if (target instanceof List<?>) {
            @SuppressWarnings("unchecked")
            List<Object> l = (List<Object>) target;
            l.add(value);
        } else if (target instanceof Opaque o) {
            o.listItems.add(value);
        } else {
            throw new PickleException("APPEND on " + describe(target));
        }
    }

    private Object persistentLoad(Object pid) {
        if (!(pid instanceof Tuple t) || t.size() < 5 || !"storage".equals(t.get(0))) {
            throw new PickleException("unsupported persistent id " + describe(pid)
                    + " (expected ('storage', type, key, location, numel))");
        }
        if (!(t.get(1) instanceof Global type) || !(t.get(2) instanceof String key)
                || !(t.get(4) instanceof Long numel)) {
            throw new PickleException("malformed storage persistent id " + describe(pid));
        }
        String location = String.valueOf(t.get(3));
        StorageRef existing = storages.get(key);
        if (existing != null) {
            return existing;
        }
        StorageRef s = new StorageRef(key, storageDtype(type), type.fullName(), numel, location);
        storages.put(key, s);
        return s;
    }

    static String storageDtype(Global type) {
        if (!type.module().equals("torch") && !type.module().equals("torch.cuda")
                && !type.module().equals("torch.storage")) {
            return type.fullName();
        }
        switch (type.name()) {
            case "FloatStorage": return "F32";
            case "HalfStorage": return "F16";
            case "BFloat16Storage": return "BF16";
            case "DoubleStorage": return "F64";
            case "LongStorage": return "I64";
            case "IntStorage": return "I32";
            case "ShortStorage": return "I16";
            case "CharStorage": return "I8";
            case "ByteStorage":
            case "UntypedStorage": return "U8";
            case "BoolStorage": return "BOOL";
            case "ComplexFloatStorage": return "C64";
            case "ComplexDoubleStorage": return "C128";
            default: return type.name();
        }
    }

    private static TensorRef rebuildTensor(Tuple args) {
        if (args.size() < 4) {
            throw new PickleException("_rebuild_tensor with " + args.size() + " arguments");
        }
        if (!(args.get(0) instanceof StorageRef storage)) {
            throw new PickleException("tensor rebuilt from " + describe(args.get(0))
                    + " instead of a storage");
        }
        if (!(args.get(1) instanceof Long offset) || offset < 0) {
            throw new PickleException("bad storage offset " + describe(args.get(1)));
        }
        long[] size = longs(args.get(2), "size");
        long[] stride = longs(args.get(3), "stride");
        if (size.length != stride.length) {
            throw new PickleException("tensor size " + Arrays.toString(size) + " and stride "
                    + Arrays.toString(stride) + " differ in rank");
        }
        for (int i = 0; i < size.length; i++) {
            if (size[i] < 0 || stride[i] < 0) {
                throw new PickleException("negative size or stride: size " + Arrays.toString(size)
                        + ", stride " + Arrays.toString(stride));
            }
        }
        return new TensorRef(storage, offset, size, stride);
    }

    private static long[] longs(Object o, String what) {
        if (!(o instanceof Tuple t)) {
            throw new PickleException("tensor " + what + " is " + describe(o) + ", not a tuple");
        }
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long v)) {
                throw new PickleException("tensor " + what + " holds " + describe(t.get(i)));
            }
            out[i] = v;
        }
        return out;
    }

    /** A short description of a Python value for messages. */
    static String describe(Object v) {
        if (v == null) {
            return "None";
        } else if (v instanceof Boolean b) {
            return b ? "True" : "False";
        } else if (v instanceof Long || v instanceof BigInteger) {
            return "int " + v;
        } else if (v instanceof Double) {
            return "float " + v;
        } else if (v instanceof String s) {
            return "str '" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        } else if (v instanceof byte[] b) {
            return "bytes (" + b.length + ")";
        } else if (v instanceof Map<?, ?> m) {
            return "dict of " + m.size() + " entries";
        } else if (v instanceof List<?> l) {
            return "list of " + l.size();
        } else if (v instanceof Tuple t) {
            return "tuple of " + t.size();
        } else if (v instanceof Global g) {
            return "reference to " + g.fullName();
        } else if (v instanceof Opaque o) {
            return "pickled " + o.callable + " object";
        } else if (v instanceof StorageRef s) {
            return "storage " + s.storageType();
        } else if (v instanceof TensorRef) {
            return "tensor";
        }
        return v.getClass().getSimpleName();
    }

    // ------------------------------------------------------------------ stack and memo

    private void push(Object o) {
        stack.add(o);
    }

    private Object pop() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw new PickleException("pickle stack underflow");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw new PickleException("pickle stack underflow");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) {
            throw new PickleException("missing MARK");
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> top = stack.subList(m, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private Tuple tupleOf(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop();
        }
        return new Tuple(Arrays.asList(items));
    }

    private Object memoGet(long index) {
        if (!memo.containsKey(index)) {
            throw new PickleException("memo entry " + index + " is missing");
        }
        return memo.get(index);
    }

    private static void putPairs(Map<Object, Object> d, List<Object> items) {
        if (items.size() % 2 != 0) {
            throw new PickleException("DICT with an odd number of items");
        }
        for (int i = 0; i < items.size(); i += 2) {
            d.put(items.get(i), items.get(i + 1));
        }
    }

    // ------------------------------------------------------------------ reading bytes

    private byte[] take(int n) {
        if (n < 0 || n > data.length - pos) {
            throw new PickleException("pickle ends inside a value (truncated)");
        }
        byte[] b = Arrays.copyOfRange(data, pos, pos + n);
        pos += n;
        return b;
    }

    private int u8() {
        if (pos >= data.length) {
            throw new PickleException("pickle ends inside an opcode (truncated)");
        }
        return data[pos++] & 0xff;
    }

    private int i32() {
        return u8() | (u8() << 8) | (u8() << 16) | (u8() << 24);
    }

    private long u32() {
        return i32() & 0xffffffffL;
    }

    private long i64() {
        long lo = u32();
        long hi = u32();
        return lo | (hi << 32);
    }

    private int length(long n) {
        if (n < 0 || n > data.length - pos) {
            throw new PickleException("pickle value of " + n + " bytes runs past the end (truncated)");
        }
        return (int) n;
    }

    private String utf8(int n) {
        return new String(take(n), StandardCharsets.UTF_8);
    }

    private String latin1(int n) {
        return new String(take(n), StandardCharsets.ISO_8859_1);
    }

    private String line() {
        int start = pos;
        while (pos < data.length && data[pos] != '\n') {
            pos++;
        }
        if (pos >= data.length) {
            throw new PickleException("pickle ends inside a text argument (truncated)");
        }
        String s = new String(data, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    private static long parseLongText(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            throw new PickleException("bad integer literal '" + s + "'");
        }
    }

    private static BigInteger parseBig(String s) {
        try {
            return new BigInteger(s.trim());
        } catch (NumberFormatException e) {
            throw new PickleException("bad integer literal '" + s + "'");
        }
    }

    private static Object littleEndianSigned(byte[] le) {
        if (le.length == 0) {
            return 0L;
        }
        byte[] be = new byte[le.length];
        for (int i = 0; i < le.length; i++) {
            be[i] = le[le.length - 1 - i];
        }
        return narrow(new BigInteger(be));
    }

    private static Object narrow(BigInteger v) {
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private static long bigEndianLong(byte[] b) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (b[i] & 0xff);
        }
        return v;
    }
}
