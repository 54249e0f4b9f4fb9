package org.cvtzoo.zoo.cvt;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.zoo.Architecture;
import org.cvtzoo.zoo.Card;
import org.cvtzoo.zoo.Family;
import org.cvtzoo.zoo.Variant;
import org.cvtzoo.zoo.spec.SpecException;
import org.cvtzoo.zoo.spec.SpecFiles;

import java.util.List;

/**
 * CvT (microsoft/CvT): the registered variants, each an official experiment YAML's MODEL and
 * TEST sections (resources {@code cvt-13.yaml} ...), and spec files in that structure.
 * The official release is a OneDrive folder without per-file links, so the pretrained weights
 * are the Hugging Face copies (transformers names, which {@link CvtNames} maps).
 */
public final class CvtFamily implements Family {
    public static final String NAME = "cvt";
    private static final String README = "microsoft/CvT README (its GFLOPs count multiply-adds)";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public List<Variant> variants() {
        return List.of(
                variant("cvt-13", List.of("cvt13", "microsoft/cvt-13"), new Card(
                        Card.Pretrained.at("https://huggingface.co/microsoft/cvt-13/resolve/main/model.safetensors", null,
                                "Hugging Face microsoft/cvt-13 (transformers names; the official release is a OneDrive"
                                        + " folder without per-file links, microsoft/CvT README)"),
                        new Card.Published(20, 4.5, README))),
                variant("cvt-21", List.of("cvt21", "microsoft/cvt-21"), new Card(
                        Card.Pretrained.at("https://huggingface.co/microsoft/cvt-21/resolve/main/pytorch_model.bin", null,
                                "Hugging Face microsoft/cvt-21 (transformers names; official release: OneDrive folder,"
                                        + " microsoft/CvT README)"),
                        new Card.Published(32, 7.1, README))),
                variant("cvt-w24", List.of("cvtw24", "microsoft/cvt-w24-384-22k"), new Card(
                        Card.Pretrained.at("https://huggingface.co/microsoft/cvt-w24-384-22k/resolve/main/pytorch_model.bin",
                                null, "Hugging Face microsoft/cvt-w24-384-22k (transformers names; official release:"
                                        + " OneDrive folder, microsoft/CvT README)"),
                        new Card.Published(277, 193.2, README))));
    }

    private static Variant variant(String name, List<String> aliases, Card card) {
        CvtSpec spec = CvtSpec.fromTree(SpecFiles.readResource(CvtFamily.class, name + ".yaml"), name + ".yaml");
        return new Variant(new CvT(name, spec), aliases, card);
    }

    @Override
    public Architecture fromSpec(JsonNode tree, String source) {
        if (tree.has("family")) {
            throw new SpecException(source + ": a CvT spec has the structure of microsoft/CvT's experiment YAML"
                    + " (MODEL.SPEC), not a 'family' field");
        }
        return new CvT("custom CvT (" + source + ")", CvtSpec.fromTree(tree, source));
    }
}
