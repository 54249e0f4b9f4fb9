package org.cvtzoo.zoo.explain;

import org.cvtzoo.core.ZooException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * Attention rollout (Abnar &amp; Zuidema 2020, as commonly implemented for ViT) and Chefer, Gur
 * &amp; Wolf's gradient-weighted rollout (ICCV 2021), on square self-attention matrices
 * {@code [B, heads, n, n]} whose first token is the class token. Computed in double precision.
 *
 * @param fusion       how the heads of a block are fused
 * @param discardRatio the share of each fused matrix's entries, lowest first, set to 0 (never the
 *                     class token's attention to itself); 0 keeps all
 */
public record Rollout(Fusion fusion, double discardRatio) {
    public static final Rollout DEFAULT = new Rollout(Fusion.MEAN, 0);

    public enum Fusion {
        MEAN, MAX, MIN;

        public static Fusion parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new ZooException("unknown head fusion '" + s + "' (known: mean, max, min)");
            }
        }
    }

    public Rollout {
        if (!(discardRatio >= 0 && discardRatio < 1)) {
            throw new ZooException("the discard ratio must be in [0, 1), got " + discardRatio);
        }
    }

    /**
     * Per block: the heads fused, the lowest {@code discardRatio} of the entries set to 0, plus the
     * identity (the residual connection), each row renormalised to sum 1; multiplied through the
     * blocks, later ones on the left ({@code R = A_L ... A_1}). The class token's row over the
     * patches, {@code [B, n - 1]}.
     */
    public INDArray apply(List<INDArray> attentions) {
        long b = attentions.get(0).size(0), n = attentions.get(0).size(2);
        INDArray out = Nd4j.create(DataType.DOUBLE, b, n - 1);
        INDArray eye = Nd4j.eye(n).castTo(DataType.DOUBLE);
        for (long i = 0; i < b; i++) {
            INDArray r = eye.dup();
            for (INDArray a : attentions) {
                INDArray heads = a.get(NDArrayIndex.point(i)).castTo(DataType.DOUBLE); // [heads, n, n]
                INDArray fused = switch (fusion) {
                    case MEAN -> heads.mean(0);
                    case MAX -> heads.max(0);
                    case MIN -> heads.min(0);
                };
                fused = discard(fused.reshape(n, n).dup(), n).addi(eye);
                fused.diviColumnVector(fused.sum(true, 1));
                r = fused.mmul(r);
            }
            out.putRow(i, r.get(NDArrayIndex.point(0), NDArrayIndex.interval(1, n)));
        }
        return out;
    }

    /** The lowest {@code discardRatio * n * n} entries set to 0, except entry [0, 0]. */
    private INDArray discard(INDArray m, long n) {
        int count = (int) (n * n * discardRatio);
        if (count == 0) return m;
        double[] v = m.reshape(n * n).toDoubleVector();
        Integer[] order = new Integer[v.length];
        for (int j = 0; j < v.length; j++) order[j] = j;
        Arrays.sort(order, Comparator.comparingDouble(j -> v[j]));
        for (int j = 0; j < count; j++) if (order[j] != 0) v[order[j]] = 0;
        return Nd4j.create(v, new long[]{n, n}, DataType.DOUBLE);
    }

    /**
     * Chefer et al.'s relevance for self-attention: {@code R = I}; per block
     * {@code R += mean_heads[(dA * A)^+] R}, with dA the gradient of the class score with respect
     * to the block's attention probabilities A. The class token's row over the patches, {@code [B, n - 1]}.
     */
    public static INDArray chefer(List<INDArray> attentions, List<INDArray> gradients) {
        long b = attentions.get(0).size(0), n = attentions.get(0).size(2);
        INDArray out = Nd4j.create(DataType.DOUBLE, b, n - 1);
        for (long i = 0; i < b; i++) {
            INDArray r = Nd4j.eye(n).castTo(DataType.DOUBLE);
            for (int l = 0; l < attentions.size(); l++) {
                INDArray a = attentions.get(l).get(NDArrayIndex.point(i)).castTo(DataType.DOUBLE);
                INDArray g = gradients.get(l).get(NDArrayIndex.point(i)).castTo(DataType.DOUBLE);
                INDArray cam = Transforms.relu(a.mul(g), false).mean(0).reshape(n, n);
                r = r.add(cam.mmul(r));
            }
            out.putRow(i, r.get(NDArrayIndex.point(0), NDArrayIndex.interval(1, n)));
        }
        return out;
    }
}
