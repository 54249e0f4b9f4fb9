package org.cvtzoo.zoo.dl4j;

import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.cvtzoo.zoo.download.WeightsCache;

/**
 * DL4J's zoo idiom for this zoo's SameDiff models: {@code new CvT13().initPretrained()} as
 * {@code new ResNet50().initPretrained()}. DL4J's own {@code ZooModel} returns
 * MultiLayerNetwork / ComputationGraph, which a SameDiff graph is not, so these classes are not
 * ZooModels and return a {@link VisionModel} (there is no ComputationGraph adapter); the cache is DL4J's ({@code ~/.deeplearning4j/models/<name>/}), and
 * downloads are checked with SHA-256 where one is published (DL4J checks Adler32).
 */
public abstract class SameDiffZooModel {
    private final String variant;

    protected SameDiffZooModel(String variant) {
        this.variant = variant;
    }

    /** The registered variant name ({@code cvt-13}, {@code vit-s16}, ...). */
    public String modelName() {
        return variant;
    }

    /** {@code [channels, height, width]} of the native input. */
    public int[] inputShape() {
        int[] s = Zoo.variant(variant).architecture().nativeSize();
        return new int[]{3, s[0], s[1]};
    }

    /** Freshly initialised, with the variant's number of classes. */
    public VisionModel init() {
        return Zoo.load(variant);
    }

    /** Freshly initialised with another number of classes (for training from scratch or fine-tuning). */
    public VisionModel init(int numClasses) {
        return Zoo.load(variant, numClasses);
    }

    public boolean pretrainedAvailable() {
        return Zoo.variant(variant).card().pretrained() != null;
    }

    /** The official ImageNet-1k weights, from the cache or downloaded into it. */
    public VisionModel initPretrained() {
        return initPretrained(WeightsCache.standard());
    }

    public VisionModel initPretrained(WeightsCache cache) {
        return Zoo.load(variant, Zoo.pretrainedWeights(variant, cache));
    }
}
