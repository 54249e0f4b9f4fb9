package org.cvtzoo.cli;

import org.cvtzoo.core.weights.Npy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** bin/cvt explain, attention --class and finetune --multiclass as a user runs them, and their bad input. */
class ExplainCliTest {
    static final Path FIXTURES = Path.of("..", "cvt-zoo", "src", "test", "resources", "fixtures");
    static final Path CVT = FIXTURES.resolve("cvt_tiny");
    static final Path PCN = FIXTURES.resolve("pcn_tiny");
    static final Path IMAGES = Path.of("..", "cvt-core", "src", "test", "resources", "image");

    @TempDir
    Path tmp;

    @RegisterExtension
    final CliRun cli = new CliRun();

    private int cvt(Object... args) {
        return cli.run(args);
    }

    private String stdout() {
        return cli.stdout();
    }

    /** {@link CliRun#assertUserError}, and the error is a single line. */
    private void assertUserError(int status, Path output, String... fragments) {
        cli.assertUserError(status, output, fragments);
        assertEquals(1, cli.stderr().strip().lines().count(), cli.stderr());
    }

    @Test
    void gradCamWritesHeatMapsAndMaps() throws IOException {
        Path dir = tmp.resolve("maps"), maps = tmp.resolve("maps.npy");
        assertEquals(0, cvt("explain", "--spec", CVT.resolve("spec.json"), "--weights", CVT.resolve("model.pth"),
                "--method", "gradcam", "--class", "class 3", IMAGES.resolve("chelsea.png"), IMAGES.resolve("rocket.jpg"),
                "--out", dir, "--maps-out", maps), cli.stderr());
        assertTrue(Files.exists(dir.resolve("chelsea-gradcam.png")) && Files.exists(dir.resolve("rocket-gradcam.png")));
        assertArrayEquals(new long[]{2, 14, 14}, Npy.read(maps).shape()); // 224 / 16: cvt_tiny's last stage
        assertTrue(stdout().contains("for class 3"), stdout());
    }

    @Test
    void badInputIsOneLineAndExitTwo() {
        Path dir = tmp.resolve("maps");
        assertUserError(cvt("explain", "--spec", CVT.resolve("spec.json"), "--weights", CVT.resolve("model.pth"),
                "--method", "saliency", IMAGES.resolve("chelsea.png"), "--out", dir), dir, "unknown explanation method 'saliency'");
        assertUserError(cvt("explain", "--spec", CVT.resolve("spec.json"), "--weights", CVT.resolve("model.pth"),
                "--method", "gradcam", "--class", "zebra", IMAGES.resolve("chelsea.png"), "--out", dir), dir, "unknown class 'zebra'");
        assertUserError(cvt("explain", "--spec", CVT.resolve("spec.json"), "--weights", CVT.resolve("model.pth"),
                "--method", "rollout", IMAGES.resolve("chelsea.png"), "--out", dir), dir, "not defined for CvT");
        assertUserError(cvt("explain", "--spec", CVT.resolve("spec.json"), "--weights", CVT.resolve("model.pth"),
                "--method", "class-attention", IMAGES.resolve("chelsea.png"), "--out", dir), dir, "PatchConvNet");
        assertUserError(cvt("attention", "--spec", CVT.resolve("spec.json"), "--weights", CVT.resolve("model.pth"),
                "--class", "1", IMAGES.resolve("chelsea.png"), "--out", tmp.resolve("a.png")), tmp.resolve("a.png"), "per head");
    }

    @Test
    void scoreReportsTheMethodAndTheRandomBaseline() {
        assertEquals(0, cvt("explain", "--spec", PCN.resolve("spec.json"), "--weights", PCN.resolve("model.pth"),
                "--method", "class-attention", "--score", scoreFolder(), "--steps", "4"),
                cli.stderr());
        String s = stdout();
        assertTrue(s.contains("class-attention") && s.contains("random") && s.contains("deletion"), s);
        assertUserError(cvt("explain", "--spec", PCN.resolve("spec.json"), "--weights", PCN.resolve("model.pth"),
                "--method", "gradcam", "--score", scoreFolder(), "--fill", "blue"), null, "--fill must be mean or black");
    }

    private Path scoreFolder() {
        try {
            Path dir = Files.createDirectories(tmp.resolve("score"));
            if (Files.exists(dir.resolve("horse.png"))) return dir;
            Files.copy(IMAGES.resolve("chelsea.png"), dir.resolve("chelsea.png"));
            Files.copy(IMAGES.resolve("horse.png"), dir.resolve("horse.png"));
            return dir;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** finetune --multiclass: a PatchConvNet with one class token per class (attending to itself too), kept by the model file. */
    @Test
    void finetuneMulticlassKeepsItInTheModelFile() throws IOException {
        Path data = tmp.resolve("data");
        for (String cls : List.of("cats", "rockets")) Files.createDirectories(data.resolve(cls));
        for (int i = 0; i < 2; i++) {
            Files.copy(IMAGES.resolve("chelsea.png"), data.resolve("cats").resolve("c" + i + ".png"));
            Files.copy(IMAGES.resolve("rocket.jpg"), data.resolve("rockets").resolve("r" + i + ".jpg"));
        }
        Path run = tmp.resolve("run");
        assertUserError(cvt("finetune", "--spec", CVT.resolve("spec.json"), "--weights", CVT.resolve("model.pth"),
                "--data", data, "--val", data, "--epochs", "1", "--out", run, "--multiclass"), null, "PatchConvNet");
        assertEquals(0, cvt("finetune", "--spec", PCN.resolve("spec.json"), "--weights", PCN.resolve("model.pth"),
                "--data", data, "--val", data, "--epochs", "1", "--batch", "2", "--lr", "1e-4", "--out", run, "--multiclass"),
                cli.stderr());
        Path model = run.resolve("best.safetensors");
        var spec = (org.cvtzoo.zoo.pcn.PatchConvNetSpec) org.cvtzoo.zoo.ModelFile.load(model).architecture().spec();
        assertTrue(spec.multiclass() && spec.attendOwnToken(), spec.toString()); // each class token attends to itself, as the one did
        Path png = tmp.resolve("rockets.png"), maps = tmp.resolve("m.npy");
        assertEquals(0, cvt("attention", "--model-file", model, "--class", "rockets", IMAGES.resolve("rocket.jpg"), "--out", png),
                cli.stderr());
        assertTrue(Files.exists(png));
        assertEquals(0, cvt("explain", "--model-file", model, "--method", "class-attention", "--class", "cats",
                IMAGES.resolve("rocket.jpg"), "--maps-out", maps), cli.stderr());
        assertArrayEquals(new long[]{1, 14, 14}, Npy.read(maps).shape());
        assertTrue(stdout().contains("for cats"), stdout());
    }
}
