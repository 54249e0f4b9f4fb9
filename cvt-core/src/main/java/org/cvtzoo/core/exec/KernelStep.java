package org.cvtzoo.core.exec;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

import java.util.Arrays;
import java.util.List;

/** A step that runs a group of graph ops as one Java kernel ({@link Fusions}). */
final class KernelStep extends Step {
    private final Fusions.FusedOp fused;
    private final INDArray[] args;

    KernelStep(Fusions.Group group, INDArray[] args) {
        super(group.op());
        this.fused = group.fused();
        this.args = args.clone();
        for (int i = 0; i < args.length; i++) ctx.setInputArray(i, args[i]);
    }

    /** Whether the kernel can run on the bound arrays (types, layout, shapes); else the plan runs the group's ops. */
    boolean accepts() {
        return fused.kernel().accepts(args);
    }

    @Override
    void bind(int index, INDArray array) {
        args[index] = array;
        ctx.setInputArray(index, array);
    }

    @Override
    List<LongShapeDescriptor> outputShapes(SameDiff sd) {
        return Arrays.stream(fused.kernel().outputShapes(args))
                .map(shape -> LongShapeDescriptor.fromShape(shape, args[0].dataType())).toList();
    }

    @Override
    void exec() {
        fused.kernel().run(args, outputs);
    }
}
