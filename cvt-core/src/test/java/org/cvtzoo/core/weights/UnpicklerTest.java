package org.cvtzoo.core.weights;

import static org.cvtzoo.core.weights.Pickles.storage;
import static org.cvtzoo.core.weights.Pickles.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cvtzoo.core.weights.Unpickler.Global;
import org.cvtzoo.core.weights.Unpickler.Opaque;
import org.cvtzoo.core.weights.Unpickler.PickleException;
import org.cvtzoo.core.weights.Unpickler.PyDict;
import org.cvtzoo.core.weights.Unpickler.StorageRef;
import org.cvtzoo.core.weights.Unpickler.TensorRef;
import org.cvtzoo.core.weights.Unpickler.Tuple;
import org.junit.jupiter.api.Test;

/**
 * The unpickler on small pickles, one byte per char (ISO-8859-1). Those marked
 * {@code pickle.dumps(...)} are Python 3.11's output; the others are laid out by hand from the
 * opcode table of Python's pickle module, and where Python can load them, {@code pickle.loads}
 * gives the value asserted here.
 */
class UnpicklerTest {

    private static Object load(String pickle) {
        return Unpickler.load(pickle.getBytes(StandardCharsets.ISO_8859_1));
    }

    private static void assertFails(String pickle, String message) {
        PickleException e = assertThrows(PickleException.class, () -> load(pickle));
        assertEquals(message, e.getMessage());
    }

    private static Tuple tuple(Object... items) {
        return new Tuple(List.of(items));
    }

    // ------------------------------------------------------------------ values

    @Test
    void integersOfEverySize() {
        // pickle.dumps([1, 300, 70000, -1, 2**40, -2**70], 2)
        assertEquals(List.of(1L, 300L, 70000L, -1L, 1L << 40, BigInteger.TWO.pow(70).negate()),
                load("\u0080\u0002]q\u0000(K\u0001M,\u0001Jp\u0011\u0001\u0000J\u00ff\u00ff\u00ff\u00ff"
                        + "\u008a\u0006\u0000\u0000\u0000\u0000\u0000\u0001"
                        + "\u008a\u0009\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u00c0e."));
        // LONG1 of 2**63, 2**63 - 1, -2**63 and of no bytes (0); LONG4 of 256 and -1
        assertEquals(BigInteger.ONE.shiftLeft(63),
                load("\u008a\u0009\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0080\u0000."));
        assertEquals(Long.MAX_VALUE, load("\u008a\u0008\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u00ff\u007f."));
        assertEquals(Long.MIN_VALUE, load("\u008a\u0008\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0080."));
        assertEquals(0L, load("\u008a\u0000."));
        assertEquals(256L, load("\u008b\u0002\u0000\u0000\u0000\u0000\u0001."));
        assertEquals(-1L, load("\u008b\u0002\u0000\u0000\u0000\u00ff\u00ff."));
    }

    @Test
    void textOpcodesOfProtocol0() {
        // pickle.loads: [1, True, False, 12345678901234567890, 5, 1.5]
        assertEquals(List.of(1L, true, false, new BigInteger("12345678901234567890"), 5L, 1.5),
                load("(I1\nI01\nI00\nL12345678901234567890L\nL5\nF1.5\nl."));
    }

    @Test
    void floatsBooleansNoneAndStrings() {
        // pickle.dumps([1.5, True, False, None, 'héllo'], 2)
        List<Object> expected = new ArrayList<>(List.of(1.5, true, false));
        expected.add(null);
        expected.add("h\u00e9llo");
        assertEquals(expected, load("\u0080\u0002]q\u0000(G?\u00f8\u0000\u0000\u0000\u0000\u0000\u0000"
                + "\u0088\u0089NX\u0006\u0000\u0000\u0000h\u00c3\u00a9lloq\u0001e."));
        assertEquals(-2.5, load("G\u00c0\u0004\u0000\u0000\u0000\u0000\u0000\u0000."));
        // BINSTRING and SHORT_BINSTRING are Python 2 str: latin-1 (pickle.loads(..., encoding='latin1'))
        assertEquals(List.of("h\u00e9", "ab"), load("(T\u0002\u0000\u0000\u0000h\u00e9U\u0002abl."));
        // BINUNICODE8
        assertEquals("hi", load("\u008d\u0002\u0000\u0000\u0000\u0000\u0000\u0000\u0000hi."));
    }

    @Test
    void bytesOfEveryOpcode() {
        // pickle.dumps([b'\x00\x01', {1}, frozenset([2])], 4)
        Object v = load("\u0080\u0004\u0095\u0015\u0000\u0000\u0000\u0000\u0000\u0000\u0000]\u0094("
                + "C\u0002\u0000\u0001\u0094\u008f\u0094(K\u0001\u0090(K\u0002\u0091\u0094e.");
        List<?> list = assertInstanceOf(List.class, v);
        assertArrayEquals(new byte[] {0, 1}, (byte[]) list.get(0));
        Opaque set = assertInstanceOf(Opaque.class, list.get(1));
        assertEquals(new Global("builtins", "set"), set.callable);
        assertEquals(List.of(1L), set.listItems);
        Opaque frozen = assertInstanceOf(Opaque.class, list.get(2));
        assertEquals(new Global("builtins", "frozenset"), frozen.callable);
        assertEquals(tuple(2L), frozen.args);
        // pickle.dumps(b'x' * 256, 4): BINBYTES
        String x256 = "x".repeat(256);
        assertArrayEquals(x256.getBytes(StandardCharsets.ISO_8859_1), (byte[]) load(
                "\u0080\u0004\u0095\u0007\u0001\u0000\u0000\u0000\u0000\u0000\u0000B\u0000\u0001\u0000\u0000" + x256 + "\u0094."));
        // pickle.dumps(bytearray(b'hi'), 5): BYTEARRAY8; BINBYTES8 by hand
        assertArrayEquals("hi".getBytes(StandardCharsets.ISO_8859_1), (byte[]) load(
                "\u0080\u0005\u0095\r\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0096\u0002\u0000\u0000\u0000\u0000\u0000\u0000\u0000hi\u0094."));
        assertArrayEquals("hi".getBytes(StandardCharsets.ISO_8859_1),
                (byte[]) load("\u008e\u0002\u0000\u0000\u0000\u0000\u0000\u0000\u0000hi."));
    }

    @Test
    void tuplesOfEverySize() {
        // pickle.dumps([(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4)], 2)
        assertEquals(List.of(tuple(), tuple(1L), tuple(1L, 2L), tuple(1L, 2L, 3L), tuple(1L, 2L, 3L, 4L)),
                load("\u0080\u0002]q\u0000()K\u0001\u0085q\u0001K\u0001K\u0002\u0086q\u0002K\u0001K\u0002K\u0003"
                        + "\u0087q\u0003(K\u0001K\u0002K\u0003K\u0004tq\u0004e."));
    }

    @Test
    void dictsKeepTheirOrder() {
        // pickle.dumps({'a': 1, 'b': 2}, 2)
        Object d = load("\u0080\u0002}q\u0000(X\u0001\u0000\u0000\u0000aq\u0001K\u0001X\u0001\u0000\u0000\u0000bq\u0002K\u0002u.");
        assertInstanceOf(PyDict.class, d);
        assertEquals(List.of("a", "b"), List.copyOf(((PyDict) d).keySet()));
        assertEquals(Map.of("a", 1L, "b", 2L), d);
        // DICT from a marked run of pairs
        assertEquals(Map.of(1L, 2L, 3L, 4L), load("(K\u0001K\u0002K\u0003K\u0004d."));
    }

    @Test
    void orderedDictsAndDictsAreDicts() {
        // pickle.dumps(OrderedDict([('w', 1)]), 2) and (..., 4): GLOBAL / STACK_GLOBAL, then REDUCE
        assertEquals(Map.of("w", 1L), load("\u0080\u0002ccollections\nOrderedDict\nq\u0000)Rq\u0001"
                + "X\u0001\u0000\u0000\u0000wq\u0002K\u0001s."));
        assertEquals(Map.of("w", 1L), load("\u0080\u0004\u0095)\u0000\u0000\u0000\u0000\u0000\u0000\u0000"
                + "\u008c\u000bcollections\u0094\u008c\u000bOrderedDict\u0094\u0093\u0094)R\u0094\u008c\u0001w\u0094K\u0001s."));
        for (String dict : List.of("cbuiltins\ndict\n", "c__builtin__\ndict\n")) {
            assertInstanceOf(PyDict.class, load(dict + ")R."), dict);
        }
        for (String cls : List.of("ccollections\nOrderedDict\n", "cbuiltins\ndict\n")) {
            assertInstanceOf(PyDict.class, load(cls + ")\u0081."), cls);
        }
    }

    // ------------------------------------------------------------------ memo and stack

    @Test
    void memoOfEveryKind() {
        // a = [7]; pickle.dumps([a, a], 2): BINPUT, BINGET of the same object
        List<?> l = assertInstanceOf(List.class, load("\u0080\u0002]q\u0000(]q\u0001K\u0007ah\u0001e."));
        assertEquals(List.of(List.of(7L), List.of(7L)), l);
        assertSame(l.get(0), l.get(1));
        // PUT / GET (text), LONG_BINPUT / LONG_BINGET (key 256), MEMOIZE / BINGET: each [7, 7]
        for (String p : List.of("(I7\np3\ng3\nl.", "(K\u0007r\u0000\u0001\u0000\u0000j\u0000\u0001\u0000\u0000l.",
                "\u0080\u0004(K\u0007\u0094h\u0000l.", "\u0080\u0004K\u0001\u0094(K\u0007\u0094h\u0001l\u0086.")) {
            Object v = load(p);
            assertEquals(v instanceof Tuple ? tuple(1L, List.of(7L, 7L)) : List.of(7L, 7L), v, p);
        }
        assertFails("h\u0005.", "memo entry 5 is missing");
        assertFails("(K\u0007r\u0000\u0001\u0000\u0000j\u0000\u0000\u0001\u0000l.", "memo entry 65536 is missing");
    }

    @Test
    void stackOpcodes() {
        assertEquals(List.of(7L, 7L), load("(K\u00072l.")); // DUP
        assertEquals(List.of(7L), load("(K\u0007K\u00080l.")); // POP
        assertEquals(tuple(7L), load("K\u0007(0\u0085.")); // POP of a MARK
        assertEquals(tuple(7L), load("K\u0007(K\u0008K\u00091\u0085.")); // POP_MARK
        assertEquals(List.of(1L, 2L), load("](K\u0001K\u0002e.")); // APPENDS
        assertEquals(List.of(1L), load("]K\u0001a.")); // APPEND
    }

    // ------------------------------------------------------------------ objects, never executed

    @Test
    void objectsAreInertRecords() {
        // class C: pass; c = C(); c.x = 1; pickle.dumps(c, 2): NEWOBJ then BUILD
        Opaque c = assertInstanceOf(Opaque.class, load("\u0080\u0002c__main__\nC\nq\u0000)\u0081q\u0001}q\u0002"
                + "X\u0001\u0000\u0000\u0000xq\u0003K\u0001sb."));
        assertEquals(new Global("__main__", "C"), c.callable);
        assertEquals(tuple(), c.args);
        assertEquals(Map.of("x", 1L), c.state);
        assertEquals("<__main__.C object>", c.toString());
        // NEWOBJ_EX (kwargs dropped), OBJ, INST
        Opaque ex = assertInstanceOf(Opaque.class, load("\u0080\u0004\u008c\u0001m\u008c\u0001C\u0093(K\u0001t}\u0092."));
        assertEquals(List.of(new Global("m", "C"), tuple(1L)), List.of(ex.callable, ex.args));
        Opaque obj = assertInstanceOf(Opaque.class, load("(cm\nC\nK\u0001o."));
        assertEquals(List.of(new Global("m", "C"), tuple(1L)), List.of(obj.callable, obj.args));
        Opaque inst = assertInstanceOf(Opaque.class, load("(K\u0001im\nC\n."));
        assertEquals(List.of(new Global("m", "C"), tuple(1L)), List.of(inst.callable, inst.args));
        // a call of anything else: SETITEM, APPEND, ADDITEMS and SETITEMS on it are recorded
        Opaque call = assertInstanceOf(Opaque.class, load("cos\nsystem\nX\u0002\u0000\u0000\u0000ls\u0085R"
                + "K\u0001K\u0002sK\u0003a(K\u0004\u0090(K\u0005K\u0006u."));
        assertEquals(new Global("os", "system"), call.callable);
        assertEquals(tuple("ls"), call.args);
        assertEquals(Map.of(1L, 2L, 5L, 6L), call.dictItems);
        assertEquals(List.of(3L, 4L), call.listItems);
        assertEquals(1L, ((Opaque) load("K\u0001)R.")).callable);
        // BUILD on a dict (a state_dict's _metadata) is ignored; ADDITEMS on anything but a set too
        assertEquals(Map.of(), load("}}b."));
        assertEquals(List.of(), load("](K\u0001\u0090."));
    }

    @Test
    void rebuildParameterAndTensorSubclasses() {
        assertEquals(5L, load("ctorch._utils\n_rebuild_parameter\n(K\u0005\u0088}tR."));
        assertEquals(5L, load("ctorch._utils\n_rebuild_parameter\nK\u0005\u0085R."));
        assertEquals(5L, load("ctorch._utils\n_rebuild_parameter_with_state\n(K\u0005\u0088}}tR."));
        assertFails("ctorch._utils\n_rebuild_parameter\n)R.", "torch._utils._rebuild_parameter without arguments");
        // _rebuild_from_type_v2(func, type, args, state) calls func(*args)
        assertEquals(9L, load("ctorch._tensor\n_rebuild_from_type_v2\n(ctorch._utils\n_rebuild_parameter\n"
                + "cm\nP\nK\u0009\u0085}tR."));
        assertEquals(9L, load("ctorch._tensor\n_rebuild_from_type_v2\n(ctorch._utils\n_rebuild_parameter\n"
                + "cm\nP\nK\u0009\u0085tR."));
        // ... and is an inert object where args is not a tuple or missing
        Opaque o = assertInstanceOf(Opaque.class, load("ctorch._tensor\n_rebuild_from_type_v2\n(K\u0001K\u0002K\u0003tR."));
        assertEquals(new Global("torch._tensor", "_rebuild_from_type_v2"), o.callable);
        assertInstanceOf(Opaque.class, load("ctorch._tensor\n_rebuild_from_type_v2\nctorch._utils\n_rebuild_parameter\n"
                + "cm\nP\n\u0086R."));
    }

    // ------------------------------------------------------------------ tensors

    @Test
    void tensorsAreStridedViewsOfNamedStorages() {
        List<?> l = assertInstanceOf(List.class, load("(" + tensor(storage("FloatStorage", "0", 6), "K\u0001K\u0002K\u0002\u0086K\u0002K\u0001\u0086")
                + tensor(storage("FloatStorage", "0", 6), "K\u0000K\u0003\u0085K\u0002\u0085")
                + tensor(storage("HalfStorage", "1", 1), "K\u0000))") + "l."));
        TensorRef a = (TensorRef) l.get(0);
        TensorRef b = (TensorRef) l.get(1);
        TensorRef c = (TensorRef) l.get(2);
        assertEquals(new StorageRef("0", "F32", "torch.FloatStorage", 6, "cpu"), a.storage());
        assertSame(a.storage(), b.storage(), "one storage, read once, for every view of it");
        assertEquals(1, a.offset());
        assertArrayEquals(new long[] {2, 2}, a.size());
        assertArrayEquals(new long[] {2, 1}, a.stride());
        assertArrayEquals(new long[] {3}, b.size());
        assertArrayEquals(new long[] {2}, b.stride());
        assertEquals(new StorageRef("1", "F16", "torch.HalfStorage", 1, "cpu"), c.storage());
        assertArrayEquals(new long[0], c.size());
        // the older _rebuild_tensor(storage, offset, size, stride)
        TensorRef d = (TensorRef) load("ctorch._utils\n_rebuild_tensor\n" + storage("DoubleStorage", "k", 2)
                + "K\u0000K\u0002\u0085K\u0001\u0085tR.");
        assertEquals("F64", d.storage().dtype());
    }

    @Test
    void malformedTensorsAreRefused() {
        String s = storage("FloatStorage", "0", 6);
        assertFails("ctorch._utils\n_rebuild_tensor_v2\n" + s + "K\u0000K\u0001\u0085tR.", "_rebuild_tensor with 3 arguments");
        assertFails(tensor("(K\u0001", "K\u0000))") + ".", "tensor rebuilt from int 1 instead of a storage");
        assertFails(tensor(s, "J\u00ff\u00ff\u00ff\u00ff))") + ".", "bad storage offset int -1");
        assertFails(tensor(s, "G?\u00f8\u0000\u0000\u0000\u0000\u0000\u0000))") + ".", "bad storage offset float 1.5");
        assertFails(tensor(s, "K\u0000])") + ".", "tensor size is list of 0, not a tuple");
        assertFails(tensor(s, "K\u0000)]") + ".", "tensor stride is list of 0, not a tuple");
        assertFails(tensor(s, "K\u0000N\u0085)") + ".", "tensor size holds None");
        assertFails(tensor(s, "K\u0000K\u0002\u0085)") + ".", "tensor size [2] and stride [] differ in rank");
        assertFails(tensor(s, "K\u0000J\u00ff\u00ff\u00ff\u00ff\u0085K\u0001\u0085") + ".",
                "negative size or stride: size [-1], stride [1]");
        assertFails(tensor(s, "K\u0000K\u0002\u0085J\u00fe\u00ff\u00ff\u00ff\u0085") + ".",
                "negative size or stride: size [2], stride [-2]");
        // zero sizes and strides are fine
        assertArrayEquals(new long[] {0}, ((TensorRef) load(tensor(s, "K\u0000K\u0000\u0085K\u0000\u0085") + ".")).size());
    }

    @Test
    void persistentIdsMustBeStorages() {
        assertFails("K\u0001Q.", "unsupported persistent id int 1 (expected ('storage', type, key, location, numel))");
        assertFails("(K\u0001K\u0002K\u0003K\u0004tQ.", "unsupported persistent id tuple of 4 (expected ('storage', type, key, location, numel))");
        assertFails("(\u008c\u0006modulectorch\nFloatStorage\n\u008c\u00010\u008c\u0003cpuK\u0001tQ.",
                "unsupported persistent id tuple of 5 (expected ('storage', type, key, location, numel))");
        assertFails("(\u008c\u0007storageK\u0001\u008c\u00010\u008c\u0003cpuK\u0001tQ.", "malformed storage persistent id tuple of 5");
        assertFails("(\u008c\u0007storagectorch\nFloatStorage\nK\u0000\u008c\u0003cpuK\u0001tQ.", "malformed storage persistent id tuple of 5");
        assertFails("(\u008c\u0007storagectorch\nFloatStorage\n\u008c\u00010\u008c\u0003cpuNtQ.", "malformed storage persistent id tuple of 5");
        assertFails("Pabc\n.", "unsupported text persistent id 'abc'");
    }

    @Test
    void storageTypesNameTheirDtypes() {
        Map<String, String> dtypes = Map.ofEntries(Map.entry("FloatStorage", "F32"), Map.entry("HalfStorage", "F16"),
                Map.entry("BFloat16Storage", "BF16"), Map.entry("DoubleStorage", "F64"), Map.entry("LongStorage", "I64"),
                Map.entry("IntStorage", "I32"), Map.entry("ShortStorage", "I16"), Map.entry("CharStorage", "I8"),
                Map.entry("ByteStorage", "U8"), Map.entry("UntypedStorage", "U8"), Map.entry("BoolStorage", "BOOL"),
                Map.entry("ComplexFloatStorage", "C64"), Map.entry("ComplexDoubleStorage", "C128"),
                Map.entry("QInt8Storage", "QInt8Storage"));
        dtypes.forEach((name, dtype) -> {
            for (String module : List.of("torch", "torch.cuda", "torch.storage")) {
                assertEquals(dtype, Unpickler.storageDtype(new Global(module, name)), module + "." + name);
            }
        });
        assertEquals("numpy.FloatStorage", Unpickler.storageDtype(new Global("numpy", "FloatStorage")));
    }

    // ------------------------------------------------------------------ broken and hostile pickles

    @Test
    void truncatedPicklesSaySo() {
        assertFails("", "pickle ends without STOP (truncated)");
        assertFails("\u0080\u0002]", "pickle ends without STOP (truncated)");
        assertFails("K", "pickle ends inside an opcode (truncated)");
        assertFails("J\u0001\u0002", "pickle ends inside an opcode (truncated)");
        assertFails("\u008c\u0005hi", "pickle ends inside a value (truncated)");
        assertFails("\u0095\u0001\u0000", "pickle ends inside a value (truncated)");
        assertFails("X\u0005\u0000\u0000\u0000hi", "pickle value of 5 bytes runs past the end (truncated)");
        assertFails("T\u00ff\u00ff\u00ff\u00ffhi", "pickle value of -1 bytes runs past the end (truncated)");
        assertFails("\u008d\u0002\u0000\u0000\u0000\u0001\u0000\u0000\u0000hi",
                "pickle value of 4294967298 bytes runs past the end (truncated)");
        assertFails("I12", "pickle ends inside a text argument (truncated)");
        // a value or argument that ends exactly at the end of the data is whole
        assertFails("\u008c\u0002hi", "pickle ends without STOP (truncated)");
        assertFails("X\u0002\u0000\u0000\u0000hi", "pickle ends without STOP (truncated)");
        assertFails("K\u0001", "pickle ends without STOP (truncated)");
        assertFails("I12\n", "pickle ends without STOP (truncated)");
    }

    @Test
    void malformedPicklesSayWhat() {
        assertFails(".", "STOP with an empty stack");
        assertFails("\u0080\u0006N.", "unsupported pickle protocol 6");
        assertEquals(List.of(), load("\u0080\u0005](l0."));
        assertFails("\u0080\u0002\u00ff.", "unsupported pickle opcode 0xff at byte 2");
        assertFails("S'a'\n.", "unsupported pickle opcode 0x53 at byte 0");
        assertFails("0.", "pickle stack underflow");
        assertFails("K\u0001(\u0085.", "pickle stack underflow");
        assertFails("K\u0001(2.", "pickle stack underflow");
        assertFails("l.", "missing MARK");
        assertFails("(K\u0001d.", "DICT with an odd number of items");
        assertFails("}(K\u0001u.", "SETITEMS with an odd number of items");
        assertFails("K\u0001K\u0002K\u0003s.", "SETITEM on int 1");
        assertFails("}K\u0001a.", "APPEND on dict of 0 entries");
        assertFails("}(K\u0001e.", "APPEND on dict of 0 entries");
        assertFails("K\u0001K\u0002\u0093.", "STACK_GLOBAL needs two strings");
        assertFails("\u008c\u0001mK\u0002\u0093.", "STACK_GLOBAL needs two strings");
        assertFails("K\u0001\u008c\u0001m\u0093.", "STACK_GLOBAL needs two strings");
        assertFails("cm\nf\nK\u0001R.", "REDUCE arguments are not a tuple");
        assertFails("(o.", "OBJ without a class");
        assertFails("Fx\n.", "bad FLOAT literal 'x'");
        assertFails("Ix\n.", "bad integer literal 'x'");
        assertFails("Lx\n.", "bad integer literal 'x'");
        assertFails("K\u0001px\n.", "bad integer literal 'x'");
        assertEquals(12L, load("I 12 \n."));
        assertEquals(BigInteger.TEN.pow(20), load("L 100000000000000000000 \n."));
    }

    @Test
    void valuesAreDescribedForMessages() {
        assertEquals("None", Unpickler.describe(null));
        assertEquals("True", Unpickler.describe(true));
        assertEquals("False", Unpickler.describe(false));
        assertEquals("int 3", Unpickler.describe(3L));
        assertEquals("int 100000000000000000000", Unpickler.describe(BigInteger.TEN.pow(20)));
        assertEquals("float 0.5", Unpickler.describe(0.5));
        assertEquals("str 'abc'", Unpickler.describe("abc"));
        assertEquals("str '" + "a".repeat(40) + "'", Unpickler.describe("a".repeat(40)));
        assertEquals("str '" + "a".repeat(40) + "...'", Unpickler.describe("a".repeat(41)));
        assertEquals("bytes (2)", Unpickler.describe(new byte[2]));
        assertEquals("dict of 1 entries", Unpickler.describe(Map.of(1, 2)));
        assertEquals("list of 2", Unpickler.describe(List.of(1, 2)));
        assertEquals("tuple of 1", Unpickler.describe(tuple(1L)));
        assertEquals("reference to m.f", Unpickler.describe(new Global("m", "f")));
        assertEquals("pickled m.C object", Unpickler.describe(new Opaque(new Global("m", "C"), tuple())));
        StorageRef s = new StorageRef("0", "F32", "torch.FloatStorage", 1, "cpu");
        assertEquals("storage torch.FloatStorage", Unpickler.describe(s));
        assertEquals("tensor", Unpickler.describe(new TensorRef(s, 0, new long[0], new long[0])));
        assertEquals("Character", Unpickler.describe('c'));
        assertEquals("m.f", new Global("m", "f").toString());
        assertNull(load("N."));
    }
}
