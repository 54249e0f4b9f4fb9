package org.cvtzoo.core.blocks;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Tokens laid out on an {@code h x w} grid, optionally led by a class token (then
 * {@code n = 1 + h*w}), held as rows {@code [B*n, dim]}: the layout linear layers and LayerNorm
 * take, so that a block reshapes only where attention or a convolution needs another one.
 * Graphs are built for one input size, so all of this is static.
 */
public record Tokens(SDVariable x, long dim, long h, long w, boolean hasCls) {
    public long n() {
        return h * w + (hasCls ? 1 : 0);
    }

    public Tokens with(SDVariable y) {
        return new Tokens(y, dim, h, w, hasCls);
    }
}
