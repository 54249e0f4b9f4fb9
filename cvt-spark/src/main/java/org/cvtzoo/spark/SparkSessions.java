package org.cvtzoo.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

import java.util.Map;

/** How bin/cvt-spark's commands start Spark: one place for the settings every session needs. */
final class SparkSessions {
    private SparkSessions() {
    }

    /**
     * The session of command {@code name} (an existing one where this JVM has it, as in tests).
     *
     * @param master  {@code local[N]}, {@code spark://...}; null: {@code spark.master} where set
     *                (spark-submit, system properties), else {@code local[*]}
     * @param conf    further Spark settings ({@code --conf})
     * @param verbose Spark's INFO log; else WARN, and lost executors and retried tasks as one line each
     */
    static SparkSession start(String name, String master, Map<String, String> conf, boolean verbose) {
        SparkConf sc = new SparkConf(); // spark.* system properties and spark-submit's settings
        SparkSession.Builder b = SparkSession.builder().appName("cvt-spark " + name);
        if (master != null) b.master(master);
        else if (!sc.contains("spark.master")) b.master("local[*]");
        // Spark 4 gives each session its own artifacts, and SQL tasks then never see the files of
        // SparkContext.addFile (--ship-model) or of spark.files: off, as in Spark 3
        b.config("spark.sql.artifact.isolation.enabled", "false");
        conf.forEach(b::config);
        SparkSession spark = b.getOrCreate();
        spark.sparkContext().setLogLevel(verbose ? "INFO" : "WARN");
        // executor loss and task retries: one line each here, Spark's own account with --verbose
        if (!verbose) spark.sparkContext().addSparkListener(new FailureReport(System.err));
        return spark;
    }
}
