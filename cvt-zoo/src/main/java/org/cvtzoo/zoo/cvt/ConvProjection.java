package org.cvtzoo.zoo.cvt;

import org.cvtzoo.core.graph.Ops;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.core.graph.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Locale;

/**
 * CvT's convolutional projection of the token grid before the q/k/v linear layers
 * ({@code conv_proj_q}, {@code conv_proj_k}, {@code conv_proj_v}).
 */
public final class ConvProjection {
    private ConvProjection() {
    }

    public enum Method {
        /** Depthwise Conv2d without bias, then BatchNorm2d ({@code conv}, {@code bn}). */
        DW_BN,
        /** AvgPool2d with ceil_mode=True, padding counted; no parameters. */
        AVG,
        /** Identity. */
        LINEAR;

        public static Method parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown QKV_PROJ_METHOD '" + s + "' (expected dw_bn, avg or linear)");
            }
        }

        public String officialName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final double BN_EPS = 1e-5;

    /** A projected grid, NHWC {@code [B, h, w, C]}: the same values as tokens {@code [B, h*w, C]}. */
    record Grid(SDVariable nhwc, long h, long w) {
    }

    /** Projects the NHWC grid {@code [B, h, w, C]} (no class token). */
    static Grid apply(Scope s, Method method, SDVariable grid, long c, long h, long w, long kernel, long stride, long pad) {
        return switch (method) {
            case LINEAR -> new Grid(grid, h, w);
            case AVG -> new Grid(Ops.avgPoolCeilNhwc(grid, h, w, kernel, stride, pad),
                    Ops.ceilPoolOut(h, kernel, stride, pad), Ops.ceilPoolOut(w, kernel, stride, pad));
            case DW_BN -> {
                SDVariable weight = s.param("conv.weight", ParamStore.Layout.DEPTHWISE,
                        Scope.truncNormal(Math.sqrt(1.0 / (kernel * kernel))), c, 1, kernel, kernel);
                long oh = Ops.convOut(h, kernel, stride, pad), ow = Ops.convOut(w, kernel, stride, pad);
                SDVariable y;
                if (s.training()) {
                    SDVariable conv = s.sd().cnn().depthWiseConv2d(grid, weight, Ops.nhwcConvConfig(kernel, stride, pad));
                    y = batchNormTraining(s.child("bn"), conv, c, oh * ow);
                } else {
                    // a graph to differentiate: the batchnorm op has no usable gradient in M2.1
                    SDVariable[] folded = s.differentiable() ? foldBatchNormComposed(s.child("bn"), weight, c)
                            : foldBatchNorm(s.child("bn"), weight, c);
                    y = s.sd().cnn().depthWiseConv2d(grid, folded[0], folded[1], Ops.nhwcConvConfig(kernel, stride, pad));
                }
                yield new Grid(y, oh, ow);
            }
        };
    }

    /**
     * BatchNorm2d in training mode on an NHWC grid: normalised with the batch's mean and biased
     * variance over (batch, height, width), composed from primitives (SameDiff's batchNorm cannot
     * backprop); the statistics are recorded so that the trainer moves the running ones after the step.
     */
    static SDVariable batchNormTraining(Scope s, SDVariable x, long c, long spatial) {
        BatchNorm bn = BatchNorm.of(s, c); // the running statistics are moved by the trainer, outside the graph
        var sd = s.sd();
        SDVariable mean = x.mean(true, 0, 1, 2);
        SDVariable centred = x.sub(mean);
        SDVariable variance = Ops.square(centred).mean(true, 0, 1, 2);
        s.recordBatchStats(sd.reshape(mean, c), sd.reshape(variance, c), spatial);
        SDVariable normalised = centred.mul(sd.math().rsqrt(variance.add(BN_EPS)));
        return normalised.mul(bn.gamma()).add(bn.beta());
    }

    /**
     * BatchNorm2d with running statistics after a depthwise conv without bias, folded into the
     * conv: weight {@code w * gamma / sqrt(var + eps)} per channel and bias
     * {@code beta - mean * gamma / sqrt(var + eps)}. The folding works on the small parameter
     * arrays, so the activations see one op instead of three. Each half is one batchnorm op, on
     * the weight (with zero mean and zero shift) and on zeros (giving {@code beta - mean * scale}):
     * composed from primitives it took seven ops per projection, a quarter of CvT-13's ops.
     */
    static SDVariable[] foldBatchNorm(Scope s, SDVariable depthwiseWeight, long c) {
        BatchNorm bn = BatchNorm.of(s, c);
        var sd = s.sd();
        SDVariable zeros = sd.constant(Nd4j.zeros(DataType.FLOAT, c));
        return new SDVariable[]{
                sd.nn().batchNorm(depthwiseWeight, zeros, bn.var(), bn.gamma(), zeros, BN_EPS, 2), // [kH, kW, C, 1], channels on axis 2
                sd.nn().batchNorm(zeros, bn.mean(), bn.var(), bn.gamma(), bn.beta(), BN_EPS, 0)};
    }

    /** {@link #foldBatchNorm} composed from primitives, for a graph that will be differentiated. */
    static SDVariable[] foldBatchNormComposed(Scope s, SDVariable depthwiseWeight, long c) {
        BatchNorm bn = BatchNorm.of(s, c);
        var sd = s.sd();
        SDVariable scale = bn.gamma().mul(sd.math().rsqrt(bn.var().add(BN_EPS)));
        return new SDVariable[]{depthwiseWeight.mul(sd.reshape(scale, 1, 1, c, 1)), bn.beta().sub(bn.mean().mul(scale))};
    }

    /** BatchNorm2d's parameters and running statistics, declared under PyTorch's names in this order. */
    private record BatchNorm(SDVariable gamma, SDVariable beta, SDVariable mean, SDVariable var) {
        static BatchNorm of(Scope s, long c) {
            SDVariable gamma = s.param("weight", ParamStore.Layout.AS_IS, Scope.ones(), c);
            SDVariable beta = s.param("bias", ParamStore.Layout.AS_IS, Scope.zeros(), c);
            return new BatchNorm(gamma, beta, s.buffer("running_mean", Scope.zeros(), c), s.buffer("running_var", Scope.ones(), c));
        }
    }
}
