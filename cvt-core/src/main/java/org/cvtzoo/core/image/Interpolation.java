package org.cvtzoo.core.image;

import java.util.Locale;

/**
 * The resampling filters of Pillow's {@code Image.resize} (the ones torchvision passes for
 * {@code InterpolationMode}), each a kernel with a support radius at scale 1. Pillow's
 * {@code NEAREST} is not a convolution filter and is not offered.
 */
public enum Interpolation {
    /** Box filter (area average when downscaling). */
    BOX(0.5) {
        @Override
        double weight(double x) {
            return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
        }
    },
    /** Triangle filter. */
    BILINEAR(1.0) {
        @Override
        double weight(double x) {
            double ax = Math.abs(x);
            return ax < 1.0 ? 1.0 - ax : 0.0;
        }
    },
    /** Hamming-windowed sinc of radius 1. */
    HAMMING(1.0) {
        @Override
        double weight(double x) {
            double ax = Math.abs(x);
            if (ax == 0.0) {
                return 1.0;
            }
            if (ax >= 1.0) {
                return 0.0;
            }
            double px = ax * Math.PI;
            return Math.sin(px) / px * (0.54 + 0.46 * Math.cos(px));
        }
    },
    /** Keys' cubic convolution kernel with a = -0.5. */
    BICUBIC(2.0) {
        @Override
        double weight(double x) {
            double a = -0.5;
            double ax = Math.abs(x);
            if (ax < 1.0) {
                return ((a + 2.0) * ax - (a + 3.0)) * ax * ax + 1.0;
            }
            if (ax < 2.0) {
                return (((ax - 5.0) * ax + 8.0) * ax - 4.0) * a;
            }
            return 0.0;
        }
    },
    /** Lanczos-windowed sinc of radius 3. */
    LANCZOS(3.0) {
        @Override
        double weight(double x) {
            return x >= -3.0 && x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
        }
    };

    private final double support;

    Interpolation(double support) {
        this.support = support;
    }

    /** The kernel's radius at scale 1 (it is zero outside). */
    public double support() {
        return support;
    }

    /** The kernel's value at distance {@code x} (in source pixels at scale 1). */
    abstract double weight(double x);

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        double px = x * Math.PI;
        return Math.sin(px) / px;
    }

    /**
     * By name, case-insensitive: {@code box}, {@code bilinear} (or {@code linear}),
     * {@code hamming}, {@code bicubic} (or {@code cubic}), {@code lanczos}.
     */
    public static Interpolation named(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "linear":
                return BILINEAR;
            case "cubic":
                return BICUBIC;
            default:
                for (Interpolation i : values()) {
                    if (i.name().toLowerCase(Locale.ROOT).equals(n)) {
                        return i;
                    }
                }
                throw new IllegalArgumentException("unknown interpolation '" + name
                        + "' (box, bilinear, hamming, bicubic, lanczos)");
        }
    }
}
