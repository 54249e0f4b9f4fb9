package org.cvtzoo.examples;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.cvtzoo.zoo.datavec.ZooPreProcessor;
import org.cvtzoo.zoo.train.FineTuneConfig;
import org.cvtzoo.zoo.train.Trainable;
import org.cvtzoo.zoo.train.Trainer;
import org.datavec.api.records.metadata.RecordMetaData;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.dataset.api.preprocessor.ImagePreProcessingScaler;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The DataVec example on a folder of real photographs: scikit-image's sample photographs (Debian's
 * python3-skimage; the copies cvt-core's image tests use), four crops of each, one class per
 * photograph.
 */
class DataVecFineTuneTest {
    static final Path IMAGES = Path.of("..", "cvt-core", "src", "test", "resources", "image");
    static final Path TINY = Path.of("..", "cvt-zoo", "src", "test", "resources", "fixtures", "cvt_tiny");
    static final Map<String, String> CLASSES = Map.of("cat", "chelsea.png", "rocket", "rocket.jpg", "camera", "camera_320.png");
    static final int SIZE = 64;

    @TempDir
    static Path tmp;
    static Path folder;

    /** The class folders: four crops of each photograph (a different part and size each), as PNG. */
    @BeforeAll
    static void photographs() throws IOException {
        folder = tmp.resolve("photos");
        for (Map.Entry<String, String> c : CLASSES.entrySet()) {
            Path dir = Files.createDirectories(folder.resolve(c.getKey()));
            RgbImage photo = Images.read(IMAGES.resolve(c.getValue()));
            int w = photo.width(), h = photo.height();
            int[][] boxes = {{0, 0, w * 3 / 4, h * 3 / 4}, {w / 4, h / 4, w * 3 / 4, h * 3 / 4},
                    {w / 8, 0, w * 5 / 8, h}, {0, h / 5, w, h * 3 / 5}};
            for (int i = 0; i < boxes.length; i++) {
                RgbImage crop = photo.crop(boxes[i][0], boxes[i][1], boxes[i][2], boxes[i][3]);
                ImageIO.write(toBuffered(crop), "png", dir.resolve(c.getKey() + i + ".png").toFile());
            }
        }
    }

    static BufferedImage toBuffered(RgbImage image) {
        BufferedImage b = new BufferedImage(image.width(), image.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < image.height(); y++) {
            for (int x = 0; x < image.width(); x++) {
                b.setRGB(x, y, image.get(x, y, 0) << 16 | image.get(x, y, 1) << 8 | image.get(x, y, 2));
            }
        }
        return b;
    }

    /** The tiny CvT of the parity tests, preprocessing as timm's evaluation at 64x64. */
    static VisionModel base() {
        VisionModel m = VisionModel.fromCheckpoint(Zoo.architecture(TINY.resolve("spec.json"), null), TINY.resolve("model.pth"));
        return m.withEval(EvalTransform.centerCrop(SIZE, 0.875, EvalTransform.imagenetMean(), EvalTransform.imagenetStd(), "bicubic"));
    }

    static FineTuneConfig config(Path out) {
        return FineTuneConfig.defaults().withTrainable(Trainable.ALL).withInputSize(SIZE, SIZE).withEpochs(3).withBatchSize(6)
                .withLr(2e-3).withWarmupEpochs(0).withSeed(5).withOutputDir(out);
    }

    /** DataVec (OpenCV) + ZooImageTransform + ZooPreProcessor give, for these PNGs, exactly what the zoo feeds its model. */
    @Test
    void theDataVecPipelineGivesTheModelsInput() throws IOException {
        VisionModel m = base();
        DataSetIterator it = DataVecFineTune.iterator(m, folder, 5, 1);
        int n = 0;
        while (it.hasNext()) {
            DataSet batch = it.next();
            List<RecordMetaData> meta = batch.getExampleMetaData(RecordMetaData.class);
            for (int i = 0; i < meta.size(); i++, n++) {
                INDArray zoo = m.preprocess(List.of(Images.read(Path.of(meta.get(i).getURI()))));
                INDArray dataVec = batch.getFeatures().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(i, i + 1));
                assertEquals(0.0, zoo.sub(dataVec).amaxNumber().doubleValue(), meta.get(i).getURI().toString());
            }
        }
        assertEquals(12, n);
    }

    /**
     * The same for the image kinds the zoo reads as PIL does: grey, 16-bit grey and colour, alpha,
     * grey + alpha, palette, a JPEG (OpenCV decodes; ZooImageTransform converts as Images.read).
     */
    @Test
    void everyImageKindGivesTheModelsInput() throws IOException {
        Path kinds = Files.createDirectories(tmp.resolve("kinds").resolve("all"));
        List<String> files = List.of("camera_320.png", "grey16.png", "rgb16.png", "rgba_random.png", "grey_alpha.png",
                "green_palette.png", "palette_gray.png", "noise_37x23.png", "rocket.jpg", "chelsea.png");
        for (String f : files) Files.copy(IMAGES.resolve(f), kinds.resolve(f));
        VisionModel m = base();
        DataSetIterator it = DataVecFineTune.iterator(m, kinds.getParent(), 1, 1);
        StringBuilder differ = new StringBuilder();
        int n = 0;
        while (it.hasNext()) {
            DataSet one = it.next();
            Path f = Path.of(one.getExampleMetaData(RecordMetaData.class).get(0).getURI());
            double d = m.preprocess(List.of(Images.read(f))).sub(one.getFeatures()).amaxNumber().doubleValue();
            if (d != 0) differ.append(f.getFileName()).append(": max |diff| ").append(d).append("; ");
            n++;
        }
        assertEquals(files.size(), n);
        assertEquals("", differ.toString());
    }

    /** The whole example: fine-tune, evaluate, save, reload, classify the original files: the same predictions. */
    @Test
    void classifyOnTheFilesPredictsWhatThePipelineDid() throws IOException {
        DataVecFineTune.Outcome o = DataVecFineTune.run(base(), folder, config(tmp.resolve("run")));
        assertEquals(List.of("camera", "cat", "rocket"), o.training().best().classNames(), "the iterator's labels name the classes");
        assertEquals(12, o.pipeline().size());
        assertTrue(new java.util.HashSet<>(o.pipeline().values()).size() > 1, "a model that tells the files apart: " + o.pipeline());
        assertEquals(o.pipeline(), o.classified());
        assertEquals(12, o.evaluation().getNumRowCounter());
        assertEquals(List.of("camera", "cat", "rocket"), o.evaluation().getLabelsList());
        System.out.println("DataVec example: accuracy " + o.evaluation().accuracy() + ", predictions " + o.pipeline().values());
    }

    /** DataVec's raw pixels without the preprocessor: an error that names the fix, not a silent 0%. */
    @Test
    void withoutThePreprocessorItFailsLoudly() throws IOException {
        VisionModel m = base();
        DataSetIterator raw = DataVecFineTune.iterator(m, folder, 4, 1);
        raw.setPreProcessor(null);
        ZooException e = assertThrows(ZooException.class, () -> new Trainer(m, config(tmp.resolve("raw"))).fit(raw, null));
        assertTrue(e.getMessage().contains("ZooPreProcessor.of(model)") && e.getMessage().contains("0..255"), e.getMessage());
        assertThrows(ZooException.class, () -> org.cvtzoo.zoo.train.Evaluator.evaluate(m, raw));
    }

    /** DL4J's usual ImagePreProcessingScaler: warned about, naming the fix. */
    @Test
    void theUsualScalerIsWarnedAbout() throws IOException {
        VisionModel m = base();
        DataSetIterator scaled = DataVecFineTune.iterator(m, folder, 4, 1);
        scaled.setPreProcessor(new ImagePreProcessingScaler());
        VisionModel three = new VisionModel(m.architecture().withNumClasses(3)).withEval(m.eval()); // evaluates: the trainer's checks
        String err = stderrOf(() -> org.cvtzoo.zoo.train.Evaluator.evaluate(three, scaled));
        assertTrue(err.contains("ImagePreProcessingScaler keeps DataVec's BGR") && err.contains("ZooPreProcessor.of(model)"), err);
        assertTrue(err.contains("within [0, 1]"), err);
    }

    static String stderrOf(Runnable r) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            r.run();
        } finally {
            System.setErr(old);
        }
        String s = buf.toString(StandardCharsets.UTF_8);
        old.print(s);
        return s;
    }
}
