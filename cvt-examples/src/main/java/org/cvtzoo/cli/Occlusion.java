package org.cvtzoo.cli;

import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.List;

/**
 * Occlusion sensitivity (Zeiler and Fergus, 2014), the demo's map of where a small model looked:
 * each {@code patch x patch} square of the image in turn is painted one colour, and the map holds
 * how much the probability of one class drops. It needs only forward passes, so it means the same
 * for any model, however coarse its attention grid.
 */
final class Occlusion {
    private Occlusion() {
    }

    /**
     * @param image      the image as the model takes it (occluded in its own pixels, before preprocessing)
     * @param classIndex the class whose probability is watched
     * @param patch      the side of the painted square, in pixels; squares tile the image (the last ones may be cut)
     * @param fill       the RGB grey level painted (e.g. 0: Fashion-MNIST's black background)
     * @return {@code [1, rows, columns]}: p(class | image) minus p(class | image with that square painted)
     */
    static INDArray map(VisionModel model, RgbImage image, int classIndex, int patch, int fill) {
        int rows = (image.height() + patch - 1) / patch, cols = (image.width() + patch - 1) / patch;
        List<RgbImage> batch = new ArrayList<>();
        batch.add(image);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) batch.add(painted(image, c * patch, r * patch, patch, fill));
        }
        INDArray probs = Transforms.softmax(model.forward(model.preprocess(batch)).logits().castTo(DataType.DOUBLE), true);
        double p = probs.getDouble(0, classIndex);
        INDArray out = Nd4j.create(DataType.DOUBLE, 1, rows, cols);
        for (int i = 0; i < rows * cols; i++) out.putScalar(0, i / cols, i % cols, p - probs.getDouble(1 + i, classIndex));
        return out;
    }

    /** {@code image} with the square at ({@code x0}, {@code y0}) painted {@code fill}. */
    static RgbImage painted(RgbImage image, int x0, int y0, int side, int fill) {
        byte[] rgb = image.toBytes();
        for (int y = y0; y < Math.min(image.height(), y0 + side); y++) {
            for (int x = x0; x < Math.min(image.width(), x0 + side); x++) {
                for (int ch = 0; ch < 3; ch++) rgb[(y * image.width() + x) * 3 + ch] = (byte) fill;
            }
        }
        return RgbImage.of(image.width(), image.height(), rgb);
    }
}
