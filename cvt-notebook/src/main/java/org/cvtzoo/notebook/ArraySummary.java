package org.cvtzoo.notebook;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Locale;

/**
 * An {@code INDArray} as a few readable lines: type, shape, count and statistics, then a corner
 * of its values (at most {@value #ROWS} rows of {@value #COLS}), never thousands of numbers.
 */
final class ArraySummary {
    static final int ROWS = 6, COLS = 8;

    private ArraySummary() {
    }

    static String of(INDArray a) {
        String head = "INDArray " + a.dataType() + " " + Arrays.toString(a.shape());
        if (a.isEmpty()) return head + ": empty";
        if (!a.dataType().isNumerical() && a.dataType() != DataType.BOOL) {
            String s = a.toString();
            return head + "\n" + (s.length() > 400 ? s.substring(0, 400) + " ..." : s);
        }
        INDArray d = a.castTo(DataType.DOUBLE);
        if (a.isScalar()) return head + ": " + num(d.getDouble(0));
        StringBuilder b = new StringBuilder(head).append(": ").append(String.format(Locale.ROOT, "%,d", a.length()))
                .append(a.length() == 1 ? " value" : " values");
        b.append(", min ").append(num(d.minNumber().doubleValue())).append(", max ").append(num(d.maxNumber().doubleValue()))
                .append(", mean ").append(num(d.meanNumber().doubleValue()));
        if (a.length() > 1) b.append(", std ").append(num(d.stdNumber().doubleValue()));
        long nan = countNaN(d);
        if (nan > 0) b.append(String.format(Locale.ROOT, ", %,d NaN", nan));
        b.append('\n');
        // the first matrix of the array: [rows, cols] of its last two axes
        INDArray m = d;
        String where = "";
        if (a.rank() > 2) {
            long[] index = new long[a.rank() - 2];
            m = d;
            while (m.rank() > 2) m = m.slice(0);
            where = "first " + m.rows() + "x" + m.columns() + " slice [" + "0, ".repeat(index.length) + ":, :]\n";
        } else if (a.rank() == 1) {
            m = d.reshape(1, d.length());
        }
        b.append(where);
        long rows = m.rows(), cols = m.columns();
        for (long r = 0; r < Math.min(rows, ROWS); r++) {
            b.append(r == 0 ? "[" : " ").append('[');
            for (long c = 0; c < Math.min(cols, COLS); c++) {
                b.append(c == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%10s", num(m.getDouble(r, c))));
            }
            if (cols > COLS) b.append(String.format(Locale.ROOT, ", ... (%,d more)", cols - COLS));
            b.append(']').append(r + 1 < Math.min(rows, ROWS) ? ",\n" : "");
        }
        if (rows > ROWS) b.append(String.format(Locale.ROOT, ",\n  ... (%,d more rows)", rows - ROWS));
        return b.append(']').toString();
    }

    private static long countNaN(INDArray d) {
        if (d.length() > 10_000_000) return 0;
        long n = 0;
        for (double v : d.data().asDouble()) {
            if (Double.isNaN(v)) n++;
        }
        return n;
    }

    static String num(double v) {
        if (v == 0) return "0";
        if (Double.isNaN(v) || Double.isInfinite(v)) return Double.toString(v);
        double a = Math.abs(v);
        if (a >= 1e-3 && a < 1e5) {
            String s = String.format(Locale.ROOT, "%.4f", v);
            return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        }
        return String.format(Locale.ROOT, "%.3e", v);
    }
}
