package org.cvtzoo.zoo.vit;

import org.cvtzoo.core.graph.Resample;
import org.cvtzoo.core.weights.StateDict;
import org.cvtzoo.core.weights.TensorInfo;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Set;

/**
 * A checkpoint whose {@code pos_embed} was trained on another square grid than the model's,
 * seen through its position embedding resampled to the model's grid (anti-aliased bicubic,
 * class token kept), as timm's {@code checkpoint_filter_fn} does when a 224 checkpoint is loaded
 * into a model made for another {@code img_size}. Every other tensor, and every key, is as the
 * checkpoint has it, so loading stays strict about names.
 */
final class PosEmbedAdaptingStateDict implements StateDict {
    static final String KEY = "pos_embed";

    private final StateDict base;
    private final long fromGrid, toH, toW;
    private final TensorInfo info;

    private PosEmbedAdaptingStateDict(StateDict base, long fromGrid, long toH, long toW, TensorInfo original) {
        this.base = base;
        this.fromGrid = fromGrid;
        this.toH = toH;
        this.toW = toW;
        long[] s = original.shape();
        this.info = new TensorInfo(KEY, original.dtype(), new long[]{1, 1 + toH * toW, s[2]});
    }

    /** {@code dict} itself unless its pos_embed is a square grid (plus class token) of another size than h x w. */
    static StateDict adapt(StateDict dict, long h, long w) {
        if (!dict.contains(KEY)) return dict;
        TensorInfo t = dict.info(KEY);
        long[] s = t.shape();
        if (s.length != 3 || s[0] != 1 || s[1] == 1 + h * w) return dict;
        long g = Math.round(Math.sqrt(s[1] - 1));
        if (g < 1 || g * g != s[1] - 1) return dict; // not a square grid: let the strict loader report the shape
        return new PosEmbedAdaptingStateDict(dict, g, h, w, t);
    }

    @Override
    public Path source() {
        return base.source();
    }

    @Override
    public Set<String> keys() {
        return base.keys();
    }

    @Override
    public TensorInfo info(String key) {
        return KEY.equals(key) ? info : base.info(key);
    }

    @Override
    public INDArray get(String key) {
        if (!KEY.equals(key)) return base.get(key);
        INDArray original = base.get(key);
        INDArray resized = Resample.absPosEmbed(original, 1, fromGrid, fromGrid, toH, toW);
        original.close();
        return resized;
    }

    @Override
    public void close() {
        base.close();
    }

    @Override
    public String toString() {
        return base + " (pos_embed " + fromGrid + "x" + fromGrid + " resampled to " + toH + "x" + toW + ")";
    }
}
