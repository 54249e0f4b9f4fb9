package org.cvtzoo.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.cvtzoo.core.image.EvalTransform;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * What is published about a variant, each fact with its source: the evaluation preprocessing,
 * where the official pretrained weights are (null: none published) with their SHA-256 (null:
 * none published, so a download is unverified and says so), and the published size and cost.
 */
public record Card(EvalTransform eval, Pretrained pretrained, Published published) {

    public record Pretrained(URI url, String file, String sha256, String source) {
    }

    /** Parameters (millions) and compute at the native size, in the unit the source uses (GFLOPs or GMACs). */
    public record Published(double paramsMillions, double compute, String unit, String source) {
    }

    /** No facts known: ImageNet-style evaluation at 224 and no weights. */
    public static final Card UNKNOWN = new Card(null, null, null);

    /** The cards of the built-in variants (resource zoo-cards.json), by variant name. */
    static Map<String, Card> builtIn() {
        try (InputStream in = Card.class.getResourceAsStream("zoo-cards.json")) {
            JsonNode root = new ObjectMapper().readTree(in);
            Map<String, Card> cards = new HashMap<>();
            root.fields().forEachRemaining(e -> {
                if (!e.getKey().startsWith("_")) cards.put(e.getKey(), parse(e.getValue()));
            });
            return cards;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the built-in zoo-cards.json", e);
        }
    }

    private static Card parse(JsonNode n) {
        JsonNode p = n.path("pretrained"), q = n.path("published");
        Pretrained pretrained = p.isObject() ? new Pretrained(URI.create(p.get("url").asText()), p.get("file").asText(),
                p.path("sha256").isTextual() ? p.get("sha256").asText() : null, p.get("source").asText()) : null;
        Published published = q.isObject() ? new Published(q.get("params_m").asDouble(), q.get("compute").asDouble(),
                q.get("unit").asText(), q.get("source").asText()) : null;
        return new Card(EvalTransform.named(n.get("eval").asText()), pretrained, published);
    }
}
