package org.cvtzoo.zoo;

import org.cvtzoo.core.graph.Scope;
import org.cvtzoo.core.weights.StateDict;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A model family's description of one model: how to build its graph for an input size, under
 * the official parameter names, and how to read checkpoints that use other names.
 */
public interface Architecture {

    /** What a graph computes: logits {@code [B, classes]}, pre-logits features {@code [B, dim]},
     *  and the attention map the family exposes (null where there is none). */
    record Outputs(SDVariable logits, SDVariable features, SDVariable attention) {
    }

    /** Human-readable name: the registered variant or "custom CvT". */
    String name();

    String family();

    int numClasses();

    /** The input size the model was designed for: {height, width}. */
    int[] nativeSize();

    /** Throws IllegalArgumentException naming the problem when the model cannot take this size. */
    void checkInputSize(long h, long w);

    /** Builds the inference graph for NCHW {@code input} of height h and width w. */
    Outputs build(Scope scope, SDVariable input, long h, long w);

    /** The same model with a new head of n classes (the spec's other fields unchanged). */
    Architecture withNumClasses(int n);

    /** The spec as a tree that {@code Zoo.architecture(tree, ...)} reads back (saved in model files). */
    com.fasterxml.jackson.databind.JsonNode specTree();

    /** The checkpoint under official names (identity unless the family knows other naming schemes). */
    default StateDict toOfficialNames(StateDict dict) {
        return dict;
    }

    /** Which parameters are the classifier, which take no weight decay, and the blocks in order (for fine-tuning). */
    ParameterGroups parameterGroups();
}
