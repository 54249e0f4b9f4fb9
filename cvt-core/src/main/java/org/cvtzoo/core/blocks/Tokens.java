package org.cvtzoo.core.blocks;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Tokens {@code [B, n, dim]} laid out on an {@code h x w} grid, optionally led by a class token
 * (then {@code n = 1 + h*w}). Graphs are built for one input size, so all of this is static.
 */
public record Tokens(SDVariable x, long dim, long h, long w, boolean hasCls) {
    public long n() {
        return h * w + (hasCls ? 1 : 0);
    }

    public Tokens with(SDVariable y) {
        return new Tokens(y, dim, h, w, hasCls);
    }
}
