package org.cvtzoo.serve;

import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;

import java.nio.file.Path;

/** The tests' model: a CvT of 99k parameters (10 classes) at 64x64, random weights. */
final class Tiny {
    static final Path SPEC = Path.of("src", "test", "resources", "tiny-cvt-64.json");
    static final Path IMAGES = Path.of("..", "cvt-core", "src", "test", "resources", "image");

    private Tiny() {
    }

    static VisionModel model() {
        return new VisionModel(Zoo.architecture(SPEC, null));
    }
}
