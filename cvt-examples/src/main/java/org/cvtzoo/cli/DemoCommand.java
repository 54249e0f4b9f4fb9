package org.cvtzoo.cli;

import org.cvtzoo.core.image.HeatMap;
import org.cvtzoo.core.data.Dataset;
import org.cvtzoo.core.data.Example;
import org.cvtzoo.core.data.FashionMnist;
import org.cvtzoo.core.data.Idx;
import org.cvtzoo.core.data.IdxDataset;
import org.cvtzoo.core.data.ImageTransform;
import org.cvtzoo.core.data.TrainTransform;
import org.cvtzoo.core.image.Interpolation;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.Prediction;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.cvtzoo.zoo.spec.SpecFiles;
import org.cvtzoo.zoo.train.EpochReport;
import org.cvtzoo.zoo.train.FineTuneConfig;
import org.cvtzoo.zoo.train.Trainer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Train a small CvT on Fashion-MNIST on the CPU, report its test accuracy, classify a few test",
                "images and write an attention heat map (needs: " + org.cvtzoo.core.data.FashionMnist.APT_COMMAND + ")."})
final class DemoCommand implements Callable<Integer> {
    static final int SIZE = 28; // Fashion-MNIST's own size
    static final float[] MEAN = {0.5f, 0.5f, 0.5f}, STD = {0.5f, 0.5f, 0.5f};

    @Mixin
    Main.Common common;

    @Option(names = "--epochs", defaultValue = "4", description = "Training epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--train-size", defaultValue = "60000",
            description = "Training images used, of 60000 (default: ${DEFAULT-VALUE}).")
    int trainSize;

    @Option(names = "--batch", defaultValue = "256", description = "Batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--lr", defaultValue = "5e-3", description = "Peak learning rate of AdamW (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--label-smoothing", defaultValue = "0.1", description = "Label smoothing (default: ${DEFAULT-VALUE}).")
    double labelSmoothing;

    @Option(names = "--weight-decay", defaultValue = "0.05", description = "AdamW's weight decay (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--flip", defaultValue = "0", description = "Probability of mirroring a training image left to right (default: ${DEFAULT-VALUE}).")
    double flip;

    @Option(names = "--out", defaultValue = "target/demo", description = "Output directory (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--resume", description = "Continue an interrupted demo run from its last checkpoint.")
    boolean resume;

    @Override
    public Integer call() throws IOException {
        FashionMnist fm = FashionMnist.locate();
        Idx.Labelled trainData = fm.load(FashionMnist.Split.TRAIN), testData = fm.load(FashionMnist.Split.TEST);
        if (!(flip >= 0 && flip <= 1)) throw new Errors.UserError("--flip must be in [0, 1], got " + flip);
        ImageTransform resize = ImageTransform.resize(SIZE, SIZE, Interpolation.BICUBIC, MEAN, STD);
        ImageTransform augmented = (image, rng) -> resize.apply(rng.nextDouble() < flip ? TrainTransform.hflip(image) : image, rng);
        Dataset train = subset(new IdxDataset(trainData, flip > 0 ? augmented : resize), Math.min(trainSize, trainData.size()));
        Dataset test = IdxDataset.resized(testData, SIZE, MEAN, STD);
        Architecture arch = Zoo.architecture(SpecFiles.readResource(DemoCommand.class, "demo-cvt.yaml"), "demo-cvt.yaml", 10);
        org.nd4j.linalg.factory.Nd4j.getRandom().setSeed(7);
        VisionModel model = new VisionModel(arch).withClassNames(FashionMnist.CLASSES); // the spec's TEST: 28x28, mean/std 0.5
        System.out.printf("Fashion-MNIST from %s: %d training / %d test images at %dx%d; a CvT of %,d parameters%n", fm.dir(),
                train.size(), test.size(), SIZE, SIZE, model.parameters().parameterCount());
        long t0 = System.nanoTime();
        FineTuneConfig config = FineTuneConfig.defaults().withInputSize(SIZE, SIZE).withEpochs(epochs).withBatchSize(batch)
                .withLr(lr).withMinLr(lr * 0.01).withWarmupEpochs(0.3).withWeightDecay(weightDecay).withLabelSmoothing(labelSmoothing)
                .withClipNorm(5).withSeed(7).withOutputDir(out).withResume(resume);
        Trainer.Result r = new Trainer(model, config, new TrainingProgress()).fit(train, test);
        double minutes = (System.nanoTime() - t0) / 60e9;
        EpochReport last = r.history().get(r.history().size() - 1);
        double best = r.history().stream().mapToDouble(EpochReport::valTop1).max().orElse(Double.NaN);
        System.out.printf(Locale.ROOT, "test accuracy: %.2f%% (best epoch %.2f%%), %d epochs in %.1f min; model: %s%n",
                100 * last.valTop1(), 100 * best, r.history().size(), minutes, r.bestFile());

        VisionModel m = r.best();
        System.out.println("a few test images:");
        for (int i = 0; i < 6; i++) {
            Prediction p = m.classify(upscale(testData.images().rgb(i)), 1);
            System.out.printf(Locale.ROOT, "  #%d %-12s -> %-12s (%.1f%%)%n", i, FashionMnist.CLASSES.get(testData.label(i)),
                    p.best().name(), 100 * p.best().probability());
        }
        RgbImage shown = upscale(testData.images().rgb(0));
        INDArray map = m.attention(shown).slice(0);
        Path heat = out.resolve("attention.png");
        HeatMap.writePng(HeatMap.overlay(bigger(shown, 8), map, 0.45), heat);
        System.out.println("attention heat map of test image #0: " + heat);
        return 0;
    }

    /** The first n examples, in an order that mixes the classes (the IDX files are already shuffled). */
    private static Dataset subset(Dataset d, int n) {
        return new Dataset() {
            @Override
            public int size() {
                return n;
            }

            @Override
            public Example get(int index, Random rng) {
                return d.get(index, rng);
            }
        };
    }

    private static RgbImage upscale(RgbImage img) {
        return org.cvtzoo.core.image.Resampler.resize(img, SIZE, SIZE, org.cvtzoo.core.image.Interpolation.BICUBIC);
    }

    private static RgbImage bigger(RgbImage img, int factor) {
        return org.cvtzoo.core.image.Resampler.resize(img, img.height() * factor, img.width() * factor,
                org.cvtzoo.core.image.Interpolation.BICUBIC);
    }
}
