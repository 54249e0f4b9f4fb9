package org.cvtzoo.zoo.vit;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.Card;
import org.cvtzoo.zoo.Family;
import org.cvtzoo.zoo.Variant;

import java.util.List;

/**
 * ViT (timm): the registered variants at 224 with timm's names as aliases, their pretrained
 * weights at timm's default tags on the Hugging Face hub, and flat JSON specs
 * ({@code "family": "vit"}, see {@link VitSpec}). Evaluation is timm's ViT default (mean/std 0.5,
 * crop 0.9, bicubic), which every registered tag uses.
 */
public final class VitFamily implements Family {
    public static final String NAME = "vit";
    private static final String TIMM_CSV = "timm results csv";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Variant> variants() {
        return List.of(
                variant("vit-ti16", "vit_tiny_patch16_224", 16, 192, 12, 3,
                        augreg("vit_tiny_patch16_224", "augreg_in21k_ft_in1k"), new Card.Published(5.72, 1.26, TIMM_CSV)),
                variant("vit-s16", "vit_small_patch16_224", 16, 384, 12, 6,
                        augreg("vit_small_patch16_224", "augreg_in21k_ft_in1k"), new Card.Published(22.05, 4.61, TIMM_CSV)),
                variant("vit-s32", "vit_small_patch32_224", 32, 384, 12, 6,
                        augreg("vit_small_patch32_224", "augreg_in21k_ft_in1k"), new Card.Published(22.88, 1.15, TIMM_CSV)),
                variant("vit-b16", "vit_base_patch16_224", 16, 768, 12, 12,
                        augreg("vit_base_patch16_224", "augreg2_in21k_ft_in1k"), new Card.Published(86.57, 17.58, TIMM_CSV)),
                variant("vit-b32", "vit_base_patch32_224", 32, 768, 12, 12,
                        augreg("vit_base_patch32_224", "augreg_in21k_ft_in1k"), new Card.Published(88.22, 4.41, TIMM_CSV)),
                variant("vit-l16", "vit_large_patch16_224", 16, 1024, 24, 16,
                        augreg("vit_large_patch16_224", "augreg_in21k_ft_in1k"), new Card.Published(304.33, 61.6, TIMM_CSV)),
                variant("vit-l32", "vit_large_patch32_224", 32, 1024, 24, 16, null,
                        new Card.Published(305.51, 15.39, "timm benchmark csv; timm's only 224 weights (orig_in21k)"
                                + " are a headless ImageNet-21k backbone")));
    }

    /** timm's default pretrained tag of a model, on the Hugging Face hub. */
    private static Card.Pretrained augreg(String timmName, String tag) {
        return Card.Pretrained.at("https://huggingface.co/timm/" + timmName + "." + tag + "/resolve/main/model.safetensors",
                null, "timm default tag " + tag + " (vision_transformer.py default_cfgs)");
    }

    private static Variant variant(String name, String timmName, int patch, int dim, int depth, int heads,
                                   Card.Pretrained weights, Card.Published published) {
        return new Variant(new ViT(name, VitSpec.of(patch, dim, depth, heads, 224, 1000)),
                List.of(timmName, name.replace("-", "")), new Card(weights, published));
    }

    @Override
    public Architecture fromSpec(JsonNode tree, String source) {
        return new ViT("custom ViT (" + source + ")", VitSpec.fromTree(tree, source));
    }
}
