package org.cvtzoo.core.exec;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.reduce.bp.MeanBp;
import org.nd4j.linalg.api.ops.impl.reduce.bp.SumBp;
import org.nd4j.linalg.api.ops.impl.shape.OnesLike;
import org.nd4j.linalg.api.ops.impl.shape.ZerosLike;
import org.nd4j.linalg.factory.Nd4j;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plans give back the buffer of an activation once its values are read for the last time,
 * though a backward op still holds it for its shape ({@link ShapeOnlyReads}): these ops, ND4J's
 * and the Java kernels that replace them, must then give the same results whatever those buffers
 * hold. Each runs here on forward operands full of NaN and on random ones.
 */
class ShapeOnlyReadsTest {
    private static INDArray random(long... shape) {
        return Nd4j.rand(DataType.FLOAT, shape).subi(0.5);
    }

    private static INDArray nan(long... shape) {
        return Nd4j.create(DataType.FLOAT, shape).assign(Float.NaN);
    }

    /** The op's outputs on forward operands made by {@code operand}, the gradient fixed. */
    private static void assertIgnoresValues(String what, Function<Function<long[], INDArray>, INDArray[]> op) {
        INDArray[] withValues = op.apply(ShapeOnlyReadsTest::random), withNaN = op.apply(ShapeOnlyReadsTest::nan);
        assertEquals(withValues.length, withNaN.length);
        for (int i = 0; i < withValues.length; i++) {
            assertFalse(withNaN[i].isNaN().any(), what + ": output " + i + " read a NaN operand");
            assertEquals(withValues[i], withNaN[i], what + ": output " + i);
        }
    }

    private static INDArray[] exec(String opName, INDArray[] inputs, int[] iArgs, long[]... outShapes) {
        INDArray[] outs = new INDArray[outShapes.length];
        for (int i = 0; i < outs.length; i++) outs[i] = Nd4j.create(DataType.FLOAT, outShapes[i]);
        Nd4j.exec(DynamicCustomOp.builder(opName).addInputs(inputs).addOutputs(outs).addIntegerArguments(iArgs).build());
        return outs;
    }

    @Test
    void ndOpsReadTheForwardOperandsForTheirShapesOnly() {
        Nd4j.getRandom().setSeed(3);
        INDArray grad = random(4, 6, 5), rowGrad = random(4, 1, 5);
        for (String name : new String[]{"add_bp", "subtract_bp"}) {
            assertIgnoresValues(name, operand -> exec(name, new INDArray[]{operand.apply(new long[]{4, 6, 5}),
                    operand.apply(new long[]{4, 6, 5}), grad}, new int[0], new long[]{4, 6, 5}, new long[]{4, 6, 5}));
            assertIgnoresValues(name + " broadcast", operand -> exec(name, new INDArray[]{operand.apply(new long[]{4, 6, 5}),
                    operand.apply(new long[]{5}), grad}, new int[0], new long[]{4, 6, 5}, new long[]{5}));
        }
        assertIgnoresValues("reduce_mean_bp", operand -> {
            INDArray out = Nd4j.create(DataType.FLOAT, 4, 6, 5);
            Nd4j.exec(new MeanBp(operand.apply(new long[]{4, 6, 5}), rowGrad, out, true, 1));
            return new INDArray[]{out};
        });
        assertIgnoresValues("reduce_sum_bp", operand -> {
            INDArray out = Nd4j.create(DataType.FLOAT, 4, 6, 5);
            Nd4j.exec(new SumBp(operand.apply(new long[]{4, 6, 5}), rowGrad, out, true, Nd4j.createFromArray(1)));
            return new INDArray[]{out};
        });
        assertIgnoresValues("concat_bp", operand -> exec("concat_bp", new INDArray[]{operand.apply(new long[]{4, 2, 5}),
                operand.apply(new long[]{4, 4, 5}), grad}, new int[]{1}, new long[]{4, 2, 5}, new long[]{4, 4, 5}));
        assertIgnoresValues("zeros_like", operand -> new INDArray[]{Nd4j.exec(new ZerosLike(operand.apply(new long[]{4, 6, 5})))[0]});
        assertIgnoresValues("ones_like", operand -> new INDArray[]{Nd4j.exec(new OnesLike(operand.apply(new long[]{4, 6, 5})))[0]});
    }

    @Test
    void javaKernelsReadTheForwardOperandsForTheirShapesOnly() {
        Nd4j.getRandom().setSeed(4);
        INDArray grad = random(4, 6, 5), rowGrad = random(4, 1, 5);
        for (boolean subtract : new boolean[]{false, true}) {
            JavaKernels.SumBackward kernel = new JavaKernels.SumBackward(subtract);
            for (long[] yShape : new long[][]{{4, 6, 5}, {5}, {4, 1, 5}}) {
                assertIgnoresValues((subtract ? "subtract_bp" : "add_bp") + " kernel, y " + java.util.Arrays.toString(yShape), operand -> {
                    INDArray[] args = {operand.apply(new long[]{4, 6, 5}), operand.apply(yShape), grad};
                    assertTrue(kernel.accepts(args));
                    INDArray[] outs = {Nd4j.create(DataType.FLOAT, 4, 6, 5), Nd4j.create(DataType.FLOAT, yShape)};
                    kernel.run(args, outs);
                    return outs;
                });
            }
        }
        JavaKernels.MeanBackward mean = new JavaKernels.MeanBackward();
        assertIgnoresValues("reduce_mean_bp kernel", operand -> {
            INDArray[] args = {operand.apply(new long[]{4, 6, 5}), rowGrad};
            assertTrue(mean.accepts(args));
            INDArray[] outs = {Nd4j.create(DataType.FLOAT, 4, 6, 5)};
            mean.run(args, outs);
            return outs;
        });
    }
}
