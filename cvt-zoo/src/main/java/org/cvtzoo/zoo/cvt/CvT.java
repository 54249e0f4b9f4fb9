package org.cvtzoo.zoo.cvt;

import org.cvtzoo.core.blocks.ConvAttention;
import org.cvtzoo.core.blocks.ConvProjection;
import org.cvtzoo.core.blocks.ConvTokenEmbedding;
import org.cvtzoo.core.blocks.ConvTransformerBlock;
import org.cvtzoo.core.blocks.Tokens;
import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.cvtzoo.core.weights.StateDict;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.SpecArchitecture;
import org.cvtzoo.zoo.spec.CvtSpec;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * CvT (Wu et al. 2021) as microsoft/CvT's {@code cls_cvt.py} computes it: stages of a
 * convolutional token embedding followed by transformer blocks with convolutional q/k/v
 * projections; a class token in the last stage only (in the official variants); LayerNorm
 * and BatchNorm eps 1e-5; QuickGELU. Features are the normalised class token, or the mean of
 * the normalised tokens where the last stage has none.
 */
public final class CvT extends SpecArchitecture<CvtSpec> {
    public static final double EPS = 1e-5;

    private final int[] nativeSize;

    public CvT(String name, CvtSpec spec, int[] nativeSize) {
        super(name, spec);
        this.nativeSize = nativeSize.clone();
    }

    @Override
    protected Architecture withSpec(CvtSpec other) {
        return new CvT(name, other, nativeSize);
    }

    @Override
    public String family() {
        return "cvt";
    }

    @Override
    public int[] nativeSize() {
        return nativeSize.clone();
    }

    @Override
    public void checkInputSize(long h, long w) {
        long gh = h, gw = w;
        for (int i = 0; i < spec.numStages(); i++) {
            gh = Ops.convOut(gh, spec.patchSize()[i], spec.patchStride()[i], spec.patchPadding()[i]);
            gw = Ops.convOut(gw, spec.patchSize()[i], spec.patchStride()[i], spec.patchPadding()[i]);
            if (gh < 1 || gw < 1) {
                throw new IllegalArgumentException("input " + h + "x" + w + " is too small for " + name
                        + ": stage " + i + "'s token embedding leaves no tokens");
            }
            if (spec.qkvProjMethod()[i] == ConvProjection.Method.DW_BN
                    && (Ops.convOut(gh, spec.kernelQkv()[i], spec.strideQ()[i], spec.paddingQ()[i]) != gh
                    || Ops.convOut(gw, spec.kernelQkv()[i], spec.strideQ()[i], spec.paddingQ()[i]) != gw)) {
                throw new IllegalArgumentException(name + ": stage " + i + "'s query projection (KERNEL_QKV "
                        + spec.kernelQkv()[i] + ", STRIDE_Q " + spec.strideQ()[i] + ", PADDING_Q " + spec.paddingQ()[i]
                        + ") changes the " + gh + "x" + gw + " token grid; the residual connection needs one query per token");
            }
            boolean avg = spec.qkvProjMethod()[i] == ConvProjection.Method.AVG;
            long kh = avg ? Ops.ceilPoolOut(gh, spec.kernelQkv()[i], spec.strideKv()[i], spec.paddingKv()[i])
                    : Ops.convOut(gh, spec.kernelQkv()[i], spec.strideKv()[i], spec.paddingKv()[i]);
            long kw = avg ? Ops.ceilPoolOut(gw, spec.kernelQkv()[i], spec.strideKv()[i], spec.paddingKv()[i])
                    : Ops.convOut(gw, spec.kernelQkv()[i], spec.strideKv()[i], spec.paddingKv()[i]);
            if (kh < 1 || kw < 1) {
                throw new IllegalArgumentException("input " + h + "x" + w + " is too small for " + name
                        + ": stage " + i + "'s key/value projection leaves no tokens");
            }
        }
    }

    @Override
    public Outputs build(Scope root, SDVariable input, long h, long w) {
        SameDiff sd = root.sd();
        SDVariable grid = input;
        long channels = 3, gh = h, gw = w;
        SDVariable clsOut = null;
        ConvAttention.Result lastBlock = null;
        Tokens t = null;
        for (int i = 0; i < spec.numStages(); i++) {
            Scope stage = root.child("stage" + i);
            t = ConvTokenEmbedding.apply(stage.child("patch_embed"), grid, channels, gh, gw, spec.dimEmbed()[i],
                    spec.patchSize()[i], spec.patchStride()[i], spec.patchPadding()[i], EPS);
            if (spec.clsToken()[i]) {
                SDVariable cls = stage.param("cls_token", ParamStore.Layout.AS_IS, Scope.truncNormal(0.02), 1, 1, t.dim());
                t = new Tokens(sd.concat(1, Ops.expandToBatch(cls, t.x()), t.x()), t.dim(), t.h(), t.w(), true);
            }
            ConvAttention.Config attn = new ConvAttention.Config(spec.dimEmbed()[i], spec.numHeads()[i],
                    spec.qkvBias()[i], spec.qkvProjMethod()[i], spec.kernelQkv()[i], spec.strideQ()[i],
                    spec.strideKv()[i], spec.paddingQ()[i], spec.paddingKv()[i]);
            t = t.with(root.dropout(t.x(), spec.dropRate()[i], t.n(), t.dim())); // the official pos_drop
            for (int b = 0; b < spec.depth()[i]; b++) {
                // stochastic depth grows linearly over a stage's blocks
                double dropPath = Scope.linearDropPath(spec.dropPathRate()[i], b, spec.depth()[i]);
                ConvAttention.Result r = ConvTransformerBlock.apply(stage.child("blocks." + b), t, attn,
                        spec.mlpRatio()[i], EPS, new ConvTransformerBlock.Rates(dropPath, spec.dropRate()[i],
                                spec.attnDropRate()[i]));
                t = t.with(r.out());
                lastBlock = r;
            }
            clsOut = t.hasCls() ? Ops.tokenRange(t.x(), 0, 1) : null;
            SDVariable patches = t.hasCls() ? Ops.tokenRange(t.x(), 1, t.n()) : t.x();
            grid = Ops.tokensToGrid(patches, t.dim(), t.h(), t.w());
            channels = t.dim();
            gh = t.h();
            gw = t.w();
        }
        long dim = channels;
        SDVariable features;
        if (spec.lastStageHasClsToken()) {
            features = sd.reshape(Ops.layerNorm(root, "norm", clsOut, dim, EPS), -1, dim);
        } else {
            SDVariable tokens = Ops.gridToTokens(grid, dim, gh, gw);
            features = Ops.layerNorm(root, "norm", tokens, dim, EPS).mean(1);
        }
        SDVariable logits = Ops.linear(root, "head", features, 0, dim, spec.numClasses(), true);
        return new Outputs(logits, features, lastStageClassAttention(lastBlock));
    }

    /**
     * The last block's class-token attention per head over the key/value grid,
     * {@code [B, heads, kh, kw]}, or null where the last stage has no class token.
     */
    private static SDVariable lastStageClassAttention(ConvAttention.Result last) {
        if (last == null || !last.queries().hasCls()) return null;
        return Ops.classTokenAttentionMap(last.probs(), last.heads(), last.keyGrid().h(), last.keyGrid().w());
    }

    @Override
    public StateDict toOfficialNames(StateDict dict) {
        return CvtNames.isHuggingFace(dict.keys()) ? dict.renamed(CvtNames::fromHuggingFace) : dict;
    }

    /**
     * microsoft/CvT: each stage's {@code stageS.blocks.i}, counted over the stages; no weight decay
     * on the stages' {@code cls_token} and {@code pos_embed} (its {@code no_weight_decay()}).
     */
    @Override
    public org.cvtzoo.zoo.ParameterGroups parameterGroups() {
        org.cvtzoo.zoo.ParameterGroups groups = org.cvtzoo.zoo.ParameterGroups.of("head", "norm",
                n -> n.matches("stage\\d+\\.(cls_token|pos_embed)"));
        for (int s = 0; s < spec.numStages(); s++) groups = groups.withBlocks("stage" + s + ".blocks", spec.depth()[s]);
        return groups;
    }
}
