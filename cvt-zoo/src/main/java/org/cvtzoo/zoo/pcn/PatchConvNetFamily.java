package org.cvtzoo.zoo.pcn;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.Card;
import org.cvtzoo.zoo.Family;
import org.cvtzoo.zoo.Variant;

import java.util.List;
import java.util.Locale;

/**
 * PatchConvNet (deit): the registered variants and flat JSON specs ({@code "family": "patchconvnet"}).
 * The variants are deit's {@code S60 S120 B60 B120 L60 L120}: width 384 / 768 / 1024, depth 60 or
 * 120, layer-scale init 1e-4 for S60 and 1e-6 for the others, class-attention MLP ratio 3,
 * 1000 classes at 224x224, deit's evaluation. Aliases: deit's function names ({@code S60}) and
 * {@code patchconvnet_s60}. ImageNet-1k weights are published for S60, S120, B60 and B120
 * (facebookresearch/deit README_patchconvnet.md), none for L60 and L120.
 * {@code patchconvnet-s60-multi} is deit's {@code S60_multi}: S60 with one class token per class
 * ({@code multiclass}); deit publishes no weights for it (convert S60's with
 * {@link PerClassTokens#convert} and fine-tune, as the paper does).
 */
public final class PatchConvNetFamily implements Family {
    public static final String NAME = "patchconvnet";
    private static final String README = "facebookresearch/deit README_patchconvnet.md (its GFLOPs count multiply-adds)";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Variant> variants() {
        return List.of(
                variant("s60", 384, 60, 1e-4, true, new Card.Published(25.2, 4.0, README)),
                variant("s120", 384, 120, 1e-6, true, new Card.Published(47.7, 7.5, README)),
                variant("b60", 768, 60, 1e-6, true, new Card.Published(99.4, 15.8, README)),
                variant("b120", 768, 120, 1e-6, true, new Card.Published(188.6, 29.9, README)),
                variant("l60", 1024, 60, 1e-6, false, null),
                variant("l120", 1024, 120, 1e-6, false, null),
                new Variant(new PatchConvNet("patchconvnet-s60-multi", PatchConvNetSpec.variant(384, 60, 1e-4).withMulticlass(true)),
                        List.of("S60_multi", "patchconvnet_s60_multi"), new Card(null, null)));
    }

    private static Variant variant(String size, int dim, int depth, double initScale, boolean weights,
                                   Card.Published published) {
        String name = "patchconvnet-" + size;
        Card.Pretrained pretrained = weights
                ? Card.Pretrained.at("https://dl.fbaipublicfiles.com/deit/" + size + "_224_1k.pth", null, README) : null;
        return new Variant(new PatchConvNet(name, PatchConvNetSpec.variant(dim, depth, initScale)),
                List.of(size.toUpperCase(Locale.ROOT), "patchconvnet_" + size), new Card(pretrained, published));
    }

    @Override
    public Architecture fromSpec(JsonNode tree, String source) {
        return new PatchConvNet("custom PatchConvNet (" + source + ")", PatchConvNetSpec.fromTree(tree, source));
    }
}
