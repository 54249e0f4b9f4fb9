package org.cvtzoo.core.exec;

import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;

import java.util.List;

/**
 * One rewrite of a plan: a pattern of graph ops that the plan runs as one faster step (a oneDNN
 * primitive or a Java kernel), as ONNX Runtime's graph transformers are listed. {@link Rewrites}
 * holds the list and applies it; a plan says which fired ({@link ExecutionPlan#rewrites()}).
 */
interface Rewrite {
    /** A short name, as profiles and {@link ExecutionPlan#rewrites()} show it. */
    String name();

    /**
     * Whether the plan matches this rewrite over all ops before the others: a backward group
     * that reads no intermediate of its forward chain, so that the forward chain's own rewrite
     * can match afterwards.
     */
    default boolean matchedFirst() {
        return false;
    }

    /** The group that this rewrite makes of the ops starting with {@code first}, or null. */
    Group match(OpGraph graph, SameDiffOp first);

    /** How a group runs: a step over the group's arguments, or null where it cannot take these arrays. */
    interface Implementation {
        Step step(SameDiffOp standIn, INDArray[] args);
    }

    /**
     * A matched group: the op standing in for it in the plan's op list (its arguments are the
     * group's inputs, its outputs the group's output), how it runs, and the graph ops it replaces.
     */
    record Group(Rewrite rewrite, SameDiffOp op, Implementation implementation, List<SameDiffOp> members) {
    }

    /**
     * The stand-in under another description: for an implementation that runs the group another
     * way than its rewrite names (its own fallback), so that profiles and the plan's list of
     * rewrites say what runs.
     */
    static SameDiffOp relabelled(SameDiffOp standIn, String description) {
        return new SameDiffOp(standIn.getName(), new StandIn(description), standIn.getInputsToOp(), standIn.getOutputsOfOp(),
                null, null, null);
    }

    /**
     * The function of a stand-in op: never run by ND4J, it names the group for listeners and
     * profiles (a listener gets a {@link SameDiffOp} for each step, and the stand-in is that).
     */
    final class StandIn extends DynamicCustomOp {
        private final String name;

        StandIn(String name) {
            this.name = name;
        }

        @Override
        public String opName() {
            return name;
        }
    }
}
