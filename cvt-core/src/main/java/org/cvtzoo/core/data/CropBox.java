package org.cvtzoo.core.data;

/**
 * A crop rectangle in image pixels, in torchvision's order {@code (i, j, h, w)}: the top row,
 * the left column, the height and the width.
 */
public record CropBox(int top, int left, int height, int width) {
    public CropBox {
        if (top < 0 || left < 0 || height <= 0 || width <= 0) {
            throw new IllegalArgumentException("bad crop box: top=" + top + " left=" + left
                    + " height=" + height + " width=" + width);
        }
    }

    /** Whether the box lies inside an image of {@code imageHeight x imageWidth}. */
    public boolean inside(int imageHeight, int imageWidth) {
        return top + height <= imageHeight && left + width <= imageWidth;
    }

    public int area() {
        return height * width;
    }
}
