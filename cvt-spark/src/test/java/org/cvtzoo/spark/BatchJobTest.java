package org.cvtzoo.spark;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.cvtzoo.core.image.ImageException;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.zoo.VisionModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bin/cvt-spark's jobs, run in this JVM: a folder or a Parquet table of images to Parquet. */
class BatchJobTest {
    @TempDir
    static Path tmp;
    static Path folder;
    static SparkSession spark;

    @BeforeAll
    static void setUp() throws Exception {
        spark = TestData.spark();
        folder = TestData.mixedFolder(tmp.resolve("images"));
    }

    record Run(int status, String err) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream old = System.err;
        System.setErr(new PrintStream(err, true));
        try {
            return new Run(SparkMain.run(args), err.toString());
        } finally {
            System.setErr(old);
        }
    }

    @Test
    void embedFolderAndParquetTableToParquetAsVisionModelDoes() throws Exception {
        String out = tmp.resolve("emb.parquet").toString();
        Run r = run("embed", folder.toString(), "--out", out, "--spec", TestData.TINY_SPEC.toString(), "--weights",
                TestData.TINY_WEIGHTS.toString(), "--partitions", "3", "--batch-size", "2");
        assertEquals(2, r.status(), r.err()); // 3 files cannot be read
        assertTrue(r.err().contains("embed: 12 images (3 unreadable)"), r.err());
        List<Row> rows = spark.read().parquet(out).collectAsList();
        assertEquals(List.of("path", "features", "error"), List.of(spark.read().parquet(out).columns()));
        checkAgainstVisionModel(rows);

        // the same images as a Parquet table (path, content), as a data lake would hold them
        String table = tmp.resolve("table.parquet").toString();
        ImageTables.imageFiles(spark, folder.toString()).select("path", "content").write().parquet(table);
        String out2 = tmp.resolve("emb2.parquet").toString();
        Run r2 = run("embed", table, "--out", out2, "--spec", TestData.TINY_SPEC.toString(), "--weights", TestData.TINY_WEIGHTS.toString());
        assertEquals(2, r2.status(), r2.err());
        checkAgainstVisionModel(spark.read().parquet(out2).collectAsList());
    }

    private static void checkAgainstVisionModel(List<Row> rows) {
        VisionModel m = TestData.tinyModel();
        assertEquals(12, rows.size());
        int good = 0;
        for (Row row : rows) {
            Path file = Path.of(row.getString(0).replaceFirst("^file:", ""));
            Supplier<double[]> want = () -> m.features(List.of(Images.read(file))).getRow(0).toDoubleVector();
            try {
                double[] w = want.get();
                assertNull(row.get(2), file.toString());
                assertArrayEquals(w, row.<Vector>getAs(1).toArray(), 1e-6, file.toString());
                good++;
            } catch (ImageException e) {
                assertTrue(row.isNullAt(1) && row.getString(2).contains(file.getFileName().toString()), row.toString());
            }
        }
        assertEquals(9, good);
    }

    @Test
    void badModelIsOneLineExitTwoAndNoOutput() {
        Path out = tmp.resolve("never.parquet");
        Run r = run("predict", folder.toString(), "--out", out.toString(), "--model", "cvt-13", "--weights", "/no/such/file.pth");
        assertEquals(2, r.status(), r.err());
        assertEquals("error: cannot load the model cvt-13 + /no/such/file.pth: weights /no/such/file.pth: no such file here, "
                + "nor among the files shipped with the job (spark.files / --files / SparkContext.addFile)", r.err().strip());
        assertFalse(Files.exists(out));
        Run random = run("predict", folder.toString(), "--out", out.toString(), "--model", "cvt-13");
        assertEquals(2, random.status());
        assertTrue(random.err().startsWith("error: give --weights FILE or --pretrained (random weights would differ on every executor)") && random.err().strip().lines().count() == 1, random.err());
        Run column = run("predict", tmp.toString(), "--input-format", "parquet", "--out", out.toString(), "--spec",
                TestData.TINY_SPEC.toString(), "--weights", TestData.TINY_WEIGHTS.toString());
        assertEquals(2, column.status(), column.err());
        assertTrue(column.err().startsWith("error: ") && column.err().strip().lines().count() == 1, column.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void existingOutputIsKeptUnlessOverwrite() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("exists.parquet"));
        Files.writeString(out.resolve("keep"), "x");
        Run r = run("predict", folder.toString(), "--out", out.toString(), "--spec", TestData.TINY_SPEC.toString(),
                "--weights", TestData.TINY_WEIGHTS.toString());
        assertEquals("error: output " + out + " exists (give --overwrite to replace it)", r.err().strip());
        assertTrue(Files.exists(out.resolve("keep")));
    }

    /** bin/cvt-spark compare: an output against itself is the same (exit 0); other labels are DIFFERENT (exit 1), named. */
    @Test
    void compareTellsTheSameFromDifferent() {
        String five = tmp.resolve("top5.parquet").toString(), three = tmp.resolve("top3.parquet").toString();
        for (String[] job : new String[][]{{five, "5"}, {three, "3"}}) {
            Run r = run("predict", folder.toString(), "--out", job[0], "--spec", TestData.TINY_SPEC.toString(), "--weights",
                    TestData.TINY_WEIGHTS.toString(), "--top", job[1]);
            assertEquals(2, r.status(), r.err()); // 3 files cannot be read
        }
        String[] same = compare(five, five);
        assertEquals("0", same[0], same[1]);
        assertTrue(same[1].strip().endsWith("12 files, 3 with errors; largest difference 0.00: the same"), same[1]);
        String[] different = compare(five, three);
        assertEquals("1", different[0], different[1]);
        assertTrue(different[1].contains(": predictions differs") && different[1].strip().endsWith("DIFFERENT"), different[1]);
        Run missing = run("compare", five, tmp.resolve("none.parquet").toString());
        assertEquals(2, missing.status(), missing.err());
        assertTrue(missing.err().startsWith("error: cannot read ") && missing.err().strip().lines().count() == 1, missing.err());
    }

    /** The exit status and what compare printed on stdout. */
    private static String[] compare(String a, String b) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true));
        try {
            return new String[]{String.valueOf(SparkMain.run("compare", a, b)), out.toString()};
        } finally {
            System.setOut(old);
        }
    }
}
