package org.cvtzoo.spark;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
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
import java.util.ArrayList;
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

    record Run(int status, String err, String out) {
    }

    static Run run(String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream(), out = new ByteArrayOutputStream();
        PrintStream oldErr = System.err, oldOut = System.out;
        System.setErr(new PrintStream(err, true));
        System.setOut(new PrintStream(out, true));
        try {
            return new Run(SparkMain.run(args), err.toString(), out.toString());
        } finally {
            System.setErr(oldErr);
            System.setOut(oldOut);
        }
    }

    /** A predict-like output: path, features, error. */
    private static String table(String name, Object[]... rows) {
        StructType schema = new StructType().add("path", DataTypes.StringType).add("features", new VectorUDT())
                .add("error", DataTypes.StringType);
        List<Row> data = new ArrayList<>();
        for (Object[] r : rows) data.add(RowFactory.create(r));
        String out = tmp.resolve(name).toString();
        spark.createDataFrame(data, schema).coalesce(1).write().parquet(out);
        return out;
    }

    private static Object[] row(String path, double... v) {
        return new Object[]{path, Vectors.dense(v), null};
    }

    @Test
    void compareMatchesRowsByFullPathAndReportsCountsDuplicatesAndMissingRows() {
        // two images of the same name in different folders, and one error row
        Object[] broken = {"file:/d/sub/b.png", null, "not an image"};
        String a = table("cmp-a.parquet", row("file:/d/x.png", 1, 2), row("file:/d/sub/x.png", 3, 4), broken);
        Run same = run("compare", a, table("cmp-same.parquet", broken, row("file:/d/sub/x.png", 3, 4 + 1e-7), row("file:/d/x.png", 1, 2)));
        assertEquals(0, same.status(), same.out() + same.err());
        assertTrue(same.out().startsWith("rows: 3 in A"), same.out());
        assertTrue(same.out().strip().endsWith("3 paths in both, 1 with errors; largest difference 1.00e-07; 0 duplicated, "
                + "0 only in A, 0 only in B: the same"), same.out());

        // sub/x.png lost and x.png doubled: keyed by file name, both would hold "x.png" and look the same
        Run doubled = run("compare", a, table("cmp-doubled.parquet", row("file:/d/x.png", 1, 2), row("file:/d/x.png", 1, 2), broken));
        assertEquals(1, doubled.status(), doubled.out());
        assertTrue(doubled.out().contains("rows: 3 in A (" + a + "), 3 in B"), doubled.out());
        assertTrue(doubled.out().contains("duplicated in B: file:/d/x.png (2 rows)"), doubled.out());
        assertTrue(doubled.out().contains("only in A: file:/d/sub/x.png"), doubled.out());
        assertTrue(doubled.out().strip().endsWith("1 duplicated, 1 only in A, 0 only in B: DIFFERENT"), doubled.out());

        // a row only in B, and a vector beyond the tolerance
        Run more = run("compare", a, table("cmp-more.parquet", row("file:/d/x.png", 1, 2.5), row("file:/d/sub/x.png", 3, 4), broken,
                row("file:/e/x.png", 1, 2)));
        assertEquals(1, more.status(), more.out());
        assertTrue(more.out().contains("rows: 3 in A (" + a + "), 4 in B"), more.out());
        assertTrue(more.out().contains("only in B: file:/e/x.png"), more.out());
        assertTrue(more.out().contains("file:/d/x.png: features differs ([1.0,2.0] vs [1.0,2.5])"), more.out());
        assertTrue(more.out().strip().endsWith("0 duplicated, 0 only in A, 1 only in B: DIFFERENT"), more.out());

        Run missing = run("compare", a, tmp.resolve("none.parquet").toString());
        assertEquals(2, missing.status());
        assertEquals("error: no such file or directory: " + tmp.resolve("none.parquet"), missing.err().strip());
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

    /** predict --explain: the explanation column in the Parquet output; an undefined method is one line, exit 2, no output. */
    @Test
    void predictWithExplainWritesTheMapColumn() {
        String out = tmp.resolve("explained.parquet").toString();
        Run r = run("predict", folder.resolve("sub").toString(), "--out", out, "--spec", TestData.TINY_SPEC.toString(),
                "--weights", TestData.TINY_WEIGHTS.toString(), "--top", "1", "--explain", "gradcam");
        assertEquals(2, r.status(), r.err()); // sub/ holds a truncated and an empty file
        Dataset<Row> written = spark.read().parquet(out);
        assertEquals(List.of("path", "predictions", "explanation", "error"), List.of(written.columns()));
        List<Row> good = written.where("error is null").collectAsList();
        assertEquals(3, good.size());
        for (Row row : good) {
            Row e = row.getStruct(2);
            assertEquals(((Row) row.getList(1).get(0)).getInt(0), e.getInt(0), "the predicted class is explained");
            assertTrue(e.getList(2).size() > 0, row.toString());
        }
        Path never = tmp.resolve("never-explained.parquet");
        Run bad = run("predict", folder.toString(), "--out", never.toString(), "--spec", TestData.TINY_SPEC.toString(),
                "--weights", TestData.TINY_WEIGHTS.toString(), "--explain", "chefer");
        assertEquals(2, bad.status(), bad.err());
        assertTrue(bad.err().startsWith("error: chefer is not defined for CvT") && bad.err().strip().lines().count() == 1, bad.err());
        assertFalse(Files.exists(never));
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
        assertTrue(same[1].contains("12 paths in both, 3 with errors; largest difference 0.00") && same[1].strip().endsWith("the same"),
                same[1]);
        String[] different = compare(five, three);
        assertEquals("1", different[0], different[1]);
        assertTrue(different[1].contains(": predictions differs") && different[1].strip().endsWith("DIFFERENT"), different[1]);
        Run missing = run("compare", five, tmp.resolve("none.parquet").toString());
        assertEquals(2, missing.status(), missing.err());
        assertTrue(missing.err().startsWith("error: ") && missing.err().strip().lines().count() == 1, missing.err());
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
