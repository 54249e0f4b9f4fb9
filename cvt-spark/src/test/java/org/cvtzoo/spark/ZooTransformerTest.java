package org.cvtzoo.spark;

import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.ImageException;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.ModelFile;
import org.cvtzoo.zoo.Prediction;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.explain.Explainer;
import org.cvtzoo.zoo.explain.Method;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The transformer on local[2] against the single-machine VisionModel on the same files. */
class ZooTransformerTest {
    private static final double TOL = 1e-6;

    @TempDir
    static Path tmp;
    static Path folder;
    static SparkSession spark;
    static VisionModel reference;

    @BeforeAll
    static void setUp() throws Exception {
        spark = TestData.spark();
        folder = TestData.mixedFolder(tmp.resolve("images"));
        reference = TestData.tinyModel();
    }

    /** What VisionModel gives for one file, image by image; null where the file cannot be read. */
    record Expected(INDArray logits, INDArray features, Prediction top) {
    }

    static Map<String, Expected> expected(List<Path> files, int k) {
        Map<String, Expected> out = new HashMap<>();
        for (Path f : files) {
            RgbImage image;
            try {
                image = Images.read(f);
            } catch (ImageException e) {
                out.put(f.getFileName().toString(), null);
                continue;
            }
            VisionModel.Output o = reference.forward(reference.preprocess(List.of(image)));
            out.put(f.getFileName().toString(), new Expected(o.logits().getRow(0), o.features().getRow(0),
                    reference.predictions(o.logits(), k).get(0)));
        }
        return out;
    }

    static List<Path> imageFiles() throws Exception {
        try (Stream<Path> s = Files.walk(folder)) {
            return s.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".md")).sorted().toList();
        }
    }

    static void assertClose(INDArray want, Vector got, String what) {
        double[] g = got.toArray(), w = want.toDoubleVector();
        assertEquals(w.length, g.length, what);
        for (int i = 0; i < w.length; i++) assertEquals(w[i], g[i], TOL, what + "[" + i + "]");
    }

    static String fileName(Row r) {
        String p = r.getString(r.fieldIndex("path"));
        return p.substring(p.lastIndexOf('/') + 1);
    }

    @Test
    void predictionsLogitsAndFeaturesEqualVisionModelAcrossPartitionsWithBrokenFiles() throws Exception {
        Path weights = Files.copy(TestData.TINY_WEIGHTS, tmp.resolve("parity.pth")); // a model no other test loaded
        int loadsBefore = ModelCache.loads();
        ZooTransformer t = new ZooTransformer().setSpec(TestData.TINY_SPEC.toString()).setWeights(weights.toString())
                .setBatchSize(3).setTopK(3).setLogitsCol("logits");
        Dataset<Row> in = ImageTables.spread(ImageTables.imageFiles(spark, folder.toString()), 4);
        Dataset<Row> out = t.transform(in);
        assertEquals(4, out.rdd().getNumPartitions());
        List<Row> rows = out.drop("content").collectAsList();

        List<Path> files = imageFiles();
        Map<String, Expected> want = expected(files, 3);
        assertEquals(files.size(), rows.size(), "one row per image file, README.md left out");
        assertEquals(12, rows.size());
        int good = 0;
        for (Row r : rows) {
            String name = fileName(r);
            Expected e = want.get(name);
            assertTrue(want.containsKey(name), name);
            if (e == null) {
                String error = r.getString(r.fieldIndex("error"));
                assertNotNull(error, name + " should have an error");
                assertTrue(error.contains(name), error);
                assertTrue(r.isNullAt(r.fieldIndex("predictions")) && r.isNullAt(r.fieldIndex("logits"))
                        && r.isNullAt(r.fieldIndex("features")), name);
                continue;
            }
            good++;
            assertNull(r.get(r.fieldIndex("error")), name);
            assertClose(e.logits(), r.getAs("logits"), name + " logits");
            assertClose(e.features(), r.getAs("features"), name + " features");
            List<Row> labels = r.getList(r.fieldIndex("predictions"));
            assertEquals(3, labels.size());
            for (int i = 0; i < 3; i++) {
                Prediction.Label l = e.top().top().get(i);
                assertEquals(l.index(), labels.get(i).getInt(0), name);
                assertEquals(l.name(), labels.get(i).getString(1), name);
                assertEquals(l.probability(), labels.get(i).getDouble(2), TOL, name);
            }
        }
        assertEquals(9, good, "6 photographs and 3 drawn PNGs");
        Map<String, String> errors = new HashMap<>();
        rows.stream().filter(r -> !r.isNullAt(r.fieldIndex("error"))).forEach(r -> errors.put(fileName(r), r.getString(r.fieldIndex("error"))));
        assertEquals(Map.of("empty.jpg", "", "not_an_image.png", "", "rocket_truncated.jpg", "").keySet(), errors.keySet());
        assertTrue(errors.get("empty.jpg").contains("empty file"), errors.get("empty.jpg"));
        assertTrue(errors.get("rocket_truncated.jpg").contains("truncated"), errors.get("rocket_truncated.jpg"));
        assertEquals(loadsBefore + 1, ModelCache.loads(), "loaded once in this JVM: the driver's check and both tasks share it");
    }

    @Test
    void imageSourceStructGivesWhatTheFileBytesGive() throws Exception {
        // Spark decodes these itself (ImageIO); for 8-bit RGB PNGs that is the same pixels as Images.decode
        Path pngs = tmp.resolve("pngs");
        Files.createDirectories(pngs);
        for (String f : new String[]{"drawn0.png", "drawn1.png", "drawn2.png"}) Files.copy(folder.resolve("sub").resolve(f), pngs.resolve(f));
        Files.copy(TestData.PHOTOS.resolve("not_an_image.png"), pngs.resolve("not_an_image.png"));
        Dataset<Row> structs = spark.read().format("image").option("dropInvalid", false).load(pngs.toString());
        Dataset<Row> out = new ZooTransformer().setInputCol("image").setSpec(TestData.TINY_SPEC.toString())
                .setWeights(TestData.TINY_WEIGHTS.toString()).setBatchSize(2).transform(structs.repartition(2));
        Map<String, Expected> want = expected(List.of(pngs.resolve("drawn0.png"), pngs.resolve("drawn1.png"), pngs.resolve("drawn2.png")), 5);
        List<Row> rows = out.collectAsList();
        assertEquals(4, rows.size());
        for (Row r : rows) {
            String origin = r.getStruct(r.fieldIndex("image")).getString(0);
            String name = origin.substring(origin.lastIndexOf('/') + 1);
            if (name.equals("not_an_image.png")) {
                assertTrue(r.getString(r.fieldIndex("error")).contains("could not decode"), r.getString(r.fieldIndex("error")));
                assertTrue(r.isNullAt(r.fieldIndex("features")));
                continue;
            }
            assertNull(r.get(r.fieldIndex("error")), name);
            assertClose(want.get(name).features(), r.getAs("features"), name);
        }
    }

    @Test
    void shippedModelFileFoundByItsNameGivesTheSameResults() throws Exception {
        // a model file (spec, weights, class names) sent with the job, named by its file name only
        Path file = tmp.resolve("shipped-tiny.safetensors");
        ModelFile.save(reference.withClassNames(List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")), file);
        spark.sparkContext().addFile(file.toString());
        Dataset<Row> in = ImageTables.imageFiles(spark, folder.toString()).where("path like '%drawn%'");
        List<Row> rows = new ZooTransformer().setModelFile("shipped-tiny.safetensors").setTopK(1).transform(in).collectAsList();
        Map<String, Expected> want = expected(List.of(folder.resolve("sub/drawn0.png"), folder.resolve("sub/drawn1.png"),
                folder.resolve("sub/drawn2.png")), 1);
        assertEquals(3, rows.size());
        for (Row r : rows) {
            Expected e = want.get(fileName(r));
            assertClose(e.features(), r.getAs("features"), fileName(r));
            Row best = (Row) r.getList(r.fieldIndex("predictions")).get(0);
            assertEquals("abcdefghij".substring(e.top().best().index(), e.top().best().index() + 1), best.getString(1));
        }
    }

    /** Each good row's map is Explainer's for that image alone; the class is the predicted one, or the one asked. */
    @Test
    void explanationColumnEqualsTheExplainerImageByImage() throws Exception {
        Dataset<Row> in = ImageTables.spread(ImageTables.imageFiles(spark, folder.toString()).where("path like '%drawn%' or path like '%horse%' or path like '%empty%'"), 2);
        ZooTransformer t = new ZooTransformer().setSpec(TestData.TINY_SPEC.toString()).setWeights(TestData.TINY_WEIGHTS.toString())
                .setBatchSize(2).setPredictionsCol("").setFeaturesCol("").setExplainCol("explanation");
        for (String asked : new String[]{"top", "3"}) {
            List<Row> rows = t.copy(new org.apache.spark.ml.param.ParamMap()).setExplainClass(asked).transform(in).drop("content").collectAsList();
            assertEquals(5, rows.size());
            int good = 0;
            for (Row r : rows) {
                String name = fileName(r);
                if (name.equals("empty.jpg")) {
                    assertTrue(r.isNullAt(r.fieldIndex("explanation")) && !r.isNullAt(r.fieldIndex("error")), name);
                    continue;
                }
                good++;
                Explainer.Explanation want = Explainer.of(reference).explain(List.of(Images.read(Path.of(java.net.URI.create(r.getString(r.fieldIndex("path")))))),
                        Method.GRADCAM, asked.equals("top") ? null : List.of(asked));
                Row e = r.getStruct(r.fieldIndex("explanation"));
                int cls = want.classes()[0];
                assertEquals(asked.equals("top") ? reference.predictions(want.logits(), 1).get(0).best().index() : 3, cls, name);
                assertEquals(cls, e.getInt(0), name);
                assertEquals(reference.classNames().get(cls), e.getString(1), name);
                List<List<Float>> map = e.getList(2).stream().map(row -> ((scala.collection.Seq<?>) row)).map(seq ->
                        scala.jdk.javaapi.CollectionConverters.asJava(seq).stream().map(v -> (Float) v).toList()).toList();
                INDArray ref = want.maps().get(NDArrayIndex.point(0));
                assertEquals(ref.size(0), map.size(), name + " rows");
                double scale = Transforms.abs(ref).maxNumber().doubleValue();
                assertTrue(scale > 0, name + ": an all-zero map would check nothing");
                for (int y = 0; y < map.size(); y++) {
                    assertEquals(ref.size(1), map.get(y).size(), name + " columns");
                    for (int x = 0; x < map.get(y).size(); x++) {
                        assertEquals(ref.getDouble(y, x), map.get(y).get(x), 1e-5 * scale, name + " map[" + y + "][" + x + "]");
                    }
                }
            }
            assertEquals(4, good);
        }
    }

    @Test
    void undefinedExplanationsAreOneErrorOnTheDriver() {
        Dataset<Row> in = ImageTables.imageFiles(spark, folder.toString());
        long jobsBefore = spark.sparkContext().statusTracker().getJobIdsForGroup(null).length;
        ZooTransformer t = new ZooTransformer().setSpec(TestData.TINY_SPEC.toString()).setWeights(TestData.TINY_WEIGHTS.toString())
                .setExplainCol("explanation");
        assertTrue(assertThrows(ZooException.class, () -> t.copy(new org.apache.spark.ml.param.ParamMap()).setExplainMethod("rollout").transform(in))
                .getMessage().startsWith("rollout is not defined for CvT"));
        assertTrue(assertThrows(ZooException.class, () -> t.copy(new org.apache.spark.ml.param.ParamMap()).setExplainMethod("saliency").transform(in))
                .getMessage().startsWith("unknown explanation method 'saliency'"));
        assertTrue(assertThrows(ZooException.class, () -> t.copy(new org.apache.spark.ml.param.ParamMap()).setExplainClass("zebra").transform(in))
                .getMessage().startsWith("unknown class 'zebra'"));
        assertEquals(jobsBefore, spark.sparkContext().statusTracker().getJobIdsForGroup(null).length, "no Spark job ran");
    }

    @Test
    void badModelFailsOnceOnTheDriverBeforeAnyTask() {
        Dataset<Row> in = ImageTables.imageFiles(spark, folder.toString());
        long jobsBefore = spark.sparkContext().statusTracker().getJobIdsForGroup(null).length;
        ZooException e = assertThrows(ZooException.class, () -> new ZooTransformer().setSpec(TestData.TINY_SPEC.toString())
                .setWeights("/no/such/weights.pth").transform(in));
        assertTrue(e.getMessage().startsWith("cannot load the model") && e.getMessage().contains("/no/such/weights.pth"), e.getMessage());
        // the checkpoint of another model: one error, naming the problem
        ZooException wrong = assertThrows(ZooException.class, () -> new ZooTransformer().setModel("vit-ti16")
                .setWeights(TestData.TINY_WEIGHTS.toString()).transform(in));
        assertTrue(wrong.getMessage().startsWith("cannot load the model vit-ti16"), wrong.getMessage());
        assertEquals(jobsBefore, spark.sparkContext().statusTracker().getJobIdsForGroup(null).length, "no Spark job ran");
    }

    @Test
    void badParamsAndColumnsAreClearErrors() {
        Dataset<Row> in = ImageTables.imageFiles(spark, folder.toString());
        ZooTransformer ok = new ZooTransformer().setSpec(TestData.TINY_SPEC.toString()).setWeights(TestData.TINY_WEIGHTS.toString());
        assertEquals("input column 'pixels' is not in the data (columns: path, modificationTime, length, content)",
                assertThrows(ZooException.class, () -> ok.copy(new org.apache.spark.ml.param.ParamMap()).setInputCol("pixels").transform(in)).getMessage());
        assertTrue(assertThrows(ZooException.class, () -> ok.copy(new org.apache.spark.ml.param.ParamMap()).setInputCol("path").transform(in))
                .getMessage().startsWith("input column 'path' is string: expected binary"));
        assertTrue(assertThrows(ZooException.class, () -> ok.copy(new org.apache.spark.ml.param.ParamMap()).setFeaturesCol("length").transform(in))
                .getMessage().startsWith("featuresCol 'length' is already a column"));
        assertTrue(assertThrows(ZooException.class, () -> new ZooTransformer().setModel("cvt-13").transform(in))
                .getMessage().contains("random weights would differ on every executor"));
        assertTrue(assertThrows(ZooException.class, () -> new ZooTransformer().setModel("no-such-model").setWeights("w.pth").transform(in))
                .getMessage().contains("unknown model 'no-such-model'"));
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> new ZooTransformer().setBatchSize(0));
        assertTrue(bad.getMessage().contains("batchSize given invalid value 0"), bad.getMessage());
    }
}
