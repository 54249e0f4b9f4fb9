package org.cvtzoo.zoo.vit;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.Zoo;
import org.cvtzoo.zoo.spec.SpecException;

import java.util.List;

/** ViT (timm): registered variants and flat JSON specs ({@code "family": "vit"}, see {@link VitSpec}). */
public final class VitFamily {
    private VitFamily() {
    }

    public static final int NATIVE_SIZE = 224;
    public static final int IMAGENET_CLASSES = 1000;

    public static List<Zoo.Variant> variants() {
        return List.of(
                variant("vit-ti16", "vit_tiny_patch16_224", 16, 192, 12, 3),
                variant("vit-s16", "vit_small_patch16_224", 16, 384, 12, 6),
                variant("vit-s32", "vit_small_patch32_224", 32, 384, 12, 6),
                variant("vit-b16", "vit_base_patch16_224", 16, 768, 12, 12),
                variant("vit-b32", "vit_base_patch32_224", 32, 768, 12, 12),
                variant("vit-l16", "vit_large_patch16_224", 16, 1024, 24, 16),
                variant("vit-l32", "vit_large_patch32_224", 32, 1024, 24, 16));
    }

    private static Zoo.Variant variant(String name, String timmName, int patch, int dim, int depth, int heads) {
        return new Zoo.Variant(name, "vit", List.of(timmName, name.replace("-", "")),
                new int[]{NATIVE_SIZE, NATIVE_SIZE}, IMAGENET_CLASSES,
                n -> new ViT(name, VitSpec.of(patch, dim, depth, heads, NATIVE_SIZE, n)));
    }

    /** The ViT a flat spec describes; {@code numClasses}, when given, replaces its {@code num_classes}. */
    public static Architecture fromSpec(JsonNode tree, String source, Integer numClasses) {
        VitSpec spec = VitSpec.fromTree(tree, source);
        if (numClasses != null) {
            if (numClasses < 1) throw new SpecException(source + ": number of classes must be at least 1, got " + numClasses);
            spec = spec.withNumClasses(numClasses);
        }
        return new ViT("custom ViT (" + source + ")", spec);
    }
}
