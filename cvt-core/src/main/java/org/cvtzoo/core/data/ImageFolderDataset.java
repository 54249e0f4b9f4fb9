package org.cvtzoo.core.data;

import java.util.Random;
import org.cvtzoo.core.image.EvalTransform;
import org.cvtzoo.core.image.Images;

/**
 * An {@link ImageFolder} as a {@link Dataset}: each file decoded ({@link Images#read}, whose
 * errors name the file) and passed through an {@link ImageTransform}.
 */
public final class ImageFolderDataset implements Dataset {
    private final ImageFolder folder;
    private final ImageTransform transform;

    public ImageFolderDataset(ImageFolder folder, ImageTransform transform) {
        if (folder == null || transform == null) {
            throw new IllegalArgumentException("folder and transform are required");
        }
        this.folder = folder;
        this.transform = transform;
    }

    /** For training, with a random augmentation. */
    public static ImageFolderDataset train(ImageFolder folder, TrainTransform transform) {
        return new ImageFolderDataset(folder, transform);
    }

    /** For evaluation, with a deterministic transform. */
    public static ImageFolderDataset eval(ImageFolder folder, EvalTransform transform) {
        return new ImageFolderDataset(folder, ImageTransform.of(transform));
    }

    public ImageFolder folder() {
        return folder;
    }

    @Override
    public int size() {
        return folder.size();
    }

    @Override
    public Example get(int index, Random rng) {
        return new Example(transform.apply(Images.read(folder.path(index)), rng),
                folder.label(index));
    }

    @Override
    public String toString() {
        return "ImageFolderDataset[" + folder + "]";
    }
}
