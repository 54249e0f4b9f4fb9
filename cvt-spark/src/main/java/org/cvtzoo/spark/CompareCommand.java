package org.cvtzoo.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code bin/cvt-spark compare A.parquet B.parquet}: whether two outputs of predict or embed hold the same rows. */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Whether two outputs of predict or embed hold the same rows: errors, labels and vectors within --tolerance.",
                "Rows are matched by their full path; row counts, duplicated paths and paths missing on either side",
                "are reported, and any of them makes the outputs different (exit status 1)."})
final class CompareCommand implements Callable<Integer> {
    /** Paths listed per kind of mismatch before "... and N more". */
    static final int LISTED = 10;

    @Parameters(index = "0", paramLabel = "A.parquet")
    String a;
    @Parameters(index = "1", paramLabel = "B.parquet")
    String b;
    @Option(names = "--tolerance", defaultValue = "1e-6", description = "Largest difference of a vector element or probability (default: ${DEFAULT-VALUE}).")
    double tolerance;

    @Override
    public Integer call() {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("cvt-spark compare").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        ImageTables.requireExists(spark, a);
        ImageTables.requireExists(spark, b);
        Map<String, List<Row>> left = rows(spark, a), right = rows(spark, b);
        long rowsA = left.values().stream().mapToLong(List::size).sum(), rowsB = right.values().stream().mapToLong(List::size).sum();
        System.out.printf(Locale.ROOT, "rows: %d in A (%s), %d in B (%s)%n", rowsA, a, rowsB, b);
        int duplicated = listDuplicates("A", left) + listDuplicates("B", right);
        List<String> onlyA = new ArrayList<>(left.keySet()), onlyB = new ArrayList<>(right.keySet());
        onlyA.removeAll(right.keySet());
        onlyB.removeAll(left.keySet());
        list("only in A", onlyA);
        list("only in B", onlyB);
        double worst = 0;
        int differ = 0, both = 0, errors = 0;
        for (Map.Entry<String, List<Row>> e : left.entrySet()) {
            List<Row> other = right.get(e.getKey());
            if (other == null || e.getValue().size() != 1 || other.size() != 1) continue; // reported above
            both++;
            Row x = e.getValue().get(0), y = other.get(0);
            if (x.getAs("error") != null) errors++;
            for (String c : x.schema().fieldNames()) {
                if (c.equals("path")) continue;
                boolean inB = List.of(y.schema().fieldNames()).contains(c);
                double d = inB ? difference(x.getAs(c), y.getAs(c)) : Double.POSITIVE_INFINITY;
                worst = Math.max(worst, d);
                if (d > tolerance) {
                    differ++;
                    System.out.println(e.getKey() + ": " + c + " differs (" + x.getAs(c) + " vs " + (inB ? y.getAs(c) : "no such column") + ")");
                }
            }
        }
        boolean same = differ == 0 && duplicated == 0 && onlyA.isEmpty() && onlyB.isEmpty() && rowsA == rowsB;
        System.out.printf(Locale.ROOT, "%d paths in both, %d with errors; largest difference %.3g; %d duplicated, %d only in A, "
                + "%d only in B: %s%n", both, errors, worst, duplicated, onlyA.size(), onlyB.size(), same ? "the same" : "DIFFERENT");
        return same ? 0 : 1;
    }

    /** Each output's rows by their full path (a path may hold several rows: a duplicate). */
    private static Map<String, List<Row>> rows(SparkSession spark, String out) {
        Map<String, List<Row>> m = new java.util.TreeMap<>();
        for (Row r : ImageTables.readParquet(spark, out).collectAsList()) {
            m.computeIfAbsent(r.<String>getAs("path"), k -> new ArrayList<>()).add(r);
        }
        return m;
    }

    private static int listDuplicates(String side, Map<String, List<Row>> rows) {
        List<String> dups = new ArrayList<>();
        rows.forEach((path, r) -> {
            if (r.size() > 1) dups.add(path + " (" + r.size() + " rows)");
        });
        list("duplicated in " + side, dups);
        return dups.size();
    }

    private static void list(String what, List<String> paths) {
        for (int i = 0; i < Math.min(LISTED, paths.size()); i++) System.out.println(what + ": " + paths.get(i));
        if (paths.size() > LISTED) System.out.println(what + ": ... and " + (paths.size() - LISTED) + " more");
    }

    /** 0 for equal values; the largest element difference of vectors and label lists; infinity where they differ otherwise. */
    private static double difference(Object x, Object y) {
        if (x == null || y == null) return x == y ? 0 : Double.POSITIVE_INFINITY;
        if (x instanceof org.apache.spark.ml.linalg.Vector u && y instanceof org.apache.spark.ml.linalg.Vector v) {
            if (u.size() != v.size()) return Double.POSITIVE_INFINITY;
            double d = 0;
            for (int i = 0; i < u.size(); i++) d = Math.max(d, Math.abs(u.apply(i) - v.apply(i)));
            return d;
        }
        if (x instanceof scala.collection.Seq<?> u && y instanceof scala.collection.Seq<?> v) {
            if (u.size() != v.size()) return Double.POSITIVE_INFINITY;
            double d = 0;
            for (int i = 0; i < u.size(); i++) {
                Row p = (Row) u.apply(i), q = (Row) v.apply(i);
                if (p.getInt(0) != q.getInt(0)) return Double.POSITIVE_INFINITY;
                d = Math.max(d, Math.abs(p.getDouble(2) - q.getDouble(2)));
            }
            return d;
        }
        return x.equals(y) ? 0 : Double.POSITIVE_INFINITY;
    }
}
