package org.cvtzoo.core.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reader of the IDX files of MNIST and Fashion-MNIST, plain or gzip-compressed (told apart by
 * their first bytes, not by the file name).
 *
 * <p>The format: a big-endian 32-bit magic number {@code 0x000008DD} ({@code 08} = unsigned
 * bytes, {@code DD} = the number of dimensions), then one big-endian 32-bit size per dimension,
 * then the data, row-major. Image files are {@code 0x00000803} {@code [count, rows, cols]},
 * label files {@code 0x00000801} {@code [count]}. A file must hold exactly the data its header
 * announces: a shorter one is truncated, a longer one has trailing bytes; both are errors.
 */
public final class Idx {
    private Idx() {
    }

    /** Magic number of an unsigned-byte image file with three dimensions. */
    public static final int IMAGES_MAGIC = 0x00000803;
    /** Magic number of an unsigned-byte label file with one dimension. */
    public static final int LABELS_MAGIC = 0x00000801;

    /** The images of a labelled IDX pair with their labels (0..255), one label per image. */
    public record Labelled(IdxImages images, int[] labels) {
        public Labelled {
            if (images.count() != labels.length) {
                throw new IllegalArgumentException(images.count() + " images but "
                        + labels.length + " labels");
            }
        }

        public int size() {
            return labels.length;
        }

        @Override
        public int[] labels() {
            return labels.clone();
        }

        public int label(int index) {
            return labels[index];
        }
    }

    /**
     * Reads an IDX image file ({@code 0x00000803}).
     *
     * @throws DataException naming the file: missing, unreadable, not gzip/IDX, bad magic,
     *                       impossible sizes, truncated or with trailing bytes
     */
    public static IdxImages readImages(Path file) {
        return read(file, true);
    }

    /**
     * Reads an IDX label file ({@code 0x00000801}): one unsigned byte per example.
     *
     * @throws DataException as {@link #readImages}
     */
    public static int[] readLabels(Path file) {
        IdxImages raw = read(file, false);
        int[] labels = new int[raw.count()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = raw.pixel(i, 0, 0);
        }
        return labels;
    }

    /**
     * Reads an image file and its label file, checking that they hold as many examples.
     *
     * @throws DataException as {@link #readImages}, or naming both files when the counts differ
     */
    public static Labelled readLabelled(Path imagesFile, Path labelsFile) {
        IdxImages images = readImages(imagesFile);
        int[] labels = readLabels(labelsFile);
        if (images.count() != labels.length) {
            throw new DataException(imagesFile + " holds " + images.count() + " images but "
                    + labelsFile + " holds " + labels.length
                    + " labels (the counts must match)");
        }
        return new Labelled(images, labels);
    }

    /** Reads either kind; a label file comes back as {@code count} images of 1x1. */
    private static IdxImages read(Path file, boolean images) {
        String what = images ? "IDX image file" : "IDX label file";
        if (Files.isDirectory(file)) {
            throw new DataException(file + ": is a directory, not an " + what);
        }
        boolean gzip;
        try (InputStream raw = Files.newInputStream(file)) {
            byte[] head = raw.readNBytes(2);
            gzip = head.length == 2 && (head[0] & 0xff) == 0x1f && (head[1] & 0xff) == 0x8b;
        } catch (NoSuchFileException e) {
            throw new DataException("no such file: " + file + " (expected an " + what + ")", e);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read (" + e + ")", e);
        }
        String kind = gzip ? "gzip-compressed " + what : what;
        try (InputStream in = open(file, gzip)) {
            byte[] header = in.readNBytes(4);
            if (header.length < 4) {
                throw new DataException(file + ": truncated " + kind + " (" + header.length
                        + " bytes, shorter than the 4-byte magic number)");
            }
            int magic = int32(header, 0);
            int expected = images ? IMAGES_MAGIC : LABELS_MAGIC;
            if (magic != expected) {
                throw new DataException(file + ": bad magic number " + hex(magic)
                        + (gzip ? " (in the gzip-decompressed data)" : "") + " for an " + what + " (expected " + hex(expected) + describe(magic) + ")");
            }
            int dims = images ? 3 : 1;
            byte[] sizes = in.readNBytes(4 * dims);
            if (sizes.length < 4 * dims) {
                throw new DataException(file + ": truncated " + kind + " (header ends after "
                        + (4 + sizes.length) + " bytes, needs " + (4 + 4 * dims) + ")");
            }
            long count = int32(sizes, 0) & 0xffffffffL;
            long rows = images ? int32(sizes, 4) & 0xffffffffL : 1;
            long cols = images ? int32(sizes, 8) & 0xffffffffL : 1;
            if (images && (rows == 0 || cols == 0)) {
                throw new DataException(file + ": " + kind + " announces images of " + rows
                        + "x" + cols + " (sizes must be positive)");
            }
            long total = count * rows * cols;
            if (count > Integer.MAX_VALUE || rows > Integer.MAX_VALUE
                    || cols > Integer.MAX_VALUE || total > Integer.MAX_VALUE - 8) {
                throw new DataException(file + ": " + kind + " announces " + count
                        + (images ? " images of " + rows + "x" + cols : " labels")
                        + ", more than can be held in memory (" + total + " bytes)");
            }
            if (!gzip) {
                long size = Files.size(file);
                long needed = 4 + 4L * dims + total;
                if (size < needed) {
                    throw new DataException(file + ": truncated " + kind + " (" + size
                            + " bytes, the header announces " + count
                            + (images ? " images of " + rows + "x" + cols : " labels")
                            + ", " + needed + " bytes)");
                }
            }
            byte[] data = new byte[(int) total];
            int got = in.readNBytes(data, 0, data.length);
            if (got < data.length) {
                throw new DataException(file + ": truncated " + kind + " (the header announces "
                        + count + (images ? " images of " + rows + "x" + cols : " labels")
                        + ", " + total + " data bytes; the file has only " + got + ")");
            }
            long extra = in.transferTo(java.io.OutputStream.nullOutputStream());
            if (extra > 0) {
                throw new DataException(file + ": " + kind + " has " + extra
                        + " trailing bytes after the " + count
                        + (images ? " images" : " labels") + " its header announces");
            }
            return new IdxImages((int) count, (int) rows, (int) cols, data);
        } catch (DataException e) {
            throw e;
        } catch (EOFException e) {
            throw new DataException(file + ": truncated " + kind + " (" + e.getMessage() + ")",
                    e);
        } catch (ZipException e) {
            throw new DataException(file + ": corrupt " + kind + " (" + e.getMessage() + ")",
                    e);
        } catch (IOException e) {
            throw new DataException(file + ": cannot read " + kind + " (" + e + ")", e);
        }
    }

    private static InputStream open(Path file, boolean gzip) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        if (!gzip) {
            return in;
        }
        try {
            return new GZIPInputStream(in, 1 << 16);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
    }

    private static int int32(byte[] b, int at) {
        return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8)
                | (b[at + 3] & 0xff);
    }

    private static String hex(int v) {
        return String.format("0x%08X", v);
    }

    /** A hint about what a wrong magic number is. */
    private static String describe(int magic) {
        if (magic == IMAGES_MAGIC) {
            return "; this is an IDX image file";
        }
        if (magic == LABELS_MAGIC) {
            return "; this is an IDX label file";
        }
        if ((magic >>> 16) == 0 && ((magic >>> 8) & 0xff) >= 0x08
                && ((magic >>> 8) & 0xff) <= 0x0E) {
            return "; an IDX file of type 0x" + Integer.toHexString((magic >>> 8) & 0xff)
                    + " with " + (magic & 0xff) + " dimensions, which is not supported";
        }
        return "; not an IDX file";
    }
}
