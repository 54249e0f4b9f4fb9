package org.cvtzoo.zoo.pcn;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.blocks.ClassAttentionBlock;
import org.cvtzoo.core.blocks.ClassifierHead;
import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.ParameterGroups;
import org.cvtzoo.zoo.SpecArchitecture;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * PatchConvNet (Touvron et al. 2021, "Augmenting Convolutional networks with attention-based
 * aggregation") as facebookresearch/deit's {@code patchconvnet_models.py} computes it:
 * <ol>
 *   <li>{@code patch_embed}: convolutional stem, four 3x3 stride-2 convs (a 16x reduction);</li>
 *   <li>{@code blocks.0 .. depth-1}: residual convolutional blocks with squeeze-excitation and
 *       layer scale, on the patch tokens only;</li>
 *   <li>{@code blocks_token_only.0}: a class token ({@code cls_token}) aggregates the patches by
 *       one-head class attention, then an MLP (ratio {@code mlp_ratio_clstk});</li>
 *   <li>{@code norm} on the class token (the features), {@code head} Linear (the logits).</li>
 * </ol>
 * Exact GELU and LayerNorm eps 1e-6 throughout. Square inputs only: deit folds the tokens back
 * into a {@code sqrt(N) x sqrt(N)} grid. The attention map is the (one-head) class attention over
 * the grid, {@code [B, 1, h, w]}.
 */
public final class PatchConvNet extends SpecArchitecture<PatchConvNetSpec> {
    public static final double EPS = 1e-6;

    public PatchConvNet(String name, PatchConvNetSpec spec) {
        super(name, spec);
    }

    @Override
    protected Architecture create(String name, PatchConvNetSpec spec) {
        return new PatchConvNet(name, spec);
    }

    @Override
    public String family() {
        return PatchConvNetFamily.NAME;
    }

    @Override
    public void checkInputSize(long h, long w) {
        if (h < 1 || w < 1) throw new ZooException("input " + h + "x" + w + " has no pixels");
        if (h != w) {
            throw new ZooException(name + " takes square inputs only (deit's PatchConvNet folds its tokens"
                    + " into a square grid), got " + h + "x" + w + " (height x width); resize or crop to a square such as "
                    + spec.imgSize() + "x" + spec.imgSize());
        }
    }

    @Override
    public Outputs build(Scope root, SDVariable input, long h, long w) {
        checkInputSize(h, w);
        SameDiff sd = root.sd();
        long dim = spec.embedDim();
        long side = ConvStem.gridSide(h);
        SDVariable grid = ConvStem.apply(root.child("patch_embed"), input, 3, dim); // NHWC
        for (int i = 0; i < spec.depth(); i++) {
            grid = ConvMixerBlock.apply(root.child("blocks." + i), grid, dim, spec.initScale(), EPS, spec.dropPathRate());
        }
        SDVariable patches = sd.reshape(grid, -1, side * side, dim); // deit's tokens [B, N, dim]
        if (spec.multiclass()) return buildPerClass(root, patches, side);
        SDVariable clsParam = root.param("cls_token", ParamStore.Layout.AS_IS, Scope.truncNormal(0.02), 1, 1, dim);
        SDVariable cls = Ops.expandToBatch(clsParam, patches);
        ClassAttentionBlock.Result r = ClassAttentionBlock.apply(root.child("blocks_token_only.0"), cls, patches, dim,
                side, side, spec.mlpRatioClstk(), spec.initScale(), EPS);
        // deit normalises [cls, patches] and keeps the first token
        ClassifierHead.Result head = ClassifierHead.onClassToken(root, r.cls(), dim, spec.numClasses(), EPS);
        return new Outputs(head.logits(), head.features(), r.patchAttention(), explained(patches, side));
    }

    /** Grad-CAM's grid: the trunk's output, the patch tokens the class attention pools. */
    private Explained explained(SDVariable patches, long side) {
        return new Explained(patches, side * side, side, side, spec.embedDim(), java.util.List.of());
    }

    /**
     * deit's {@code multiclass=True}: k = num_classes class tokens {@code cls_token [1, k, d]} pool
     * the patches ({@link PerClassAttentionBlock}); the final norm on each; class i's logit is
     * {@code head.i} ({@code Linear(d, 1)}) of class token i. Features are deit's
     * {@code forward_features} {@code [B, k, d]} flattened to {@code [B, k * d]}; the attention map
     * is one per class, {@code [B, k, h, w]}. With {@code multiclass_attend_own_token} each class
     * token also attends to itself, as the one-token layer does.
     */
    private Outputs buildPerClass(Scope root, SDVariable patches, long side) {
        SameDiff sd = root.sd();
        long dim = spec.embedDim();
        int k = spec.numClasses();
        SDVariable clsParam = root.param("cls_token", ParamStore.Layout.AS_IS, Scope.truncNormal(0.02), 1, k, dim);
        SDVariable cls = sd.zerosLike(Ops.tokenRange(patches, 0, 1)).add(clsParam); // [B, k, dim]
        PerClassAttentionBlock.Result r = PerClassAttentionBlock.apply(root.child("blocks_token_only.0"), cls, patches, k,
                dim, side, side, spec.mlpRatioClstk(), spec.initScale(), EPS, spec.attendOwnToken());
        SDVariable normed = Ops.layerNorm(root, "norm", r.cls(), dim, EPS); // [B*k, dim]
        SDVariable[] weights = new SDVariable[k], biases = new SDVariable[k];
        for (int i = 0; i < k; i++) {
            weights[i] = root.param("head." + i + ".weight", ParamStore.Layout.AS_IS, Scope.truncNormal(0.02), 1, dim);
            biases[i] = root.param("head." + i + ".bias", ParamStore.Layout.AS_IS, Scope.zeros(), 1);
        }
        SDVariable w = k == 1 ? weights[0] : sd.concat(0, weights); // [k, dim]
        SDVariable b = k == 1 ? biases[0] : sd.concat(0, biases); // [k]
        SDVariable logits = Ops.tokens(normed, k, dim).mul(w).sum(2).add(b);
        return new Outputs(logits, sd.reshape(normed, -1, k * dim), r.attention(), explained(patches, side));
    }

    @Override
    public boolean attentionPerClass() {
        return spec.multiclass();
    }

    /**
     * deit's PatchConvNet: the trunk's {@code blocks.i}, then {@code blocks_token_only.0}; no weight
     * decay on {@code cls_token} and the layer scales {@code gamma_*}.
     */
    @Override
    public ParameterGroups parameterGroups() {
        return ParameterGroups.of("head", "norm",
                        n -> n.equals("cls_token") || n.substring(n.lastIndexOf('.') + 1).startsWith("gamma"))
                .withBlocks("blocks", spec.depth()).withBlocks("blocks_token_only", 1);
    }
}
