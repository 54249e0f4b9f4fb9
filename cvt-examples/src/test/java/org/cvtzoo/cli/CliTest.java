package org.cvtzoo.cli;

import org.cvtzoo.core.weights.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bin/cvt as a user runs it: the predict command end to end, and every kind of bad input. */
class CliTest {
    static final Path FIXTURES = Path.of("..", "cvt-zoo", "src", "test", "resources", "fixtures");
    static final Path TINY = FIXTURES.resolve("cvt_tiny");

    @TempDir
    Path tmp;

    @RegisterExtension
    final CliRun cli = new CliRun();

    private int cvt(Object... args) {
        return cli.run(args);
    }

    private String stderr() {
        return cli.stderr();
    }

    private String stdout() {
        return cli.stdout();
    }

    /** Exit status 2, one {@code error:} line naming the problem, no stack trace, no output file. */
    private void assertUserError(int status, Path output, String... fragments) {
        cli.assertUserError(status, output, fragments);
    }

    private List<Object> predict(Path weights, Path input, Path logitsOut) {
        return new ArrayList<>(List.of("predict", "--spec", TINY.resolve("spec.json"), "--weights", weights,
                "--input", input, "--logits-out", logitsOut));
    }

    @Test
    void predictWritesReferenceLogitsAndFeatures() {
        Path logits = tmp.resolve("logits.npy"), features = tmp.resolve("features.npy");
        List<Object> args = predict(TINY.resolve("model.pth"), TINY.resolve("input.npy"), logits);
        Path attention = tmp.resolve("attention.npy");
        args.addAll(List.of("--features-out", features, "--attention-out", attention, "--batch-size", "1"));
        assertEquals(0, cvt(args.toArray()), stderr());
        assertTrue(relativeError(Npy.read(attention), Npy.read(TINY.resolve("attention.npy"))) <= 1e-4);
        assertTrue(relativeError(Npy.read(logits), Npy.read(TINY.resolve("logits.npy"))) <= 1e-4);
        assertTrue(relativeError(Npy.read(features), Npy.read(TINY.resolve("features.npy"))) <= 1e-4);
        assertEquals(DataType.FLOAT, Npy.read(logits).dataType());
    }

    @Test
    void truncatedPthIsAnError() throws IOException {
        Path bad = tmp.resolve("model.pth");
        byte[] all = Files.readAllBytes(TINY.resolve("model.pth"));
        Files.write(bad, Arrays.copyOf(all, all.length / 2));
        Path o = tmp.resolve("o.npy");
        assertUserError(cvt(predict(bad, TINY.resolve("input.npy"), o).toArray()), o, "model.pth");
    }

    @Test
    void corruptSafetensorsIsAnError() throws IOException {
        Path bad = tmp.resolve("model.safetensors");
        byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1000],\"data_offsets\":[0,4000]}}".getBytes(StandardCharsets.UTF_8);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + header.length + 16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        Files.write(bad, b.array());
        Path o = tmp.resolve("o.npy");
        assertUserError(cvt(predict(bad, TINY.resolve("input.npy"), o).toArray()), o, "model.safetensors");
    }

    @Test
    void randomBytesAreNotACheckpoint() throws IOException {
        Path bad = tmp.resolve("weights.bin");
        byte[] junk = new byte[4096];
        new java.util.Random(1).nextBytes(junk);
        Files.write(bad, junk);
        Path o = tmp.resolve("o.npy");
        assertUserError(cvt(predict(bad, TINY.resolve("input.npy"), o).toArray()), o, "weights.bin");
    }

    @Test
    void checkpointOfAnotherModelNamesTheMismatch() {
        Path o = tmp.resolve("o.npy");
        Path other = FIXTURES.resolve("cvt_avg_nonsquare").resolve("model.pth");
        // cvt_avg_nonsquare has avg projections (no conv_proj weights) and 7 classes
        assertUserError(cvt(predict(other, TINY.resolve("input.npy"), o).toArray()), o,
                "does not fit", "missing", "conv_proj_q.conv.weight", "wrong shape", "head.weight");
    }

    @Test
    void inputOfWrongRankChannelsOrDtypeIsAnError() {
        Path o = tmp.resolve("o.npy");
        Path rank3 = tmp.resolve("rank3.npy");
        Npy.write(rank3, Nd4j.rand(DataType.FLOAT, 3, 64, 64));
        assertUserError(cvt(predict(TINY.resolve("model.pth"), rank3, o).toArray()), o, "rank3.npy", "rank 3");
        Path channels = tmp.resolve("gray.npy");
        Npy.write(channels, Nd4j.rand(DataType.FLOAT, 2, 1, 64, 64));
        assertUserError(cvt(predict(TINY.resolve("model.pth"), channels, o).toArray()), o, "gray.npy", "1 channels");
        // float64 input: the reference fixtures' logits.npy is float64 [2, 10]
        assertUserError(cvt(predict(TINY.resolve("model.pth"), TINY.resolve("logits.npy"), o).toArray()), o,
                "logits.npy", "float64");
    }

    @Test
    void inputTooSmallForTheModelIsAnError() {
        Path o = tmp.resolve("o.npy");
        Path small = tmp.resolve("small.npy");
        Npy.write(small, Nd4j.rand(DataType.FLOAT, 1, 3, 2, 2));
        assertUserError(cvt(predict(TINY.resolve("model.pth"), small, o).toArray()), o, "2x2", "too small");
    }

    @Test
    void missingFilesAreNamed() {
        Path o = tmp.resolve("o.npy");
        Path nowhere = tmp.resolve("nowhere.pth");
        assertUserError(cvt(predict(nowhere, TINY.resolve("input.npy"), o).toArray()), o, "nowhere.pth");
        Path noInput = tmp.resolve("noinput.npy");
        assertUserError(cvt(predict(TINY.resolve("model.pth"), noInput, o).toArray()), o, "noinput.npy");
        assertUserError(cvt("predict", "--spec", tmp.resolve("nospec.yaml"), "--weights", TINY.resolve("model.pth"),
                "--input", TINY.resolve("input.npy"), "--logits-out", o), o, "nospec.yaml");
    }

    @Test
    void badSpecsAreNamed() throws IOException {
        String spec = Files.readString(TINY.resolve("spec.json"));
        Path o = tmp.resolve("o.npy");
        Path unknownMethod = tmp.resolve("method.json");
        Files.writeString(unknownMethod, spec.replaceFirst("\"dw_bn\"", "\"conv_bn\""));
        assertUserError(cvt("predict", "--spec", unknownMethod, "--weights", TINY.resolve("model.pth"),
                "--input", TINY.resolve("input.npy"), "--logits-out", o), o, "method.json", "conv_bn", "QKV_PROJ_METHOD");
        Path shortList = tmp.resolve("lists.json");
        Files.writeString(shortList, spec.replaceFirst("\"DEPTH\": \\[\\s*1,", "\"DEPTH\": ["));
        assertUserError(cvt("predict", "--spec", shortList, "--weights", TINY.resolve("model.pth"),
                "--input", TINY.resolve("input.npy"), "--logits-out", o), o, "lists.json", "DEPTH", "2 entries", "NUM_STAGES is 3");
        Path notYaml = tmp.resolve("broken.yaml");
        Files.writeString(notYaml, "MODEL: [unclosed\n  SPEC: {");
        assertUserError(cvt("predict", "--spec", notYaml, "--weights", TINY.resolve("model.pth"),
                "--input", TINY.resolve("input.npy"), "--logits-out", o), o, "broken.yaml");
    }

    @Test
    void usageErrorsExitWithTwo() {
        assertUserError(cvt("predict", "--weights", TINY.resolve("model.pth"), "--input", TINY.resolve("input.npy")), null, "--model", "--spec");
        assertUserError(cvt("predict", "--model", "cvt-99", "--weights", TINY.resolve("model.pth"),
                "--input", TINY.resolve("input.npy")), null, "unknown model 'cvt-99'");
    }


    /** The help names the three families, and each command's line in its list is a whole sentence. */
    @Test
    void helpNamesTheFamiliesAndSummariesAreWholeSentences() {
        assertEquals(0, cvt("--help"));
        String help = stdout();
        assertTrue(help.contains("CvT, ViT and PatchConvNet"), help);
        List<String> cut = new ArrayList<>();
        new picocli.CommandLine(new Main()).getSubcommands().forEach((name, sub) -> {
            String[] d = sub.getCommandSpec().usageMessage().description();
            if (d.length == 0 || !d[0].strip().endsWith(".")) cut.add(name + ": " + (d.length == 0 ? "(none)" : d[0]));
            // the list shows the first line only (wrapped to the terminal): the summary, not a sentence's beginning
            assertTrue(help.replaceAll("\\s+", " ").contains(d[0]), name + " in\n" + help);
        });
        assertEquals(List.of(), cut);
    }
    @Test
    void verboseAddsTheStackTrace() throws IOException {
        Path bad = tmp.resolve("model.pth");
        Files.write(bad, new byte[]{'P', 'K', 3, 4, 0, 0});
        int status = cvt("predict", "--verbose", "--spec", TINY.resolve("spec.json"), "--weights", bad,
                "--input", TINY.resolve("input.npy"));
        assertEquals(2, status);
        assertTrue(stderr().startsWith("error: "));
        assertTrue(stderr().contains("\tat "), "--verbose shows the stack trace");
    }

    @Test
    void existingOutputSurvivesAFailedRun() throws IOException {
        Path o = tmp.resolve("keep.npy");
        Files.writeString(o, "previous result");
        Path bad = tmp.resolve("model.pth");
        Files.write(bad, new byte[10]);
        assertEquals(2, cvt(predict(bad, TINY.resolve("input.npy"), o).toArray()));
        assertEquals("previous result", Files.readString(o));
    }

    @Test
    void attentionOfAModelWithoutClassTokenIsAnError() {
        Path mean = FIXTURES.resolve("cvt_dwbn_meanpool");
        Path o = tmp.resolve("l.npy"), a = tmp.resolve("a.npy");
        assertUserError(cvt("predict", "--spec", mean.resolve("spec.json"), "--weights", mean.resolve("model.pth"),
                "--input", mean.resolve("input.npy"), "--logits-out", o, "--attention-out", a), o, "no attention map");
        assertFalse(Files.exists(a));
    }

    static final Path IMAGES = Path.of("..", "cvt-core", "src", "test", "resources", "image");

    /** Images in, labels out; a broken image is an error for that image and the run goes on. */
    @Test
    void classifiesImagesAndGoesOnPastABrokenOne() throws IOException {
        Path dir = tmp.resolve("photos");
        Files.createDirectories(dir.resolve("sub"));
        Files.copy(IMAGES.resolve("chelsea.png"), dir.resolve("chelsea.png"));
        Files.copy(IMAGES.resolve("rocket.jpg"), dir.resolve("sub").resolve("rocket.jpg"));
        Files.copy(IMAGES.resolve("rocket_truncated.jpg"), dir.resolve("broken.jpg"));
        Files.writeString(dir.resolve("notes.txt"), "not an image, not picked up");
        Path features = tmp.resolve("emb.npy");
        int status = cvt("predict", "--spec", TINY.resolve("spec.json"), "--weights", TINY.resolve("model.pth"),
                dir, "--top", "3", "--format", "json", "--features-out", features);
        assertEquals(2, status, "some images failed: " + stderr());
        assertTrue(stderr().contains("broken.jpg") && stderr().contains("1 of 3 images could not be read"), stderr());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(stdout());
        assertEquals(2, json.size());
        assertTrue(json.get(0).get("file").asText().endsWith("chelsea.png"));
        assertEquals(3, json.get(0).get("top").size());
        double p = 0;
        for (var l : json.get(0).get("top")) p += l.get("probability").asDouble();
        assertTrue(p > 0 && p <= 1.0 + 1e-9);
        assertArrayEquals(new long[]{2, 48}, Npy.read(features).shape());
        assertEquals(2, Files.readAllLines(tmp.resolve("emb.txt")).size());
    }

    @Test
    void csvAndTextFormats() {
        assertEquals(0, cvt("predict", "--spec", TINY.resolve("spec.json"), "--weights", TINY.resolve("model.pth"),
                IMAGES.resolve("chelsea.png"), "--format", "csv", "--top", "2"));
        String[] lines = stdout().split("\\R");
        assertEquals("file,rank,index,label,probability", lines[0]);
        assertEquals(3, lines.length);
        assertEquals(0, cvt("predict", "--spec", TINY.resolve("spec.json"), "--weights", TINY.resolve("model.pth"),
                IMAGES.resolve("chelsea.png")));
        assertTrue(stdout().contains("%  class "), stdout());
    }

    @Test
    void heatMapIsAPngOfTheCroppedImage() throws IOException {
        Path png = tmp.resolve("heat.png");
        assertEquals(0, cvt("attention", "--spec", TINY.resolve("spec.json"), "--weights", TINY.resolve("model.pth"),
                IMAGES.resolve("chelsea.png"), "--out", png), stderr());
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(png.toFile());
        assertEquals(224, img.getWidth());
        assertEquals(224, img.getHeight());
        Path bad = tmp.resolve("bad.png");
        assertUserError(cvt("attention", "--spec", TINY.resolve("spec.json"), "--weights", TINY.resolve("model.pth"),
                IMAGES.resolve("not_an_image.png"), "--out", bad), bad, "not_an_image.png");
    }

    @Test
    void pretrainedNeedsARegisteredModelAndSaysWhereToPutTheFile() {
        assertUserError(cvt("predict", "--spec", TINY.resolve("spec.json"), "--pretrained", IMAGES.resolve("chelsea.png")),
                null, "--pretrained needs --model");
        assertUserError(cvt("predict", "--model", "vit-l32", "--pretrained", IMAGES.resolve("chelsea.png")),
                null, "no official pretrained weights");
        assertTrue(stderr().contains("--weights FILE") && !stderr().contains("Zoo.load"), "the CLI's words: " + stderr());
    }

    /** An image folder to fine-tune on: {@code perClass} images in each of data/cats and data/rockets. */
    private Path imageFolder(int perClass) throws IOException {
        Path data = tmp.resolve("data");
        for (String cls : List.of("cats", "rockets")) Files.createDirectories(data.resolve(cls));
        for (int i = 0; i < perClass; i++) {
            Files.copy(IMAGES.resolve("chelsea.png"), data.resolve("cats").resolve("c" + i + ".png"));
            Files.copy(IMAGES.resolve("rocket.jpg"), data.resolve("rockets").resolve("r" + i + ".jpg"));
        }
        return data;
    }

    /** finetune on an image folder, then predict with the saved model file and its class names. */
    @Test
    void finetuneThenPredictWithTheModelFile() throws IOException {
        Path data = imageFolder(4);
        Path out = tmp.resolve("run");
        int status = cvt("finetune", "--spec", TINY.resolve("spec.json"), "--weights", TINY.resolve("model.pth"),
                "--data", data, "--val-fraction", "0.25", "--epochs", "1", "--batch", "2", "--out", out, "--train", "last:1");
        assertEquals(0, status, stderr());
        assertTrue(Files.exists(out.resolve("best.safetensors")), stderr());
        assertTrue(Files.exists(out.resolve("last.ckpt.safetensors")));
        String trained = stdout();
        assertTrue(trained.contains("epoch 1/1"), trained);
        assertTrue(trained.contains("confusion of the best model") && trained.contains("0 = cats") && trained.contains("1 = rockets"),
                trained);
        assertEquals(0, cvt("predict", "--model-file", out.resolve("best.safetensors"), IMAGES.resolve("chelsea.png"), "--top", "2"));
        String printed = stdout();
        assertTrue(printed.contains("cats") && printed.contains("rockets"), printed);
        assertUserError(cvt("predict", "--model-file", out.resolve("best.safetensors"), "--weights", TINY.resolve("model.pth"),
                IMAGES.resolve("chelsea.png")), null, "--model-file carries");
        assertUserError(cvt("finetune", "--spec", TINY.resolve("spec.json"), "--data", tmp.resolve("nothing"), "--out", out),
                null, "nothing");
    }

    /** A broken image met while training is the user's to fix: one line naming it, exit 2. */
    @Test
    void finetuneNamesABrokenImageInTheData() throws IOException {
        Path data = imageFolder(2);
        Files.copy(IMAGES.resolve("rocket_truncated.jpg"), data.resolve("rockets").resolve("broken.jpg"));
        Path out = tmp.resolve("run");
        int status = cvt("finetune", "--spec", TINY.resolve("spec.json"), "--weights", TINY.resolve("model.pth"),
                "--data", data, "--val", data, "--epochs", "1", "--batch", "5", "--out", out, "--train", "head");
        assertUserError(status, null, "broken.jpg", "truncated");
        assertEquals(1, stderr().strip().lines().count(), stderr());
    }

    /** --val must have the training classes: label k has to mean the same class in both. */
    @Test
    void finetuneRefusesAValidationFolderWithOtherClasses() throws IOException {
        Path data = imageFolder(2);
        Path val = tmp.resolve("val");
        Files.createDirectories(val.resolve("cats"));
        Files.createDirectories(val.resolve("dogs"));
        Files.copy(IMAGES.resolve("chelsea.png"), val.resolve("cats").resolve("c.png"));
        Files.copy(IMAGES.resolve("chelsea.png"), val.resolve("dogs").resolve("d.png"));
        Path out = tmp.resolve("run");
        assertUserError(cvt("finetune", "--spec", TINY.resolve("spec.json"), "--data", data, "--val", val, "--epochs", "1",
                "--batch", "2", "--out", out), out.resolve("best.safetensors"), "only in data: [rockets]", "only in val: [dogs]");
    }

    /** ND4J's inference thread thresholds (process-wide) are set for inference commands, not for training ones. */
    @Test
    void trainingCommandsKeepNd4jsThreadSettings() throws IOException {
        org.nd4j.linalg.factory.Environment env = Nd4j.getEnvironment();
        int elementwise = env.elementwiseThreshold(), tad = env.tadThreshold();
        try {
            env.setElementwiseThreshold(1024);
            env.setTadThreshold(1);
            assertEquals(0, cvt("finetune", "--spec", TINY.resolve("spec.json"), "--weights", TINY.resolve("model.pth"),
                    "--data", imageFolder(2), "--val-fraction", "0.5", "--epochs", "1", "--batch", "2", "--out", tmp.resolve("run"),
                    "--train", "head"), stderr());
            assertEquals(1024, env.elementwiseThreshold());
            assertEquals(1, env.tadThreshold());
            assertEquals(0, cvt("predict", "--spec", TINY.resolve("spec.json"), "--weights", TINY.resolve("model.pth"),
                    IMAGES.resolve("chelsea.png")), stderr());
            assertEquals(org.cvtzoo.zoo.Nd4jTuning.ELEMENTWISE_THRESHOLD, env.elementwiseThreshold());
        } finally {
            env.setElementwiseThreshold(elementwise);
            env.setTadThreshold(tad);
        }
    }

    /** An error starts its own line, whatever a progress bar left on stderr's last line. */
    @Test
    void anErrorAfterAnUnfinishedProgressBarStartsItsOwnLine() {
        cli.reset();
        new ProgressBar("batches", 4, 2).update(1);
        int status = Main.run("predict", "--spec", TINY.resolve("spec.json").toString(), "--weights", tmp.resolve("none.pth").toString(),
                IMAGES.resolve("chelsea.png").toString());
        assertEquals(2, status);
        List<String> lines = List.of(stderr().split("\n")); // (not lines(): the bar's \r would split too)
        assertTrue(lines.get(0).contains("1/4 batches") && !lines.get(0).contains("error"), stderr());
        assertTrue(lines.get(1).startsWith("error: ") && lines.get(1).contains("none.pth"), stderr());
    }

    @Test
    void modelsListsEveryVariantInOneComputeUnit() {
        assertEquals(0, cvt("models", "--sources"));
        String s = stdout();
        List<String> rows = s.lines().filter(l -> !l.startsWith(" ")).toList();
        assertTrue(rows.get(0).contains("GMACs") && rows.stream().noneMatch(r -> r.contains("FLOP")), rows.get(0));
        for (org.cvtzoo.zoo.Variant v : org.cvtzoo.zoo.Zoo.variants()) {
            assertTrue(rows.stream().anyMatch(r -> r.startsWith(v.name() + " ")), v.name() + " listed: " + s);
        }
        // cvt-13: 20M parameters, 4.5 G multiply-adds (the CvT README's "4.5 GFLOPs")
        String cvt13 = rows.stream().filter(r -> r.startsWith("cvt-13 ")).findFirst().orElseThrow();
        assertTrue(cvt13.matches(".*\\s20\\.0M\\s+4\\.50\\s.*"), cvt13);
        assertTrue(s.contains("    figures: microsoft/CvT README"), s);
    }

    @Test
    void benchTimesATinyModel() {
        assertEquals(0, cvt("bench", "--spec", TINY.resolve("spec.json"), "--batch", "1,2", "--warmup", "0", "--iters", "1"), stderr());
        String s = stdout();
        assertTrue(s.contains("batch   1: latency median") && s.contains("batch   2: latency median"), s);
        assertUserError(cvt("bench", "--spec", TINY.resolve("spec.json"), "--iters", "0"), null, "--iters");
    }

    /** A very short demo run on a made-up Fashion-MNIST (16 training images, one epoch): it trains, reports and draws. */
    @Test
    void demoRunsEndToEndOnASmallSet() throws IOException {
        Path fm = tmp.resolve("fm");
        Files.createDirectories(fm);
        idx(fm.resolve("train-images-idx3-ubyte"), fm.resolve("train-labels-idx1-ubyte"), 16);
        idx(fm.resolve("t10k-images-idx3-ubyte"), fm.resolve("t10k-labels-idx1-ubyte"), 8);
        String old = System.getProperty("cvt.fashion.dir");
        System.setProperty("cvt.fashion.dir", fm.toString());
        try {
            Path out = tmp.resolve("demo");
            assertEquals(0, cvt("demo", "--epochs", "1", "--train-size", "16", "--batch", "8", "--out", out), stderr());
            String s = stdout();
            assertTrue(s.contains("16 training / 8 test images") && s.contains("test accuracy:") && s.contains("1 epochs"), s);
            assertEquals(6, s.lines().filter(l -> l.startsWith("  #")).count(), s);
            assertTrue(Files.exists(out.resolve("best.safetensors")) && Files.exists(out.resolve("where-it-looked.png")), s);
        } finally {
            if (old == null) System.clearProperty("cvt.fashion.dir");
            else System.setProperty("cvt.fashion.dir", old);
        }
    }

    /** IDX files of n 28x28 images (a bright column whose place is the label) and their labels. */
    private static void idx(Path images, Path labels, int n) throws IOException {
        java.nio.ByteBuffer im = java.nio.ByteBuffer.allocate(16 + n * 28 * 28).putInt(0x803).putInt(n).putInt(28).putInt(28);
        java.nio.ByteBuffer lb = java.nio.ByteBuffer.allocate(8 + n).putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) {
            int label = i % 10;
            for (int y = 0; y < 28; y++) {
                for (int x = 0; x < 28; x++) im.put((byte) (x / 3 == label ? 255 : 0));
            }
            lb.put((byte) label);
        }
        Files.write(images, im.array());
        Files.write(labels, lb.array());
    }

    @Test
    void infoNamesTheBackend() {
        assertEquals(0, cvt("info"));
        String s = stdout();
        assertTrue(s.contains("backend:") && s.contains("CPU"), s);
        assertTrue(s.contains("oneDNN:"), s);
    }

    static double relativeError(INDArray got, INDArray ref) {
        INDArray g = got.castTo(DataType.DOUBLE).reshape(ref.shape()), r = ref.castTo(DataType.DOUBLE);
        return Transforms.abs(g.sub(r)).maxNumber().doubleValue() / Math.max(1, Transforms.abs(r).maxNumber().doubleValue());
    }
}
