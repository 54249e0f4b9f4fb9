package org.cvtzoo.zoo.cvt;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.blocks.ClassifierHead;
import org.cvtzoo.core.blocks.Tokens;
import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.cvtzoo.core.weights.StateDict;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.ParameterGroups;
import org.cvtzoo.zoo.SpecArchitecture;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * CvT (Wu et al. 2021) as microsoft/CvT's {@code cls_cvt.py} computes it: stages of a
 * convolutional token embedding followed by transformer blocks with convolutional q/k/v
 * projections; a class token in the last stage only (in the official variants); LayerNorm
 * and BatchNorm eps 1e-5; QuickGELU. Features are the normalised class token, or the mean of
 * the normalised tokens where the last stage has none. Any input size the stages can reduce.
 *
 * <p>Attention map: the last block's class-token attention per head over the key/value grid,
 * {@code [B, heads, kh, kw]}, where the last stage has a class token.
 */
public final class CvT extends SpecArchitecture<CvtSpec> {
    public static final double EPS = 1e-5;

    public CvT(String name, CvtSpec spec) {
        super(name, spec);
    }

    @Override
    protected Architecture create(String name, CvtSpec spec) {
        return new CvT(name, spec);
    }

    @Override
    public String family() {
        return CvtFamily.NAME;
    }

    @Override
    public void checkInputSize(long h, long w) {
        long gh = h, gw = w;
        for (int i = 0; i < spec.stages().size(); i++) {
            CvtSpec.Stage s = spec.stages().get(i);
            gh = Ops.convOut(gh, s.patchSize(), s.patchStride(), s.patchPadding());
            gw = Ops.convOut(gw, s.patchSize(), s.patchStride(), s.patchPadding());
            if (gh < 1 || gw < 1) {
                throw new ZooException("input " + h + "x" + w + " is too small for " + name
                        + ": stage " + i + "'s token embedding leaves no tokens");
            }
            if (s.qkvProjMethod() == ConvProjection.Method.DW_BN
                    && (Ops.convOut(gh, s.kernelQkv(), s.strideQ(), s.paddingQ()) != gh
                    || Ops.convOut(gw, s.kernelQkv(), s.strideQ(), s.paddingQ()) != gw)) {
                throw new ZooException(name + ": stage " + i + "'s query projection (KERNEL_QKV "
                        + s.kernelQkv() + ", STRIDE_Q " + s.strideQ() + ", PADDING_Q " + s.paddingQ()
                        + ") changes the " + gh + "x" + gw + " token grid; the residual connection needs one query per token");
            }
            if (keyGridSide(gh, s) < 1 || keyGridSide(gw, s) < 1) {
                throw new ZooException("input " + h + "x" + w + " is too small for " + name
                        + ": stage " + i + "'s key/value projection leaves no tokens");
            }
        }
    }

    private static long keyGridSide(long side, CvtSpec.Stage s) {
        return s.qkvProjMethod() == ConvProjection.Method.AVG
                ? Ops.ceilPoolOut(side, s.kernelQkv(), s.strideKv(), s.paddingKv())
                : Ops.convOut(side, s.kernelQkv(), s.strideKv(), s.paddingKv());
    }

    @Override
    public Outputs build(Scope root, SDVariable input, long h, long w) {
        checkInputSize(h, w);
        SDVariable grid = root.sd().permute(input, 0, 2, 3, 1); // NHWC: see Ops.nhwcConvConfig
        long channels = 3, gh = h, gw = w;
        Tokens t = null;
        ConvAttention.Result last = null;
        Tokens lastInput = null;
        for (int i = 0; i < spec.stages().size(); i++) {
            CvtSpec.Stage stage = spec.stages().get(i);
            Scope s = root.child("stage" + i);
            t = ConvTokenEmbedding.apply(s.child("patch_embed"), grid, channels, gh, gw, stage, EPS);
            if (stage.clsToken()) {
                SDVariable cls = s.param("cls_token", ParamStore.Layout.AS_IS, Scope.truncNormal(0.02), 1, 1, t.dim());
                SDVariable patches = Ops.tokens(t.x(), t.n(), t.dim());
                SDVariable all = s.sd().concat(1, Ops.expandToBatch(cls, patches), patches);
                t = new Tokens(Ops.rows(all, t.dim()), t.dim(), t.h(), t.w(), true);
            }
            t = t.with(s.dropoutRows(t.x(), stage.dropRate(), t.n(), t.dim())); // the official pos_drop
            lastInput = null;
            for (int b = 0; b < stage.depth(); b++) {
                // stochastic depth grows linearly over a stage's blocks
                double dropPath = Scope.linearDropPath(stage.dropPathRate(), b, stage.depth());
                lastInput = t;
                last = ConvTransformerBlock.apply(s.child("blocks." + b), t, stage, dropPath, EPS);
                t = t.with(last.out());
            }
            // the next stage embeds the patch tokens as an image
            SDVariable patches = t.hasCls() ? Ops.tokenRange(Ops.tokens(t.x(), t.n(), t.dim()), 1, t.n()) : t.x();
            grid = root.sd().reshape(patches, -1, t.h(), t.w(), t.dim());
            channels = t.dim();
            gh = t.h();
            gw = t.w();
        }
        ClassifierHead.Result head = t.hasCls()
                ? ClassifierHead.onClassToken(root, Ops.firstTokenRows(t.x(), t.n()), t.dim(), spec.numClasses(), EPS)
                : ClassifierHead.onMeanOfTokens(root, t.x(), t.n(), t.dim(), spec.numClasses(), EPS);
        // Grad-CAM's grid: the tokens entering the last block (or the last embedding where the last stage has no block)
        Tokens g = lastInput != null ? lastInput : t;
        return new Outputs(head.logits(), head.features(), classAttention(last),
                new Explained(g.x(), g.n(), g.h(), g.w(), g.dim(), java.util.List.of()));
    }

    /** The last block's class-token attention per head over the key/value grid, or null without a class token. */
    private static SDVariable classAttention(ConvAttention.Result last) {
        if (last == null || !last.queries().hasCls()) return null;
        return Ops.classTokenAttentionMap(last.probs(), last.heads(), last.keyGrid().h(), last.keyGrid().w());
    }

    /** Hugging Face transformers' names mapped to the official ones ({@link CvtNames}). */
    @Override
    public StateDict filterCheckpoint(StateDict dict) {
        return CvtNames.isHuggingFace(dict.keys()) ? dict.renamed(CvtNames::fromHuggingFace) : dict;
    }

    /**
     * microsoft/CvT: each stage's {@code stageS.blocks.i}, counted over the stages; no weight decay
     * on the stages' {@code cls_token} and {@code pos_embed} (its {@code no_weight_decay()}).
     */
    @Override
    public ParameterGroups parameterGroups() {
        ParameterGroups groups = ParameterGroups.of("head", "norm", n -> n.matches("stage\\d+\\.(cls_token|pos_embed)"));
        for (int i = 0; i < spec.stages().size(); i++) {
            groups = groups.withBlocks("stage" + i + ".blocks", spec.stages().get(i).depth());
        }
        return groups;
    }
}
