package org.cvtzoo.spark;

import org.apache.spark.sql.SparkSession;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** The tests' Spark session, model and images: the repository's own fixtures, and PNGs made here. */
final class TestData {
    /** cvt-zoo's tiny random-weight CvT (10 classes; its spec has no TEST section: 224, centre crop). */
    static final Path TINY = Path.of("..", "cvt-zoo", "src", "test", "resources", "fixtures", "cvt_tiny").toAbsolutePath().normalize();
    static final Path TINY_SPEC = TINY.resolve("spec.json"), TINY_WEIGHTS = TINY.resolve("model.pth");
    /** cvt-core's test photographs and broken files. */
    static final Path PHOTOS = Path.of("..", "cvt-core", "src", "test", "resources", "image").toAbsolutePath().normalize();

    private static SparkSession spark;

    private TestData() {
    }

    static synchronized SparkSession spark() {
        if (spark == null) {
            spark = SparkSession.builder().master("local[2]").appName("cvt-spark tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.artifact.isolation.enabled", "false") // as SparkMain: shipped files reach SQL tasks.config("spark.sql.shuffle.partitions", "4")
                    .getOrCreate();
            spark.sparkContext().setLogLevel("WARN");
        }
        return spark;
    }

    /** The tiny model loaded here, independently of the transformer's cache. */
    static VisionModel tinyModel() {
        return VisionModel.fromCheckpoint(Zoo.architecture(TINY_SPEC, null), TINY_WEIGHTS);
    }

    /**
     * A folder of 6 photographs (PNG, JPEG, grey+alpha, CMYK JPEG), 3 PNGs drawn here, a truncated
     * JPEG, a file that is not an image, an empty file and a README that is not read.
     */
    static Path mixedFolder(Path dir) throws IOException {
        Files.createDirectories(dir.resolve("sub"));
        for (String f : new String[]{"chelsea.png", "horse.png", "rocket.jpg", "camera_320.png", "grey_alpha.png", "random_cmyk.jpg"}) {
            Files.copy(PHOTOS.resolve(f), dir.resolve(f));
        }
        Files.copy(PHOTOS.resolve("rocket_truncated.jpg"), dir.resolve("sub/rocket_truncated.jpg"));
        Files.copy(PHOTOS.resolve("not_an_image.png"), dir.resolve("not_an_image.png"));
        Files.createFile(dir.resolve("sub/empty.jpg"));
        Files.writeString(dir.resolve("README.md"), "not an image, and not named like one");
        Random r = new Random(11);
        for (int i = 0; i < 3; i++) png(dir.resolve("sub/drawn" + i + ".png"), 50 + 30 * i, 40 + 17 * i, r.nextInt(), r);
        return dir;
    }

    /** A noisy image around an RGB colour. */
    static void png(Path file, int w, int h, int rgb, Random r) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int c = 0;
                for (int s = 0; s < 24; s += 8) {
                    int v = ((rgb >> s) & 0xff) + r.nextInt(61) - 30;
                    c |= Math.max(0, Math.min(255, v)) << s;
                }
                img.setRGB(x, y, c);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }
}
