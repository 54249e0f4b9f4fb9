package org.cvtzoo.core.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TensorInfoTest {

    @Test
    void describesOneTensor() {
        long[] shape = {2, 3};
        TensorInfo t = new TensorInfo("w", "F16", shape);
        shape[0] = 9;
        assertArrayEquals(new long[] {2, 3}, t.shape(), "the shape is copied in");
        t.shape()[0] = 9;
        assertArrayEquals(new long[] {2, 3}, t.shape(), "and out");
        assertEquals(2, t.rank());
        assertEquals(6, t.numel());
        assertEquals(1, new TensorInfo("s", "F32", new long[0]).numel());
        assertEquals(0, new TensorInfo("e", "F32", new long[] {4, 0}).numel());
        assertEquals(0, new TensorInfo("s", "F32", new long[0]).rank());
        assertTrue(t.isSupportedDtype());
        assertFalse(new TensorInfo("z", "C64", shape).isSupportedDtype());
        assertEquals("w F16[2, 3]", t.toString());
        assertEquals(new TensorInfo("v", "F16", new long[] {2, 3}), t.withName("v"));
        assertThrows(NullPointerException.class, () -> new TensorInfo(null, "F32", shape));
        assertThrows(NullPointerException.class, () -> new TensorInfo("w", null, shape));
        assertThrows(NullPointerException.class, () -> new TensorInfo("w", "F32", null));
    }

    @Test
    void equalByNameDtypeAndShapeValues() {
        TensorInfo t = new TensorInfo("w", "F16", new long[] {2, 3});
        TensorInfo same = new TensorInfo("w", "F16", new long[] {2, 3});
        assertEquals(t, same);
        assertEquals(t.hashCode(), same.hashCode());
        assertNotEquals(t.hashCode(), new TensorInfo("w", "F16", new long[] {3, 2}).hashCode());
        assertNotEquals(t, new TensorInfo("v", "F16", new long[] {2, 3}));
        assertNotEquals(t, new TensorInfo("w", "F32", new long[] {2, 3}));
        assertNotEquals(t, new TensorInfo("w", "F16", new long[] {3, 2}));
        assertNotEquals(t, "w F16[2, 3]");
    }
}
