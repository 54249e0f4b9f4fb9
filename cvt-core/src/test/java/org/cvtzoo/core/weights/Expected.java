package org.cvtzoo.core.weights;

import static org.cvtzoo.core.Fixtures.WEIGHTS;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The weights fixtures' expected.json (made by make_fixtures.py) and the assertions against it. */
final class Expected {
    private Expected() {
    }

    private static JsonNode expected;

    /** expected.json, as written by make_fixtures.py with torch/numpy. */
    static synchronized JsonNode expected() {
        if (expected == null) {
            expected = WEIGHTS.json("expected.json");
        }
        return expected;
    }

    static JsonNode expected(String fixture) {
        JsonNode n = expected().get(fixture);
        if (n == null) {
            throw new IllegalStateException("expected.json has no entry " + fixture);
        }
        return n;
    }

    static long[] shape(JsonNode t) {
        long[] s = new long[t.get("shape").size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = t.get("shape").get(i).asLong();
        }
        return s;
    }

    static float[] values(JsonNode t) {
        JsonNode v = t.get("values");
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) v.get(i).asDouble();
        }
        return out;
    }

    /** Asserts a float32 C-order array of the expected shape with bit-identical values. */
    static void assertArray(JsonNode t, INDArray actual, String what) {
        long[] shape = shape(t);
        assertEquals(DataType.FLOAT, actual.dataType(), what + " dtype");
        assertArrayEquals(shape, actual.shape(), what + " shape");
        assertEquals('c', actual.ordering(), what + " ordering");
        float[] want = values(t);
        float[] got = want.length == 0 ? new float[0] : actual.reshape(actual.length()).toFloatVector();
        if (actual.rank() == 0) {
            got = new float[] {actual.getFloat(0)};
        }
        assertEquals(want.length, got.length, what + " length");
        for (int i = 0; i < want.length; i++) {
            if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
                fail(what + "[" + i + "]: expected " + want[i] + " but was " + got[i]);
            }
        }
    }

    /** Asserts that keys, dtypes, shapes and values equal expected.json's entry for the fixture. */
    static void assertStateDict(String fixture, StateDict sd) {
        JsonNode exp = expected(fixture);
        List<String> keys = new ArrayList<>();
        for (Iterator<String> it = exp.fieldNames(); it.hasNext(); ) {
            keys.add(it.next());
        }
        assertEquals(keys, new ArrayList<>(sd.keys()), fixture + " keys");
        for (String k : keys) {
            JsonNode t = exp.get(k);
            TensorInfo info = sd.info(k);
            assertEquals(k, info.name());
            assertEquals(t.get("dtype").asText(), info.dtype(), fixture + " " + k + " dtype");
            assertArrayEquals(shape(t), info.shape(), fixture + " " + k + " shape");
            assertArray(t, sd.get(k), fixture + " " + k);
        }
    }

    /** Asserts that {@code body} throws a CheckpointException whose message has all fragments. */
    static CheckpointException assertFails(Executable body, String... fragments) {
        CheckpointException e = assertThrows(CheckpointException.class, body);
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f),
                    () -> "message lacks '" + f + "': " + e.getMessage());
        }
        return e;
    }
}
