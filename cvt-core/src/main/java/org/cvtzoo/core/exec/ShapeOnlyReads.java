package org.cvtzoo.core.exec;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MeanBp;
import org.nd4j.linalg.api.ops.impl.reduce.bp.SumBp;
import org.nd4j.linalg.api.ops.impl.shape.OnesLike;
import org.nd4j.linalg.api.ops.impl.shape.ZerosLike;
import org.nd4j.linalg.api.ops.impl.shape.bp.ConcatBp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.AddBpOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.bp.SubBpOp;

import java.util.Map;

/**
 * Op inputs that are read for their shape only: the forward operands of a sum's, difference's,
 * mean's or concatenation's backward op, and the input of {@code zeros_like}. A training graph
 * passes forward activations to such ops, and counting those reads as uses would keep each
 * activation alive until the backward pass reaches it (cvt-13's step at batch 16 held 4.3 GB at
 * its peak that way). The plan gives such a buffer back after its last read of values; the op
 * keeps an array of the right shape over memory that others now write. {@code ShapeOnlyReadsTest}
 * checks, for ND4J's ops and the Java kernels that replace them, that the values are never read.
 */
final class ShapeOnlyReads {
    private ShapeOnlyReads() {
    }

    /** Whether {@code op} (a graph op, or a rewrite's stand-in for a single one) reads input {@code index} for its shape only. */
    static boolean of(SameDiffOp op, int index, Map<String, Rewrite.Group> groups) {
        Rewrite.Group group = groups.get(op.getName());
        if (group != null) {
            // a stand-in takes its single member's inputs in order (see the rewrites of backward ops)
            return group.members().size() == 1 && group.op().getInputsToOp().equals(group.members().get(0).getInputsToOp())
                    && of(group.members().get(0).getOp(), index, op.getInputsToOp().size());
        }
        return of(op.getOp(), index, op.getInputsToOp() == null ? 0 : op.getInputsToOp().size());
    }

    static boolean of(DifferentialFunction fn, int index, int inputs) {
        if (fn instanceof AddBpOp || fn instanceof SubBpOp) return index < 2;    // (x, y, gradient)
        if (fn instanceof MeanBp || fn instanceof SumBp) return index == 0;       // (x, gradient)
        if (fn instanceof ConcatBp) return index < inputs - 1;                   // (inputs..., gradient)
        return fn instanceof ZerosLike || fn instanceof OnesLike;
    }
}
