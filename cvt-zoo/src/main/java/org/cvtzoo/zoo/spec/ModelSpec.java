package org.cvtzoo.zoo.spec;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.cvtzoo.core.image.EvalTransform;

/**
 * What every family's spec offers: its classes, the input size it was made for and how its
 * official code evaluates images, a copy with another head, and the tree it is read from.
 * Specs are immutable values.
 */
public interface ModelSpec<S extends ModelSpec<S>> {
    int numClasses();

    /** The input size the model is made for: {height, width}. */
    int[] inputSize();

    /** The official evaluation preprocessing for this spec, or null where it is not known. */
    EvalTransform eval();

    S withNumClasses(int n);

    /** The spec as the tree its family's reader takes back (saved in model files). */
    ObjectNode toTree();
}
