package org.cvtzoo.core.data;

import java.util.Random;

/**
 * Labelled examples by index, each a CHW float32 image tensor and a label. {@link #get} must
 * be safe to call from several threads at once, and take all its randomness (augmentation)
 * from {@code rng}, so that a {@link BatchLoader} with a seed reproduces its batches.
 */
public interface Dataset {
    /** The number of examples. */
    int size();

    /**
     * Example {@code index} ({@code 0 <= index < size()}).
     *
     * @param rng the source of any random augmentation (ignored by deterministic datasets)
     */
    Example get(int index, Random rng);
}
