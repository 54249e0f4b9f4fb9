package org.cvtzoo.spark;

import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Transfer learning: the transformer and MLlib's LogisticRegression in one Pipeline, saved and loaded. */
class LinearProbePipelineTest {
    @TempDir
    static Path tmp;
    static Path data;
    static SparkSession spark;

    /** Three classes of noisy images, told apart by colour: 10 each, of several sizes. */
    @BeforeAll
    static void setUp() throws Exception {
        spark = TestData.spark();
        data = tmp.resolve("labelled");
        Random r = new Random(5);
        Map<String, Integer> colours = Map.of("red", 0xc03020, "green", 0x30b040, "blue", 0x2040c0);
        for (var c : colours.entrySet()) {
            Files.createDirectories(data.resolve(c.getKey()));
            for (int i = 0; i < 10; i++) TestData.png(data.resolve(c.getKey()).resolve(i + ".png"), 24 + 4 * i, 30, c.getValue(), r);
        }
        Files.copy(TestData.PHOTOS.resolve("not_an_image.png"), data.resolve("red").resolve("broken.png"));
    }

    @Test
    void pipelineFitsSavesLoadsAndTransformsToTheSameResult() throws Exception {
        ZooTransformer zoo = new ZooTransformer().setSpec(TestData.TINY_SPEC.toString()).setWeights(TestData.TINY_WEIGHTS.toString())
                .setBatchSize(4).setPredictionsCol("");
        Dataset<Row> images = ImageTables.spread(ImageTables.labelledImageFiles(spark, data.toString()), 3);
        Dataset<Row>[] split = images.randomSplit(new double[]{0.7, 0.3}, 3);
        PipelineModel fitted = LinearProbe.pipeline(zoo, 15, 1e-4).fit(split[0]);
        Dataset<Row> tested = fitted.transform(split[1]);
        Map<String, Row> first = byPath(tested);
        assertTrue(first.size() >= 5, "held-out images: " + first.size());
        double accuracy = new MulticlassClassificationEvaluator().setLabelCol("labelIndex").setMetricName("accuracy").evaluate(tested);
        assertTrue(accuracy >= 0.8, "a linear probe tells the colours apart: accuracy " + accuracy);

        Path saved = tmp.resolve("probe-model");
        fitted.write().save(saved.toString());
        PipelineModel loaded = PipelineModel.load(saved.toString());
        Transformer stage = loaded.stages()[1];
        assertTrue(stage instanceof ZooTransformer, stage.getClass().getName());
        ZooTransformer z = (ZooTransformer) stage;
        assertEquals(zoo.uid(), z.uid());
        assertEquals(zoo.modelRequest(), z.modelRequest());
        assertEquals(4, z.getBatchSize());
        assertEquals("", z.getPredictionsCol());

        Map<String, Row> again = byPath(loaded.transform(split[1]));
        assertEquals(first.keySet(), again.keySet());
        for (String path : first.keySet()) {
            Row a = first.get(path), b = again.get(path);
            assertEquals(a.<Double>getAs("prediction"), b.<Double>getAs("prediction"), path);
            assertArrayEquals(a.<Vector>getAs("probability").toArray(), b.<Vector>getAs("probability").toArray(), 1e-12, path);
            assertArrayEquals(a.<Vector>getAs("features").toArray(), b.<Vector>getAs("features").toArray(), 0.0, path);
        }
    }

    @Test
    void probeCommandPrintsHeldOutAccuracyAndSavesThePipeline() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true));
        int status;
        try {
            status = SparkMain.run("probe", data.toString(), "--spec", TestData.TINY_SPEC.toString(), "--weights",
                    TestData.TINY_WEIGHTS.toString(), "--partitions", "2", "--max-iter", "15", "--save", tmp.resolve("cli-probe").toString());
        } finally {
            System.setOut(old);
        }
        String text = out.toString();
        assertEquals(0, status, text);
        assertTrue(text.contains("classes: 3 (") && text.contains("test accuracy:"), text);
        assertTrue(Files.isDirectory(tmp.resolve("cli-probe").resolve("stages")), text);
    }

    private static Map<String, Row> byPath(Dataset<Row> rows) {
        Map<String, Row> m = new HashMap<>();
        List<Row> all = rows.select("path", "prediction", "probability", "features").collectAsList();
        for (Row r : all) m.put(r.getString(0), r);
        return m;
    }
}
