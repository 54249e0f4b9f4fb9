package org.cvtzoo.spark;

import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.ImageException;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.core.image.RgbImage;

import java.util.List;

/**
 * The two kinds of image column the transformer reads: the bytes of an image file (Spark's
 * {@code binaryFile} source's {@code content}, or any binary column), decoded by
 * {@link Images#decode} exactly as {@code bin/cvt} decodes files; or the struct of Spark's
 * {@code image} source, whose pixels Spark already decoded (BGR, OpenCV's layout).
 */
enum ImageColumn {
    BYTES, IMAGE_STRUCT;

    private static final List<String> STRUCT_FIELDS = List.of("origin", "height", "width", "nChannels", "mode", "data");
    // OpenCV types of Spark's ImageSchema
    private static final int CV_8UC1 = 0, CV_8UC3 = 16, CV_8UC4 = 24;

    /** The kind of {@code column} in {@code schema}; a clear error where it is missing or of another type. */
    static ImageColumn of(StructType schema, String column) {
        if (!List.of(schema.fieldNames()).contains(column)) {
            throw new ZooException("input column '" + column + "' is not in the data (columns: "
                    + String.join(", ", schema.fieldNames()) + ")");
        }
        DataType t = schema.apply(column).dataType();
        if (t instanceof BinaryType) return BYTES;
        if (t instanceof StructType s && List.of(s.fieldNames()).containsAll(STRUCT_FIELDS)) return IMAGE_STRUCT;
        throw new ZooException("input column '" + column + "' is " + t.simpleString()
                + ": expected binary (image file bytes, as the binaryFile source's 'content') or the image source's struct");
    }

    /** The image of one cell; {@code name} names it in errors. Throws ImageException for a bad image. */
    RgbImage decode(Object cell, String name) {
        if (cell == null) throw new ImageException(name + ": no image (null)");
        if (this == BYTES) return Images.decode((byte[]) cell, name);
        Row r = (Row) cell;
        int h = r.getInt(r.fieldIndex("height")), w = r.getInt(r.fieldIndex("width"));
        int channels = r.getInt(r.fieldIndex("nChannels")), mode = r.getInt(r.fieldIndex("mode"));
        byte[] data = (byte[]) r.get(r.fieldIndex("data"));
        if (h <= 0 || w <= 0 || data == null || data.length == 0) {
            throw new ImageException(name + ": Spark's image source could not decode this file (an invalid image)");
        }
        if (!(mode == CV_8UC1 && channels == 1 || mode == CV_8UC3 && channels == 3 || mode == CV_8UC4 && channels == 4)
                || data.length != (long) h * w * channels) {
            throw new ImageException(name + ": unsupported image struct (mode " + mode + ", " + channels + " channels, "
                    + data.length + " bytes for " + w + "x" + h + ")");
        }
        byte[] rgb = new byte[h * w * 3];
        for (int i = 0; i < h * w; i++) {
            if (channels == 1) {
                rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = data[i];
            } else { // BGR(A) to RGB; alpha is dropped, as PIL's convert('RGB') does
                rgb[3 * i] = data[channels * i + 2];
                rgb[3 * i + 1] = data[channels * i + 1];
                rgb[3 * i + 2] = data[channels * i];
            }
        }
        return RgbImage.of(w, h, rgb);
    }

    /** The origin (path) of an image struct cell, or null. */
    static String origin(Object cell) {
        return cell instanceof Row r && !r.isNullAt(r.fieldIndex("origin")) ? r.getString(r.fieldIndex("origin")) : null;
    }
}
