package org.cvtzoo.zoo;

import com.fasterxml.jackson.databind.JsonNode;
import org.cvtzoo.core.graph.Scope;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.core.weights.StateDict;
import org.cvtzoo.zoo.spec.ModelSpec;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;

/**
 * A model family's description of one model: its spec, how to build its graph for an input
 * size under the official parameter names, and how to read checkpoints that need adapting.
 */
public interface Architecture {

    /**
     * What a graph computes: logits {@code [B, classes]}, pre-logits features {@code [B, dim]},
     * and the attention map {@code [B, heads, h, w]} over the patch grid (every family alike; a
     * family with one-head class attention has one head), or null where the model has none.
     */
    record Outputs(SDVariable logits, SDVariable features, SDVariable attention, Explained explained) {
        public Outputs(SDVariable logits, SDVariable features, SDVariable attention) {
            this(logits, features, attention, null);
        }
    }

    /**
     * What the explanation methods ({@code org.cvtzoo.zoo.explain}) read from a graph.
     *
     * @param grid            Grad-CAM's activations: the tokens entering the model's last attention
     *                        block (the only path from the patch tokens to the class token there),
     *                        {@code [B, tokens, channels]} or the same as rows; the last {@code h * w}
     *                        of each image are the patch grid in row-major order
     * @param blockAttentions every block's attention probabilities {@code [B, heads, n, n]} in
     *                        forward order where each is a square self-attention over the same
     *                        tokens, the class token first (ViT); empty where they are not
     */
    record Explained(SDVariable grid, long tokens, long h, long w, long channels, List<SDVariable> blockAttentions) {
        public Explained {
            blockAttentions = List.copyOf(blockAttentions);
        }
    }

    /** Whether the attention map has one channel per class (deit's multiclass PatchConvNet), rather than per head. */
    default boolean attentionPerClass() {
        return false;
    }

    /** Human-readable name: the registered variant or "custom CvT (file)". */
    String name();

    String family();

    ModelSpec<?> spec();

    default int numClasses() {
        return spec().numClasses();
    }

    /** The input size the model is made for: {height, width}. */
    default int[] nativeSize() {
        return spec().inputSize();
    }

    /** The official evaluation preprocessing, or null where it is not known. */
    default EvalTransform eval() {
        return spec().eval();
    }

    /** Throws {@link org.cvtzoo.core.ZooException} naming the problem when the model cannot take this size. */
    void checkInputSize(long h, long w);

    /** Builds the graph for NCHW {@code input} of height h and width w. */
    Outputs build(Scope scope, SDVariable input, long h, long w);

    /** The same model with a new head of n classes (the spec's other fields unchanged). */
    Architecture withNumClasses(int n);

    /** The same model under another name. */
    Architecture withName(String name);

    /** The spec as a tree that {@code Zoo.architecture(tree, ...)} reads back (saved in model files). */
    default JsonNode specTree() {
        return spec().toTree();
    }

    /**
     * A checkpoint as this model's parameters need it, like timm's {@code checkpoint_filter_fn}:
     * other naming schemes mapped to the official names, tensors trained for another size
     * adapted. The identity unless the family knows such a case.
     */
    default StateDict filterCheckpoint(StateDict dict) {
        return dict;
    }

    /** Which parameters are the classifier, which take no weight decay, and the blocks in order (for fine-tuning). */
    ParameterGroups parameterGroups();
}
