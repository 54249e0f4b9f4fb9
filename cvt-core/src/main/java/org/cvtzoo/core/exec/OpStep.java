package org.cvtzoo.core.exec;

import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.BaseOp;
import org.nd4j.linalg.api.ops.BaseReduceOp;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * A step that is one op of the graph, with a context of its own, its input and output arrays
 * bound once, run with one call to the executioner. Custom ops take everything from the
 * context; legacy ops (transform, scalar, pairwise, broadcast, reduce) take x, y and z from it
 * and their scalar and axes from the op object, as SameDiff's inference session sets them.
 */
final class OpStep extends Step {
    private final DifferentialFunction fn;
    private final boolean custom;
    /** A legacy reduction whose second argument is its axes (not an array to read). */
    private final boolean axesArgument;

    OpStep(SameDiffOp op, INDArray[] args) {
        super(op);
        this.fn = op.getOp();
        this.custom = fn instanceof CustomOp;
        this.axesArgument = fn instanceof ReduceOp r && r.getOpType() != Op.Type.REDUCE3 && args.length == 2;
        if (custom) {
            DynamicCustomOp c = (DynamicCustomOp) fn;
            ctx.setArgs(args, c.iArgs(), c.dArgs(), c.tArgs(), c.bArgs());
        } else {
            for (int i = 0; i < args.length; i++) bind(i, args[i]);
        }
    }

    @Override
    void bind(int index, INDArray array) {         if (custom || index == 0) {
            ctx.setInputArray(index, array);
        } else if (axesArgument) {
            // as SameDiff's session: the axes become the op's dimensions; none means "reduce nothing"
            BaseReduceOp reduce = (BaseReduceOp) fn;
            reduce.setEmptyReduce(array.isEmpty());
            reduce.setDimensions(array.isEmpty() ? null : Shape.normalizeAxis(ctx.getInputArray(0).rank(), array.toIntVector()));
        } else {
            if (fn instanceof ScalarOp s) s.setScalar(array);
            ctx.setInputArray(index, array);
        }
    }

    /**
     * Custom ops get their output variables' data types, as SameDiff allocates them (the shape
     * functions cannot always tell).
     */
    @Override
    List<LongShapeDescriptor> outputShapes(SameDiff sd) {
        if (custom) {
            List<LongShapeDescriptor> shapes = ((DynamicCustomOp) fn).calculateOutputShape(ctx);
            if (shapes == null || shapes.size() != outputs.length) {
                throw new IllegalStateException("shape function of " + describe() + " gave " + shapes + " for "
                        + outputs.length + " outputs");
            }
            List<LongShapeDescriptor> typed = new ArrayList<>();
            for (int i = 0; i < shapes.size(); i++) {
                DataType type = sd.getVariable(op.getOutputsOfOp().get(i)).dataType();
                typed.add(shapes.get(i).dataType() == type ? shapes.get(i) : shapes.get(i).asDataType(type));
            }
            return typed;
        }
        if (fn instanceof BaseReduceOp r && r.isEmptyReduce()) {
            INDArray x = ctx.getInputArray(0);
            return List.of(LongShapeDescriptor.fromShape(x.shape(), x.dataType()));
        }
        return ((BaseOp) fn).calculateOutputShape(ctx);
    }

    @Override
    void exec() {
        if (custom) {
            Nd4j.exec((CustomOp) fn, ctx);
        } else {
            Nd4j.exec((Op) fn, ctx);
        }
    }

}
