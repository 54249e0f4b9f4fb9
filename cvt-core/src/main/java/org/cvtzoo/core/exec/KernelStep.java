package org.cvtzoo.core.exec;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.Arrays;
import java.util.List;

/** A step that runs a group of graph ops as one Java kernel ({@link JavaKernels}). */
final class KernelStep extends Step {
    private final JavaKernels.Kernel kernel;
    private final INDArray[] args;

    KernelStep(SameDiffOp standIn, JavaKernels.Kernel kernel, INDArray[] args) {
        super(standIn);
        this.kernel = kernel;
        this.args = args.clone();
        for (int i = 0; i < args.length; i++) ctx.setInputArray(i, args[i]);
    }

    @Override
    void bind(int index, INDArray array) {
        args[index] = array;
        ctx.setInputArray(index, array);
    }

    @Override
    List<LongShapeDescriptor> outputShapes(SameDiff sd) {
        return Arrays.stream(kernel.outputShapes(args))
                .map(shape -> LongShapeDescriptor.fromShape(shape, args[0].dataType())).toList();
    }

    @Override
    int passedThrough(int output) {
        return kernel.passedThrough(args, output);
    }

    @Override
    void exec() {
        copyUnsharedPassedThrough(args);
        kernel.run(args, outputs);
    }
}
