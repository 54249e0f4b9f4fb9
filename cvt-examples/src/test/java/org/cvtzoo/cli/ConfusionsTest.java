package org.cvtzoo.cli;

import org.junit.jupiter.api.Test;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfusionsTest {

    /** Actual and predicted classes, one pair per row. */
    static Evaluation evaluation(int classes, int[][] pairs) {
        List<String> names = IntStream.range(0, classes).mapToObj(i -> "c" + i).toList();
        Evaluation e = new Evaluation(names, 1);
        INDArray labels = Nd4j.zeros(DataType.FLOAT, pairs.length, classes), predictions = labels.like();
        for (int i = 0; i < pairs.length; i++) {
            labels.putScalar(i, pairs[i][0], 1);
            predictions.putScalar(i, pairs[i][1], 1);
        }
        e.eval(labels, predictions);
        return e;
    }

    @Test
    void aFewClassesShowTheMatrix() {
        String s = Confusions.describe(evaluation(3, new int[][]{{0, 0}, {1, 2}, {2, 2}}));
        assertTrue(s.contains("0 = c0") && s.contains("2 = c2") && s.contains("66.67%"), s);
    }

    @Test
    void manyClassesShowTheLargestConfusions() {
        int[][] pairs = new int[40][];
        for (int i = 0; i < 25; i++) pairs[i] = new int[]{i, i};
        for (int i = 25; i < 40; i++) pairs[i] = i < 30 ? new int[]{3, 7} : new int[]{i - 30, i - 29}; // 3 -> 7 five times
        String s = Confusions.describe(evaluation(25, pairs));
        List<String> lines = s.lines().toList();
        assertEquals(2 + Confusions.SHOWN_CONFUSIONS, lines.size(), s);
        assertTrue(lines.get(1).startsWith("25 classes"), s);
        assertEquals("  c3 -> c7: 5", lines.get(2), s);
    }
}
