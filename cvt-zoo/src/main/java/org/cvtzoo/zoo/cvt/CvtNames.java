package org.cvtzoo.zoo.cvt;

import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face transformers' CvT names ({@code cvt.encoder.stages.0.embedding...}) to the
 * official microsoft/CvT names ({@code stage0.patch_embed...}). A key that matches no rule is
 * left as it is, so that strict loading reports it by its own name.
 */
public final class CvtNames {
    private CvtNames() {
    }

    private static final Pattern STAGE = Pattern.compile("cvt\\.encoder\\.stages\\.(\\d+)\\.(.*)");
    private static final Pattern LAYER = Pattern.compile("layers\\.(\\d+)\\.(.*)");
    private static final String[][] LAYER_RULES = {
            {"attention.attention.convolution_projection_query.convolution_projection.convolution.", "attn.conv_proj_q.conv."},
            {"attention.attention.convolution_projection_key.convolution_projection.convolution.", "attn.conv_proj_k.conv."},
            {"attention.attention.convolution_projection_value.convolution_projection.convolution.", "attn.conv_proj_v.conv."},
            {"attention.attention.convolution_projection_query.convolution_projection.normalization.", "attn.conv_proj_q.bn."},
            {"attention.attention.convolution_projection_key.convolution_projection.normalization.", "attn.conv_proj_k.bn."},
            {"attention.attention.convolution_projection_value.convolution_projection.normalization.", "attn.conv_proj_v.bn."},
            {"attention.attention.projection_query.", "attn.proj_q."},
            {"attention.attention.projection_key.", "attn.proj_k."},
            {"attention.attention.projection_value.", "attn.proj_v."},
            {"attention.output.dense.", "attn.proj."},
            {"intermediate.dense.", "mlp.fc1."},
            {"output.dense.", "mlp.fc2."},
            {"layernorm_before.", "norm1."},
            {"layernorm_after.", "norm2."},
    };

    public static boolean isHuggingFace(Collection<String> keys) {
        return keys.stream().anyMatch(k -> k.startsWith("cvt.encoder."));
    }

    public static String fromHuggingFace(String key) {
        switch (key) {
            case "layernorm.weight": return "norm.weight";
            case "layernorm.bias": return "norm.bias";
            case "classifier.weight": return "head.weight";
            case "classifier.bias": return "head.bias";
            default: break;
        }
        Matcher m = STAGE.matcher(key);
        if (!m.matches()) return key;
        String stage = "stage" + m.group(1) + ".";
        String rest = m.group(2);
        if (rest.equals("cls_token")) return stage + "cls_token";
        if (rest.startsWith("embedding.convolution_embeddings.projection.")) {
            return stage + "patch_embed.proj." + rest.substring("embedding.convolution_embeddings.projection.".length());
        }
        if (rest.startsWith("embedding.convolution_embeddings.normalization.")) {
            return stage + "patch_embed.norm." + rest.substring("embedding.convolution_embeddings.normalization.".length());
        }
        Matcher l = LAYER.matcher(rest);
        if (l.matches()) {
            for (String[] rule : LAYER_RULES) {
                if (l.group(2).startsWith(rule[0])) {
                    return stage + "blocks." + l.group(1) + "." + rule[1] + l.group(2).substring(rule[0].length());
                }
            }
        }
        return key;
    }
}
