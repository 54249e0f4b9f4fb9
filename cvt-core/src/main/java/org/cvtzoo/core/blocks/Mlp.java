package org.cvtzoo.core.blocks;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.function.UnaryOperator;

/** The transformer MLP ({@code mlp}): {@code fc1}, activation, {@code fc2}. */
public final class Mlp {
    private Mlp() {
    }

    public static SDVariable apply(Scope s, SDVariable x, long n, long dim, long hidden, UnaryOperator<SDVariable> act) {
        SDVariable h = act.apply(Ops.linear(s, "fc1", x, n, dim, hidden, true));
        return Ops.linear(s, "fc2", h, n, hidden, dim, true);
    }
}
