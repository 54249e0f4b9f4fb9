package org.cvtzoo.core.data;

import java.util.Random;
import org.cvtzoo.core.image.Interpolation;

/**
 * IDX images (MNIST, Fashion-MNIST) as a {@link Dataset}: each grey image replicated to RGB,
 * then through an {@link ImageTransform} (a resize and normalisation, or a training
 * augmentation).
 */
public final class IdxDataset implements Dataset {
    private final Idx.Labelled data;
    private final ImageTransform transform;

    public IdxDataset(Idx.Labelled data, ImageTransform transform) {
        if (data == null || transform == null) {
            throw new IllegalArgumentException("data and transform are required");
        }
        this.data = data;
        this.transform = transform;
    }

    /**
     * Each image bicubically resized to {@code size x size} (as torchvision's
     * {@code Resize(size)} on a square PIL image), then {@code ToTensor} and
     * {@code Normalize(mean, std)}.
     */
    public static IdxDataset resized(Idx.Labelled data, int size, float[] mean, float[] std) {
        return new IdxDataset(data, ImageTransform.resize(size, size, Interpolation.BICUBIC,
                mean, std));
    }

    /** The images and labels. */
    public Idx.Labelled data() {
        return data;
    }

    @Override
    public int size() {
        return data.size();
    }

    @Override
    public Example get(int index, Random rng) {
        return new Example(transform.apply(data.images().rgb(index), rng), data.label(index));
    }

    @Override
    public String toString() {
        return "IdxDataset[" + data.images() + "]";
    }
}
