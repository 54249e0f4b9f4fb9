package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.function.UnaryOperator;

/** The transformer MLP ({@code mlp}): {@code fc1}, activation, {@code fc2}, on rows {@code [B*n, dim]}. */
public final class Mlp {
    private Mlp() {
    }

    public static SDVariable apply(Scope s, SDVariable rows, long dim, long hidden, UnaryOperator<SDVariable> act) {
        SDVariable h = act.apply(Ops.linear(s, "fc1", rows, dim, hidden, true));
        return Ops.linear(s, "fc2", h, hidden, dim, true);
    }
}
