package org.cvtzoo.core.exec;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * One step of a plan: a graph op ({@link OpStep}) or a group of them run as one Java kernel
 * ({@link KernelStep}). Its context holds the arrays it reads and writes, for listeners too.
 */
abstract class Step {
    final SameDiffOp op;
    final OpContext ctx;
    final INDArray[] outputs;

    Step(SameDiffOp op) {
        this.op = op;
        this.ctx = Nd4j.getExecutioner().buildContext();
        this.outputs = new INDArray[op.getOutputsOfOp().size()];
    }

    /** Sets argument {@code index} to {@code array}: at build, and when a parameter's array was replaced. */
    abstract void bind(int index, INDArray array);

    /** The shapes of the outputs for the inputs bound now. */
    abstract List<LongShapeDescriptor> outputShapes(SameDiff sd);

    abstract void exec();

    /**
     * The argument whose array output {@code output} can be, unchanged: the step then writes
     * nothing there, and the plan gives the output the argument's memory; -1 for none.
     */
    int passedThrough(int output) {
        return -1;
    }

    /**
     * Copies its argument into each passed-through output that the plan gave a memory of its own
     * (an output the caller gets); a step calls it before writing its other outputs.
     */
    final void copyUnsharedPassedThrough(INDArray[] args) {
        for (int i = 0; i < outputs.length; i++) {
            int from = passedThrough(i);
            if (from >= 0 && outputs[i] != args[from]) FloatKernels.scaledCopy(args[from], 1f, outputs[i]);
        }
    }

    void setOutputs(INDArray[] arrays) {
        for (int i = 0; i < arrays.length; i++) {
            outputs[i] = arrays[i];
            ctx.setOutputArray(i, arrays[i]);
        }
    }

    void close() {
        try {
            ctx.close();
        } catch (Exception e) {
            throw new IllegalStateException("closing the context of " + describe(), e);
        }
    }

    String describe() {
        return op.getOp().opName() + " '" + op.getName() + "'";
    }
}
