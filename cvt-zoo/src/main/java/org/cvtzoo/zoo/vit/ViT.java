package org.cvtzoo.zoo.vit;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.blocks.ClassifierHead;
import org.cvtzoo.core.blocks.FusedQkvAttention;
import org.cvtzoo.core.blocks.PatchEmbed;
import org.cvtzoo.core.blocks.Tokens;
import org.cvtzoo.core.blocks.TransformerBlock;
import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Resample;
import org.cvtzoo.core.graph.Scope;
import org.cvtzoo.core.weights.StateDict;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.ParameterGroups;
import org.cvtzoo.zoo.SpecArchitecture;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * ViT (Dosovitskiy et al. 2021) as timm's {@code VisionTransformer} computes it by default:
 * patch embedding, a class token, a learned absolute position embedding (resampled in the
 * graph with anti-aliased bicubic when the input's patch grid differs from the one it was
 * trained on), pre-norm blocks with fused qkv and exact GELU, LayerNorm eps 1e-6, and the
 * head on the normalised class token. Features are that normalised class token {@code [B, dim]}.
 *
 * <p>A checkpoint whose position embedding was trained on another square grid is resampled to
 * the spec's grid when it is loaded (see {@link #filterCheckpoint}).
 *
 * <p>Attention map: the last block's class-token attention per head over the patch keys,
 * {@code [B, heads, h, w]} on the patch grid. The class token's attention to itself is dropped
 * and the rest renormalised, so each head's map sums to 1 over the grid.
 */
public final class ViT extends SpecArchitecture<VitSpec> {
    public static final double EPS = 1e-6;

    public ViT(String name, VitSpec spec) {
        super(name, spec);
    }

    @Override
    protected Architecture create(String name, VitSpec spec) {
        return new ViT(name, spec);
    }

    @Override
    public String family() {
        return VitFamily.NAME;
    }

    @Override
    public void checkInputSize(long h, long w) {
        int p = spec.patchSize();
        if (h < p || w < p) {
            throw new ZooException("input " + h + "x" + w + " is too small for " + name + ": it needs at least one "
                    + p + "x" + p + " patch along each side");
        }
        if (h % p != 0 || w % p != 0) {
            throw new ZooException("input " + h + "x" + w + " does not fit " + name + ": height and width must be "
                    + "multiples of the patch size " + p + " (e.g. " + (h / p) * p + "x" + (w / p) * p + " or "
                    + ceil(h, p) + "x" + ceil(w, p) + ")");
        }
    }

    private static long ceil(long x, long p) {
        return (x + p - 1) / p * p;
    }

    @Override
    public Outputs build(Scope root, SDVariable input, long h, long w) {
        checkInputSize(h, w);
        SameDiff sd = root.sd();
        long dim = spec.embedDim();
        SDVariable cls = root.param("cls_token", ParamStore.Layout.AS_IS, Scope.truncNormal(1e-6), 1, 1, dim);
        long oldH = spec.gridHeight(), oldW = spec.gridWidth();
        SDVariable pos = root.param("pos_embed", ParamStore.Layout.AS_IS, Scope.truncNormal(0.02), 1, 1 + oldH * oldW, dim);
        SDVariable image = sd.permute(input, 0, 2, 3, 1); // NHWC: see Ops.nhwcConvConfig
        Tokens patches = PatchEmbed.apply(root.child("patch_embed"), image, 3, h, w, dim, spec.patchSize());
        long gh = patches.h(), gw = patches.w(), np = gh * gw, n = np + 1;
        SDVariable grid = Ops.tokens(patches.x(), np, dim);
        SDVariable x = Ops.rows(sd.concat(1, Ops.expandToBatch(cls, grid), grid)
                .add(Resample.absPosEmbed(pos, 1, oldH, oldW, gh, gw, dim)), dim); // [B*n, dim]
        SDVariable probs = null, lastInput = x;
        java.util.List<SDVariable> attentions = new java.util.ArrayList<>();
        for (int i = 0; i < spec.depth(); i++) {
            lastInput = x;
            FusedQkvAttention.Result r = TransformerBlock.apply(root.child("blocks." + i), x, n, dim, spec.numHeads(),
                    spec.mlpRatio(), spec.qkvBias(), EPS, Scope.linearDropPath(spec.dropPathRate(), i, spec.depth()));
            x = r.out();
            probs = r.probs();
            attentions.add(probs);
        }
        ClassifierHead.Result head = ClassifierHead.onClassToken(root, Ops.firstTokenRows(x, n), dim, spec.numClasses(), EPS);
        return new Outputs(head.logits(), head.features(),
                probs == null ? null : Ops.classTokenAttentionMap(probs, spec.numHeads(), gh, gw),
                new Explained(lastInput, n, gh, gw, dim, attentions));
    }

    /**
     * The checkpoint as it is, except that a {@code pos_embed} trained on another square grid is
     * resampled to this model's {@code img_size / patch_size} grid on load (timm's
     * {@code checkpoint_filter_fn} does the same).
     */
    @Override
    public StateDict filterCheckpoint(StateDict dict) {
        return PosEmbedAdaptingStateDict.adapt(dict, spec.gridHeight(), spec.gridWidth());
    }

    /** timm's ViT: {@code blocks.i}; no weight decay on {@code cls_token} and {@code pos_embed}. */
    @Override
    public ParameterGroups parameterGroups() {
        return ParameterGroups.of("head", "norm", n -> n.equals("cls_token") || n.equals("pos_embed"))
                .withBlocks("blocks", spec.depth());
    }
}
