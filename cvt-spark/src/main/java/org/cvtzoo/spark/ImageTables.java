package org.cvtzoo.spark;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.cvtzoo.core.ZooException;

import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.RowFactory;

import java.io.IOException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.split;

/** Reading image collections into DataFrames, and writing results to Parquet all or nothing. */
public final class ImageTables {
    /** The files {@code bin/cvt predict} takes from a directory (its ImageFiles rule). */
    public static final String IMAGE_NAME = "\\.(jpg|jpeg|png|bmp|gif)$";

    private ImageTables() {
    }

    /**
     * The image files under {@code dir} (recursively; by extension, any case), as Spark's
     * {@code binaryFile} source reads them: {@code path}, {@code modificationTime},
     * {@code length}, {@code content}; and its empty image files, which Spark's file sources leave
     * out, with empty content (so that they get an error row like any unreadable image).
     */
    public static Dataset<Row> imageFiles(SparkSession spark, String dir) {
        Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(dir)
                .where(lower(col("path")).rlike(IMAGE_NAME));
        // Spark's file sources skip empty files; they are images that cannot be read, so rows here
        List<Row> empty = new ArrayList<>();
        try {
            org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(dir);
            FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
            for (RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true); it.hasNext(); ) {
                LocatedFileStatus f = it.next();
                String path = f.getPath().toString();
                if (f.getLen() == 0 && path.toLowerCase(Locale.ROOT).matches(".*" + IMAGE_NAME)) {
                    empty.add(RowFactory.create(path, new Timestamp(f.getModificationTime()), 0L, new byte[0]));
                }
            }
        } catch (IOException e) {
            throw new ZooException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        return empty.isEmpty() ? files : files.unionByName(spark.createDataFrame(empty, files.schema()));
    }

    /** {@link #imageFiles} with a {@code label} column: the name of each file's folder (class = subfolder). */
    public static Dataset<Row> labelledImageFiles(SparkSession spark, String dir) {
        return imageFiles(spark, dir).withColumn("label", element_at(split(col("path"), "/"), -2));
    }

    /** Spreads rows over {@code partitions} tasks (a folder of small files is otherwise one partition). */
    public static Dataset<Row> spread(Dataset<Row> rows, int partitions) {
        return partitions > 0 ? rows.repartition(partitions) : rows;
    }

    /**
     * Writes {@code rows} as Parquet to {@code out}: first into a hidden folder beside it, renamed
     * to {@code out} only when every task has committed, so {@code out} is whole or absent.
     */
    public static void writeParquet(Dataset<Row> rows, String out, boolean overwrite) {
        org.apache.hadoop.fs.Path target = new org.apache.hadoop.fs.Path(out);
        Configuration conf = rows.sparkSession().sparkContext().hadoopConfiguration();
        try {
            FileSystem fs = target.getFileSystem(conf);
            if (fs.exists(target) && !overwrite) {
                throw new ZooException("output " + out + " exists (give --overwrite to replace it)");
            }
            org.apache.hadoop.fs.Path tmp = new org.apache.hadoop.fs.Path(target.getParent(),
                    "." + target.getName() + ".tmp-" + UUID.randomUUID());
            try {
                rows.write().parquet(tmp.toString());
                if (fs.exists(target) && !fs.delete(target, true)) throw new IOException("cannot delete " + out);
                if (!fs.rename(tmp, target)) throw new IOException("cannot rename " + tmp + " to " + out);
            } finally {
                if (fs.exists(tmp)) fs.delete(tmp, true);
            }
        } catch (IOException e) {
            throw new ZooException("cannot write " + out + ": " + e.getMessage(), e);
        }
    }

    /** Checks that {@code input} exists (Spark would log a warning with a stack trace first). */
    public static void requireExists(SparkSession spark, String input) {
        try {
            org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(input);
            if (!p.getFileSystem(spark.sparkContext().hadoopConfiguration()).exists(p)) {
                throw new ZooException("no such file or directory: " + input);
            }
        } catch (IOException e) {
            throw new ZooException("cannot read " + input + ": " + e.getMessage(), e);
        }
    }

    /** A Parquet table; Spark's own error (no schema, not Parquet) as the user's one line. */
    static Dataset<Row> readParquet(SparkSession spark, String input) {
        try {
            return spark.read().parquet(input);
        } catch (Exception e) { // Scala's AnalysisException is checked to javac, but undeclared
            if (!(e instanceof org.apache.spark.sql.AnalysisException)) throw e;
            throw new ZooException("cannot read " + input + " as a Parquet table: " + firstLine(e), e);
        }
    }

    /** The first line of an error's message (Spark's analysis errors add a plan below it). */
    private static String firstLine(Throwable t) {
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
