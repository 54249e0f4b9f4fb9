package org.cvtzoo.core.image;

/**
 * torchvision's evaluation transforms on PIL images ({@code Resize}, {@code CenterCrop}), with
 * torchvision's size and offset rules and Pillow-exact resampling ({@link Resampler}).
 */
public final class Transforms {
    private Transforms() {
    }

    /**
     * torchvision's output size for {@code Resize(size)} with an int size: the shorter side
     * becomes {@code size}, the longer {@code int(size * long / short)}.
     *
     * @return {@code {height, width}}
     */
    public static int[] shorterSideSize(int height, int width, int size) {
        if (size <= 0) {
            throw new IllegalArgumentException("resize size must be positive, got " + size);
        }
        RgbImage.check(width, height);
        boolean portrait = width <= height;
        int shorter = portrait ? width : height;
        int longer = portrait ? height : width;
        int newLong = (int) ((double) ((long) size * longer) / shorter);
        return portrait ? new int[] {newLong, size} : new int[] {size, newLong};
    }

    /** {@code Resize(size)}: the shorter side to {@code size}, aspect ratio kept. */
    public static RgbImage resizeShorterSide(RgbImage image, int size, Interpolation filter) {
        int[] hw = shorterSideSize(image.height(), image.width(), size);
        return Resampler.resize(image, hw[0], hw[1], filter);
    }

    /** {@code Resize((height, width))}. */
    public static RgbImage resize(RgbImage image, int height, int width, Interpolation filter) {
        return Resampler.resize(image, height, width, filter);
    }

    /**
     * {@code CenterCrop((height, width))}: the crop's top-left corner is at
     * {@code int(round((H - height) / 2.0))}, {@code int(round((W - width) / 2.0))} with Python's
     * round-half-to-even; an image smaller than the crop is first zero-padded as torchvision
     * pads it ({@code (crop - size) // 2} before, the rest after).
     */
    public static RgbImage centerCrop(RgbImage image, int height, int width) {
        return image.crop(cropOffset(image.width(), width), cropOffset(image.height(), height), width, height);
    }

    /**
     * {@code Resize((height, width))} then {@code CenterCrop((cropHeight, cropWidth))}, the same
     * bytes as the two steps, resampling only the window that the crop keeps.
     */
    public static RgbImage resizeAndCenterCrop(RgbImage image, int height, int width, int cropHeight, int cropWidth,
                                               Interpolation filter) {
        if (cropHeight > height || cropWidth > width) {
            return centerCrop(resize(image, height, width, filter), cropHeight, cropWidth); // padded: the two steps
        }
        return Resampler.resizeWindow(image, height, width, cropOffset(height, cropHeight), cropOffset(width, cropWidth),
                cropHeight, cropWidth, filter);
    }

    /** Where a centre crop of {@code crop} starts along a side of {@code size} (negative: padded). */
    private static int cropOffset(int size, int crop) {
        return crop > size ? -((crop - size) / 2) : (int) Math.rint((size - crop) / 2.0);
    }
}
