package org.cvtzoo.core.weights;

import java.nio.file.Path;

/** TEMPORARY stub until the weights branch is merged. */
public final class Checkpoints {
    public static StateDict open(Path p) { throw new UnsupportedOperationException(); }
}
