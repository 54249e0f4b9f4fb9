package org.cvtzoo.core.weights;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StateDictsTest {

    @Test
    void cContiguousLayouts() {
        assertTrue(StateDicts.isCContiguous(new long[0], new long[0]));
        assertTrue(StateDicts.isCContiguous(new long[] {2, 3}, new long[] {3, 1}));
        assertTrue(StateDicts.isCContiguous(new long[] {2, 1, 3}, new long[] {3, 99, 1}), "size-1 dims may have any stride");
        assertFalse(StateDicts.isCContiguous(new long[] {3, 2}, new long[] {1, 3}), "transposed");
        assertFalse(StateDicts.isCContiguous(new long[] {2, 3}, new long[] {4, 1}), "rows padded");
        assertFalse(StateDicts.isCContiguous(new long[] {3}, new long[] {2}), "every other element");
    }
}
