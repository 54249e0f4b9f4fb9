package org.cvtzoo.zoo.datavec;

import org.bytedeco.javacpp.indexer.Indexer;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.VisionModel;
import org.datavec.api.io.labels.PathLabelGenerator;
import org.datavec.image.data.ImageWritable;
import org.datavec.image.recordreader.ImageRecordReader;
import org.datavec.image.transform.BaseImageTransform;

import java.util.Random;

import static org.bytedeco.opencv.global.opencv_core.CV_16U;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

/**
 * The model's resize and centre crop as a DataVec {@link org.datavec.image.transform.ImageTransform}:
 * each image DataVec decodes is resized and cropped exactly as {@link VisionModel#preprocess}
 * does it (Pillow's filters, torchvision's sizes and offsets), so that DataVec's reader, set to
 * the crop's size, no longer stretches it. Its output stays 8-bit BGR, DataVec's order;
 * {@link ZooPreProcessor} then normalises it. The decoded pixels are taken as the zoo reads
 * them: grey replicated, alpha dropped, 16-bit samples to their high byte (16-bit grey without
 * alpha clipped at 255, as PIL converts it).
 *
 * <p>Decoding stays DataVec's (OpenCV): PNGs give the same pixels as {@code Images.read}, JPEGs
 * may differ by a grey level where the decoders round differently, and OpenCV turns a JPEG by
 * its EXIF orientation where {@code Images.read} (as PIL's {@code Image.open}) does not.
 */
public final class ZooImageTransform extends BaseImageTransform<Mat> {
    private final EvalTransform eval;
    private final int[] size;

    public ZooImageTransform(EvalTransform eval) {
        super(null);
        this.eval = eval;
        this.size = eval.outputSize();
        if (size == null) {
            throw new ZooException("the preprocessing " + eval + " gives images of varying size (a shorter-side resize"
                    + " without a crop), which DataVec cannot batch");
        }
        this.converter = new OpenCVFrameConverter.ToMat();
    }

    /** The model's own evaluation preprocessing (its resize and crop). */
    public static ZooImageTransform of(VisionModel model) {
        if (model.eval() == null) {
            throw new ZooException("no evaluation preprocessing is known for " + model.architecture().name()
                    + "; set one with withEval(...) first");
        }
        return new ZooImageTransform(model.eval());
    }

    /**
     * DataVec's {@link ImageRecordReader} for this model: 3 channels at the size of the model's
     * preprocessing, through its resize and crop. Pair it with {@link ZooPreProcessor#of}.
     */
    public static ImageRecordReader recordReader(VisionModel model, PathLabelGenerator labels) {
        ZooImageTransform t = of(model);
        return new ImageRecordReader(t.size[0], t.size[1], 3, labels, t);
    }

    /** The {@code {height, width}} of the images it gives. */
    public int[] size() {
        return size.clone();
    }

    @Override
    protected ImageWritable doTransform(ImageWritable image, Random random) {
        if (image == null) return null;
        Mat mat = converter.convert(image.getFrame());
        RgbImage out = eval.resizeAndCrop(toRgb(mat));
        return new ImageWritable(converter.convert(toBgr(out)));
    }

    /** A decoded OpenCV image (BGR, BGRA, grey or grey + alpha; 8 or 16 bits) as the zoo's RGB. */
    static RgbImage toRgb(Mat mat) {
        int h = mat.rows(), w = mat.cols(), channels = mat.channels(), depth = mat.depth();
        if ((depth != CV_8U && depth != CV_16U) || channels < 1 || channels > 4) {
            throw new ZooException("unsupported decoded image: OpenCV depth " + depth + " with " + channels
                    + " channels (8- or 16-bit grey, BGR or BGRA are supported)");
        }
        byte[] rgb = new byte[h * w * 3];
        boolean grey = channels <= 2;
        try (Indexer idx = mat.createIndexer()) {
            long[] at = new long[3];
            for (int y = 0; y < h; y++) {
                at[0] = y;
                for (int x = 0; x < w; x++) {
                    at[1] = x;
                    for (int c = 0; c < 3; c++) {
                        at[2] = grey ? 0 : 2 - c; // BGR(A) -> RGB
                        int v = (int) idx.getDouble(at);
                        if (depth == CV_16U) v = channels == 1 ? Math.min(v, 255) : v >> 8;
                        rgb[(y * w + x) * 3 + c] = (byte) v;
                    }
                }
            }
        }
        return RgbImage.of(w, h, rgb);
    }

    /** An RGB image as an 8-bit BGR OpenCV image. */
    static Mat toBgr(RgbImage image) {
        byte[] rgb = image.toBytes();
        for (int i = 0; i < rgb.length; i += 3) {
            byte r = rgb[i];
            rgb[i] = rgb[i + 2];
            rgb[i + 2] = r;
        }
        Mat mat = new Mat(image.height(), image.width(), CV_8UC3);
        mat.data().put(rgb);
        return mat;
    }

    @Override
    public String toString() {
        return "ZooImageTransform[" + eval + "]";
    }
}
