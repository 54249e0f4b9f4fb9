package org.cvtzoo.cli;

import org.nd4j.evaluation.classification.ConfusionMatrix;
import org.nd4j.evaluation.classification.Evaluation;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** An evaluation's confusion matrix as text a terminal shows: the matrix, or its largest off-diagonal counts when it is too wide. */
final class Confusions {
    /** Wider matrices do not fit a terminal (ND4J's Evaluation.stats() stops at the same count). */
    static final int MAX_MATRIX_CLASSES = 20;
    static final int SHOWN_CONFUSIONS = 10;

    private Confusions() {
    }

    static String describe(Evaluation e) {
        ConfusionMatrix<Integer> m = e.getConfusionMatrix();
        int classes = m.getClasses().size();
        String head = String.format(Locale.ROOT, "confusion of the best model on the validation images (top-1 %.2f%%):%n",
                100 * e.accuracy());
        if (classes <= MAX_MATRIX_CLASSES) return head + e.confusionMatrix();
        record Cell(int actual, int predicted, int count) {
        }
        List<Cell> cells = new ArrayList<>();
        for (int a = 0; a < classes; a++) {
            for (int p = 0; p < classes; p++) {
                if (a != p && m.getCount(a, p) > 0) cells.add(new Cell(a, p, m.getCount(a, p)));
            }
        }
        cells.sort(Comparator.comparingInt(Cell::count).reversed());
        StringBuilder out = new StringBuilder(head).append(String.format(Locale.ROOT,
                "%d classes, too many for the matrix; the most frequent confusions (actual -> predicted: images):%n", classes));
        if (cells.isEmpty()) out.append("  none").append(System.lineSeparator());
        for (Cell c : cells.subList(0, Math.min(SHOWN_CONFUSIONS, cells.size()))) {
            out.append(String.format(Locale.ROOT, "  %s -> %s: %d%n", e.getClassLabel(c.actual()), e.getClassLabel(c.predicted()),
                    c.count()));
        }
        return out.toString().stripTrailing();
    }
}
