package org.cvtzoo.spark;

import org.apache.spark.sql.SparkSession;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.ModelRequest;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What every job takes: where it runs and how it reads its images. */
final class JobOptions {
    @Option(names = "--master", paramLabel = "URL",
            description = "local[N], spark://host:port, ... (default: spark.master if set, else local[*]).")
    String master;
    @Option(names = "--conf", paramLabel = "KEY=VALUE", description = "A Spark setting (repeatable).")
    Map<String, String> conf = new java.util.LinkedHashMap<>();
    @Option(names = "--partitions", paramLabel = "N", description = "Tasks to spread the images over (default: Spark's default parallelism).")
    Integer partitions;
    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--ship-model", description = "Send the model's files with the job (SparkContext.addFile) for executors "
            + "that cannot read the driver's paths.")
    boolean shipModel;
    @Option(names = "--verbose", description = "Print stack traces of errors, and Spark's INFO log.")
    boolean verbose;

    /** The job's session: see {@link SparkSessions#start}. */
    SparkSession session(String name) {
        return SparkSessions.start(name, master, conf, verbose);
    }

    int partitions(SparkSession spark) {
        if (partitions != null && partitions < 1) throw new ZooException("--partitions must be at least 1");
        return partitions != null ? partitions : spark.sparkContext().defaultParallelism();
    }

    /** With --ship-model: adds the model's files to the job; executors find them by name (ShippedFiles). */
    ModelRequest ship(SparkSession spark, ModelRequest s) {
        if (!shipModel) return s;
        List<String> names = new ArrayList<>();
        for (String f : new String[]{s.spec(), s.modelFile(), s.weights()}) {
            if (f.isEmpty()) {
                names.add(f);
                continue;
            }
            if (!Files.isRegularFile(Path.of(f))) throw new ZooException("no such file: " + f);
            spark.sparkContext().addFile(Path.of(f).toAbsolutePath().toString());
            names.add(Path.of(f).getFileName().toString());
        }
        return new ModelRequest(s.model(), names.get(0), names.get(1), names.get(2), s.pretrained(), s.numClasses());
    }
}
