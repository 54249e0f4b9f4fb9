/**
 * The data side of fine-tuning: data sets, training augmentation and background batching.
 *
 * <ul>
 *   <li>{@link org.cvtzoo.core.data.Idx}: MNIST / Fashion-MNIST IDX files (plain or gzip);
 *       {@link org.cvtzoo.core.data.FashionMnist} finds Fashion-MNIST (system property
 *       {@code cvt.fashion.dir}, env {@code CVT_FASHION_DIR}, or Debian's
 *       {@code /usr/share/datasets/fashion-mnist}) and names its classes.</li>
 *   <li>{@link org.cvtzoo.core.data.ImageFolder}: one sub-folder per class, as torchvision's
 *       {@code ImageFolder}, with a stratified deterministic train/validation split.</li>
 *   <li>{@link org.cvtzoo.core.data.TrainTransform}: {@code RandomResizedCrop} +
 *       {@code RandomHorizontalFlip} + {@code Normalize} from a seeded {@link java.util.Random};
 *       {@link org.cvtzoo.core.data.ImageTransform} adapts evaluation transforms.</li>
 *   <li>{@link org.cvtzoo.core.data.Dataset} ({@link org.cvtzoo.core.data.IdxDataset},
 *       {@link org.cvtzoo.core.data.ImageFolderDataset}) and
 *       {@link org.cvtzoo.core.data.BatchLoader}, which prepares seeded, shuffled NCHW batches
 *       on worker threads.</li>
 * </ul>
 *
 * <p>Errors about files and folders are {@link org.cvtzoo.core.data.DataException}s (a
 * {@link org.cvtzoo.core.ZooException}) whose messages name the path.
 */
package org.cvtzoo.core.data;
