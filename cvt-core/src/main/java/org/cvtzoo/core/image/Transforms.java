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
        return Resampler.resize(image, hw[1], hw[0], filter);
    }

    /** {@code Resize((height, width))}. */
    public static RgbImage resize(RgbImage image, int height, int width, Interpolation filter) {
        return Resampler.resize(image, width, height, filter);
    }

    /**
     * {@code CenterCrop((height, width))}: the crop's top-left corner is at
     * {@code int(round((H - height) / 2.0))}, {@code int(round((W - width) / 2.0))} with Python's
     * round-half-to-even; an image smaller than the crop is first zero-padded as torchvision
     * pads it ({@code (crop - size) // 2} before, the rest after).
     */
    public static RgbImage centerCrop(RgbImage image, int height, int width) {
        RgbImage.check(width, height);
        int h = image.height();
        int w = image.width();
        int padLeft = 0;
        int padTop = 0;
        if (width > w || height > h) {
            padLeft = width > w ? (width - w) / 2 : 0;
            padTop = height > h ? (height - h) / 2 : 0;
            int padRight = width > w ? (width - w + 1) / 2 : 0;
            int padBottom = height > h ? (height - h + 1) / 2 : 0;
            w += padLeft + padRight;
            h += padTop + padBottom;
        }
        int top = (int) Math.rint((h - height) / 2.0);
        int left = (int) Math.rint((w - width) / 2.0);
        return image.crop(left - padLeft, top - padTop, width, height);
    }
}
