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
import org.nd4j.linalg.ops.transforms.Transforms;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Train a small CvT on Fashion-MNIST on the CPU and classify a few test images with it.",
                "Reports the test accuracy and draws where the model looked in OUT/where-it-looked.png",
                "(needs: " + org.cvtzoo.core.data.FashionMnist.APT_COMMAND + ")."})
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

    @Option(names = "--lr", defaultValue = "3.5e-3", description = "Peak learning rate of AdamW (default: ${DEFAULT-VALUE}).")
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
        Architecture arch = Zoo.architecture(SpecFiles.readResource(Zoo.class, "/org/cvtzoo/zoo/cvt/demo-cvt.yaml"), "demo-cvt.yaml", 10);
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
        Path heat = out.resolve("where-it-looked.png");
        HeatMap.writePng(whereItLooked(m, testData, 4), heat);
        System.out.println("where the model looked in test images #0-#3 (class-token attention, occlusion): " + heat);
        return 0;
    }

    static final int OCCLUSION_PATCH = 4, TILE = SIZE * 7;

    /**
     * A row per test image: the image as the model saw it (28x28, enlarged without smoothing), the
     * last stage's class-token attention (a 2x2 grid of keys for the demo model, drawn as 2x2
     * blocks: all the detail it has), and occlusion sensitivity over 4x4-pixel squares (the first
     * stage's token grid), which says where the prediction came from at a finer scale.
     */
    static BufferedImage whereItLooked(VisionModel m, Idx.Labelled data, int images) {
        String header = "Where the demo CvT looked in " + images + " Fashion-MNIST test images (blue low, red high; each map "
                + "scaled to its own range). Left: the image (28x28). Middle: the last stage's class-token attention, mean "
                + "of its heads, one block per key of its grid. Right: how much p(predicted class) drops when a "
                + OCCLUSION_PATCH + "x" + OCCLUSION_PATCH + " square is blacked out (occlusion; a rise counts as no drop).";
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        int pad = 6, line = 16, width = pad + 3 * (TILE + pad);
        List<String> lines = wrap(header, new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB).createGraphics().getFontMetrics(font),
                width - 2 * pad);
        int top = pad + lines.size() * line + pad, rowH = TILE + 2 * line + pad;
        BufferedImage fig = new BufferedImage(width, top + images * rowH, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = fig.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, fig.getWidth(), fig.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(font);
        for (int i = 0; i < lines.size(); i++) g.drawString(lines.get(i), pad, pad + (i + 1) * line - 4);
        for (int i = 0; i < images; i++) {
            RgbImage img = upscale(data.images().rgb(i)), big = bigger(img, TILE / SIZE);
            Prediction.Label best = m.classify(img, 1).best();
            INDArray attention = m.attention(img).slice(0);
            INDArray occlusion = Transforms.max(Occlusion.map(m, img, best.index(), OCCLUSION_PATCH, 0), 0.0, false);
            int y = top + i * rowH;
            g.drawImage(HeatMap.overlayBlocks(big, attention, 0), pad, y, null); // no heat: the image alone
            g.drawImage(HeatMap.overlayBlocks(big, attention, 0.5), pad + TILE + pad, y, null);
            g.drawImage(HeatMap.overlayBlocks(big, occlusion, 0.5), pad + 2 * (TILE + pad), y, null);
            g.drawString("#" + i + ": " + FashionMnist.CLASSES.get(data.label(i)), pad, y + TILE + line - 2);
            g.drawString(String.format(Locale.ROOT, "predicted %s, %.0f%%", best.name(), 100 * best.probability()),
                    pad, y + TILE + 2 * line - 4);
            g.drawString(String.format(Locale.ROOT, "%dx%d keys, %d heads", attention.size(2), attention.size(1),
                    attention.size(0)), pad + TILE + pad, y + TILE + line - 2);
            g.drawString(String.format(Locale.ROOT, "largest drop %.2f", occlusion.maxNumber().doubleValue()),
                    pad + 2 * (TILE + pad), y + TILE + line - 2);
        }
        g.dispose();
        return fig;
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

    private static List<String> wrap(String text, FontMetrics fm, int width) {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            if (!line.isEmpty() && fm.stringWidth(line + " " + word) > width) {
                out.add(line.toString());
                line.setLength(0);
            }
            line.append(line.isEmpty() ? "" : " ").append(word);
        }
        out.add(line.toString());
        return out;
    }

    /** Enlarged without smoothing: the model's own pixels. */
    private static RgbImage bigger(RgbImage img, int factor) {
        byte[] rgb = new byte[img.width() * factor * img.height() * factor * 3];
        int w = img.width() * factor;
        for (int y = 0; y < img.height() * factor; y++) {
            for (int x = 0; x < w; x++) {
                for (int c = 0; c < 3; c++) rgb[(y * w + x) * 3 + c] = (byte) img.get(x / factor, y / factor, c);
            }
        }
        return RgbImage.of(w, img.height() * factor, rgb);
    }
}
