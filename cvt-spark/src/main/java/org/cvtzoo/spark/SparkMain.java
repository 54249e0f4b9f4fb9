package org.cvtzoo.spark;

import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.ModelRequest;
import org.cvtzoo.zoo.explain.Method;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import static org.apache.spark.sql.functions.col;

/**
 * {@code bin/cvt-spark}: batch prediction and embedding of an image folder or a Parquet table of
 * images to Parquet, and a linear probe (MLlib's LogisticRegression on the embeddings of a
 * labelled folder), on {@code local[N]} or a cluster. As {@code bin/cvt}: a user error is one
 * line {@code error: ...} and exit status 2; {@code --verbose} adds the stack trace.
 */
@Command(name = "cvt-spark", mixinStandardHelpOptions = true, version = "cvt-spark 0.1.0",
        description = "The zoo's models on Apache Spark.",
        subcommands = {SparkMain.Predict.class, SparkMain.Embed.class, SparkMain.Probe.class, CompareCommand.class})
public final class SparkMain implements Runnable {
    public static final int EXIT_USER_ERROR = 2;
    static final String REPORT = "this looks like a bug in cvt-spark, not a problem with your input: please report it with the"
            + " command line and the output of --verbose";

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        int status = run(args);
        System.exit(status);
    }

    /** Runs a command in this JVM and returns its exit status (tests call this). */
    public static int run(String... args) {
        boolean verbose = List.of(args).contains("--verbose");
        CommandLine cl = new CommandLine(new SparkMain());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            Throwable cause = userCause(ex);
            err.println("error: " + (cause != null ? message(cause) : ex + System.lineSeparator() + REPORT));
            if (verbose) ex.printStackTrace(err);
            err.flush();
            return cause != null ? EXIT_USER_ERROR : 1;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("error: " + ex.getMessage());
            err.println("(see: cvt-spark " + ex.getCommandLine().getCommandName() + " --help)");
            err.flush();
            return EXIT_USER_ERROR;
        });
        return cl.execute(args);
    }

    /**
     * The user's error in {@code t} or its causes (a failed Spark job wraps the task's exception),
     * or null: a {@link ZooException} or an {@link IOException}, as in bin/cvt. Anything else
     * (an IllegalArgumentException from our code or Spark's included) is a bug: exit status 1.
     */
    static Throwable userCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ZooException || c instanceof IOException) return c;
        }
        return null;
    }

    private static String message(Throwable t) {
        String m = t.getMessage() == null ? t.toString() : t.getMessage();
        return m.lines().findFirst().orElse(m); // Spark's analysis errors add a plan below the first line
    }

    /** The model options, as bin/cvt's. */
    static final class ModelOptions {
        @Option(names = "--model", paramLabel = "NAME", description = "A registered variant (see: bin/cvt models).")
        String model;
        @Option(names = "--spec", paramLabel = "FILE", description = "A model spec file (CvT YAML or JSON).")
        String spec;
        @Option(names = "--model-file", paramLabel = "FILE", description = "A model file written by fine-tuning.")
        String modelFile;
        @Option(names = "--weights", paramLabel = "FILE", description = "Checkpoint (.pth or .safetensors).")
        String weights;
        @Option(names = "--pretrained", description = "The variant's official weights (each machine's cache, or downloaded there).")
        boolean pretrained;
        @Option(names = "--num-classes", paramLabel = "N", description = "Classes of the head (default: the model's).")
        int numClasses;

        ModelRequest request() {
            return new ModelRequest(model, spec, modelFile, weights, pretrained, numClasses);
        }
    }

    /** Predict and embed: images in, Parquet out. */
    abstract static class BatchJob implements Callable<Integer> {
        @Mixin
        ModelOptions modelOptions;
        @Mixin
        JobOptions job;
        @Parameters(paramLabel = "INPUT", description = "A directory of images (walked recursively), or a Parquet table of images.")
        String input;
        @Option(names = "--out", required = true, paramLabel = "DIR.parquet", description = "The Parquet output (written whole or not at all).")
        String out;
        @Option(names = "--overwrite", description = "Replace an existing output.")
        boolean overwrite;
        @Option(names = "--input-format", defaultValue = "auto", description = "auto, images or parquet (default: ${DEFAULT-VALUE}: "
                + "parquet where INPUT holds .parquet files).")
        String inputFormat;
        @Option(names = "--image-col", paramLabel = "NAME", defaultValue = "content",
                description = "Parquet input: the column of image file bytes, or of the image source's struct (default: ${DEFAULT-VALUE}).")
        String imageCol;
        @Option(names = "--path-col", paramLabel = "NAME", defaultValue = "path",
                description = "Parquet input: the column that names each image (default: ${DEFAULT-VALUE}).")
        String pathCol;
        @Option(names = "--logits", description = "Add the logits column (an ML Vector).")
        boolean logits;
        @Option(names = "--explain", paramLabel = "METHOD", description = "Add the explanation column: each image's map by"
                + " METHOD, as bin/cvt explain --method (last, rollout, gradcam, chefer, class-attention): struct of index, label, map (rows).")
        String explain;
        @Option(names = "--explain-class", paramLabel = "LABEL", defaultValue = "top",
                description = "With --explain: the class explained, top (each image's predicted class) or a label or index (default: ${DEFAULT-VALUE}).")
        String explainClass;

        abstract void configure(ZooTransformer t);

        abstract String name();

        @Override
        public Integer call() throws IOException {
            if (!List.of("auto", "images", "parquet").contains(inputFormat)) {
                throw new ZooException("--input-format must be auto, images or parquet, got '" + inputFormat + "'");
            }
            ModelRequest source = modelOptions.request().check(ShippedFiles.WEIGHTS_REQUIRED); // before Spark starts
            if (job.batchSize < 1) throw new ZooException("--batch-size must be at least 1");
            if (explain != null) Method.parse(explain); // an unknown method before Spark starts
            SparkSession spark = job.session(name());
            ImageTables.requireExists(spark, input);
            boolean parquet = inputFormat.equals("parquet") || inputFormat.equals("auto") && holdsParquet(input);
            Dataset<Row> images = parquet ? ImageTables.readParquet(spark, input) : ImageTables.imageFiles(spark, input);
            String path = parquet ? pathCol : "path";
            ZooTransformer t = new ZooTransformer().setInputCol(parquet ? imageCol : "content").setPathCol(path)
                    .setBatchSize(job.batchSize).setLogitsCol(logits ? "logits" : "")
                    .setExplainCol(explain != null ? "explanation" : "").setExplainMethod(explain != null ? explain : "gradcam")
                    .setExplainClass(explainClass);
            ModelRequest shipped = job.ship(spark, source);
            t.setModel(shipped.model()).setSpec(shipped.spec()).setModelFile(shipped.modelFile()).setWeights(shipped.weights())
                    .setPretrained(shipped.pretrained()).setNumClasses(shipped.numClasses());
            configure(t);
            long t0 = System.nanoTime();
            Dataset<Row> result = t.transform(ImageTables.spread(images, job.partitions(spark)));
            List<Column> keep = new ArrayList<>();
            keep.add(List.of(result.columns()).contains(path) ? col(path).as("path")
                    : col(imageCol + ".origin").as("path"));
            for (String c : new String[]{t.getPredictionsCol(), t.getLogitsCol(), t.getFeaturesCol(), t.getExplainCol(), t.getErrorCol()}) {
                if (!c.isEmpty()) keep.add(col(c));
            }
            ImageTables.writeParquet(result.select(keep.toArray(Column[]::new)), out, overwrite);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Dataset<Row> written = spark.read().parquet(out);
            long n = written.count();
            List<Row> errors = written.where(col("error").isNotNull()).select("error").limit(5).collectAsList();
            long failed = errors.isEmpty() ? 0 : written.where(col("error").isNotNull()).count();
            for (Row e : errors) System.err.println("error: " + e.getString(0));
            System.err.printf(Locale.ROOT, "%s: %d images (%d unreadable) -> %s in %.1f s, %.2f images/s (master %s, %d partitions)%n",
                    name(), n, failed, out, seconds, n / seconds, spark.sparkContext().master(), job.partitions(spark));
            return failed > 0 ? EXIT_USER_ERROR : 0;
        }

        private static boolean holdsParquet(String input) throws IOException {
            Path p = Path.of(input);
            if (input.endsWith(".parquet")) return true;
            if (!Files.isDirectory(p)) return false;
            try (var s = Files.list(p)) {
                return s.anyMatch(f -> f.getFileName().toString().endsWith(".parquet"));
            }
        }
    }

    @Command(name = "predict", mixinStandardHelpOptions = true,
            description = "Top-k labels (and optionally logits, features) of every image, to Parquet: path, predictions, ..., error.")
    static final class Predict extends BatchJob {
        @Option(names = "--top", paramLabel = "K", defaultValue = "5", description = "Labels per image (default: ${DEFAULT-VALUE}).")
        int top;
        @Option(names = "--features", description = "Add the features column (an ML Vector).")
        boolean features;

        @Override
        void configure(ZooTransformer t) {
            if (top < 1) throw new ZooException("--top must be at least 1");
            t.setTopK(top).setFeaturesCol(features ? "features" : "");
        }

        @Override
        String name() {
            return "predict";
        }
    }

    @Command(name = "embed", mixinStandardHelpOptions = true,
            description = "The feature vector (pre-logits embedding) of every image, to Parquet: path, features, error.")
    static final class Embed extends BatchJob {
        @Override
        void configure(ZooTransformer t) {
            t.setPredictionsCol("").setFeaturesCol("features");
        }

        @Override
        String name() {
            return "embed";
        }
    }

    @Command(name = "probe", mixinStandardHelpOptions = true,
            description = {"Transfer learning: embeds a labelled image folder (class = subfolder) and fits MLlib's",
                    "LogisticRegression on the embeddings (a linear probe); prints the accuracy on a held-out split."})
    static final class Probe implements Callable<Integer> {
        @Mixin
        ModelOptions modelOptions;
        @Mixin
        JobOptions job;
        @Parameters(paramLabel = "DIR", description = "One subfolder of images per class.")
        String dir;
        @Option(names = "--test-fraction", defaultValue = "0.25", description = "Held out for evaluation (default: ${DEFAULT-VALUE}).")
        double testFraction;
        @Option(names = "--seed", defaultValue = "7", description = "Of the split (default: ${DEFAULT-VALUE}).")
        long seed;
        @Option(names = "--max-iter", defaultValue = "100", description = "LogisticRegression iterations (default: ${DEFAULT-VALUE}).")
        int maxIter;
        @Option(names = "--reg", defaultValue = "0.0001", description = "L2 regularisation (default: ${DEFAULT-VALUE}).")
        double reg;
        @Option(names = "--save", paramLabel = "DIR", description = "Save the fitted PipelineModel (zoo transformer, indexer, probe).")
        String save;

        @Override
        public Integer call() {
            if (!(testFraction > 0 && testFraction < 1)) throw new ZooException("--test-fraction must be between 0 and 1, got " + testFraction);
            ModelRequest source = modelOptions.request().check(ShippedFiles.WEIGHTS_REQUIRED);
            SparkSession spark = job.session("probe");
            ImageTables.requireExists(spark, dir);
            ModelRequest shipped = job.ship(spark, source);
            ZooTransformer zoo = new ZooTransformer().setModel(shipped.model()).setSpec(shipped.spec())
                    .setModelFile(shipped.modelFile()).setWeights(shipped.weights()).setPretrained(shipped.pretrained())
                    .setNumClasses(shipped.numClasses()).setBatchSize(job.batchSize).setPredictionsCol("");
            Dataset<Row> images = ImageTables.spread(ImageTables.labelledImageFiles(spark, dir), job.partitions(spark));
            Dataset<Row>[] split = images.randomSplit(new double[]{1 - testFraction, testFraction}, seed);
            long t0 = System.nanoTime();
            PipelineModel model = LinearProbe.pipeline(zoo, maxIter, reg).fit(split[0]);
            double fitSeconds = (System.nanoTime() - t0) / 1e9;
            LogisticRegressionModel lr = (LogisticRegressionModel) model.stages()[model.stages().length - 1];
            Dataset<Row> tested = model.transform(split[1]).cache();
            double accuracy = new MulticlassClassificationEvaluator().setLabelCol("labelIndex").setMetricName("accuracy").evaluate(tested);
            long tests = tested.count();
            String[] classes = ((org.apache.spark.ml.feature.StringIndexerModel) model.stages()[0]).labelsArray()[0];
            System.out.printf(Locale.ROOT, "classes: %d (%s)%n", classes.length, String.join(", ", classes));
            System.out.printf(Locale.ROOT, "train accuracy: %.4f (fitted in %.1f s)%n", lr.summary().accuracy(), fitSeconds);
            System.out.printf(Locale.ROOT, "test accuracy:  %.4f on %d held-out images%n", accuracy, tests);
            if (save != null) {
                try {
                    model.write().save(save);
                } catch (IOException e) {
                    throw new ZooException("cannot save the pipeline to " + save + ": " + e.getMessage(), e);
                }
                System.out.println("pipeline saved: " + save);
            }
            return 0;
        }
    }
}
