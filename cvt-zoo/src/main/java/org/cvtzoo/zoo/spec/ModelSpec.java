package org.cvtzoo.zoo.spec;

import com.fasterxml.jackson.databind.node.ObjectNode;

/** What every family's spec offers: its classes, a copy with another head, and the tree it is read from. */
public interface ModelSpec<S extends ModelSpec<S>> {
    int numClasses();

    S withNumClasses(int n);

    /** The spec as the tree its family's reader takes back (saved in model files). */
    ObjectNode toTree();
}
