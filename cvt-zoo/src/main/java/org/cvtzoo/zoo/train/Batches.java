package org.cvtzoo.zoo.train;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.data.Batch;
import org.cvtzoo.core.data.BatchLoader;
import org.cvtzoo.core.data.Dataset;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Iterator;

/**
 * Labelled data as the trainer and the evaluator read it, whether it comes from the project's
 * datasets or from a DL4J iterator: epochs of batches of images and class indices.
 */
abstract class Batches implements AutoCloseable {

    /**
     * float32 images {@code [B, 3, H, W]} and their B class indices; {@code ownsImages}: the
     * array was made for this batch (not a DL4J iterator's own), so it may be freed after use.
     */
    record Labelled(INDArray images, int[] labels, boolean ownsImages) {
        /** Frees the images now if this batch made them (their memory is off the Java heap). */
        void release() {
            if (ownsImages) images.close();
        }

        /** The labels as one-hot rows {@code [B, classes]}. */
        INDArray oneHot(int classes) {
            INDArray y = Nd4j.zeros(DataType.FLOAT, labels.length, classes);
            for (int i = 0; i < labels.length; i++) y.putScalar(i, labels[i], 1);
            return y;
        }
    }

    /** The number of batches of an epoch. */
    abstract int perEpoch();

    /** The batches of epoch {@code epoch} (0-based). */
    abstract Iterator<Labelled> epoch(int epoch);

    @Override
    public void close() {
    }

    /**
     * A dataset's training batches, prepared on background threads: a new order each epoch
     * drawn from (seed, epoch), so that a resumed run sees the same batches; a last partial
     * batch is dropped.
     */
    static Batches shuffled(Dataset data, int batchSize, long seed) {
        return new FromDataset(new BatchLoader(data, BatchLoader.Options.of(batchSize, seed).withDropLast(true)));
    }

    /** Every example of a dataset once, in index order. */
    static Batches inOrder(Dataset data, int batchSize) {
        return new FromDataset(new BatchLoader(data, BatchLoader.Options.of(batchSize, 0).withShuffle(false).withDropLast(false)));
    }

    /**
     * An iterator's batches as it gives them (its batch size, its order, its last partial
     * batch), from its start: each pass begins with {@code reset()}, and an iterator that cannot
     * reset can be read once. Features must be floating-point images {@code [B, 3, H, W]}, labels
     * one-hot {@code [B, classes]}; {@code checks} looks at each batch's features.
     */
    static Batches of(DataSetIterator data, int classes, IteratorChecks checks) {
        return new FromIterator(data, classes, checks);
    }

    private static final class FromDataset extends Batches {
        private final BatchLoader loader;

        FromDataset(BatchLoader loader) {
            this.loader = loader;
        }

        @Override
        int perEpoch() {
            return loader.batchesPerEpoch();
        }

        @Override
        Iterator<Labelled> epoch(int epoch) {
            BatchLoader.Epoch batches = loader.epoch(epoch);
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return batches.hasNext();
                }

                @Override
                public Labelled next() {
                    Batch b = batches.next();
                    return new Labelled(b.images(), b.labels(), true);
                }
            };
        }

        @Override
        public void close() {
            loader.close();
        }
    }

    private static final class FromIterator extends Batches {
        private final DataSetIterator data;
        private final int classes;
        private final IteratorChecks checks;
        private int perEpoch = -1;
        private boolean read;

        FromIterator(DataSetIterator data, int classes, IteratorChecks checks) {
            this.data = data;
            this.classes = classes;
            this.checks = checks;
        }

        /** Counted by a pass over the iterator the first time it is asked, which checks every batch too. */
        @Override
        int perEpoch() {
            if (perEpoch < 0) {
                rewind();
                int n = 0;
                for (; data.hasNext(); n++) labelled(data.next());
                perEpoch = n;
            }
            return perEpoch;
        }

        @Override
        Iterator<Labelled> epoch(int epoch) {
            rewind();
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return data.hasNext();
                }

                @Override
                public Labelled next() {
                    return labelled(data.next());
                }
            };
        }

        private void rewind() {
            if (data.resetSupported()) {
                data.reset();
            } else if (read) {
                throw new ZooException("the DataSetIterator cannot reset(), so it can be read only once; training reads"
                        + " it once to count its batches and once per epoch, and validation data once per epoch");
            }
            read = true;
        }

        private Labelled labelled(DataSet d) {
            INDArray x = d.getFeatures(), y = d.getLabels();
            if (x.rank() != 4 || x.size(1) != 3 || !x.dataType().isFPType()) {
                throw new ZooException("the DataSetIterator's features must be floating-point RGB images [B, 3, H, W]"
                        + " (NCHW), got " + x.dataType() + " " + Arrays.toString(x.shape()));
            }
            checks.check(x);
            if (y == null || y.rank() != 2 || y.size(0) != x.size(0) || y.size(1) != classes) {
                throw new ZooException("the DataSetIterator's labels must be one-hot [" + x.size(0) + ", " + classes
                        + "] for a model of " + classes + " classes, got " + (y == null ? "none" : Arrays.toString(y.shape())));
            }
            double[][] rows = y.castTo(DataType.DOUBLE).toDoubleMatrix();
            int[] labels = new int[rows.length];
            for (int i = 0; i < rows.length; i++) {
                int ones = 0;
                for (int c = 0; c < classes; c++) {
                    if (rows[i][c] == 1) {
                        labels[i] = c;
                        ones++;
                    } else if (rows[i][c] != 0) {
                        ones = -1;
                        break;
                    }
                }
                if (ones != 1) {
                    throw new ZooException("the DataSetIterator's labels must be one-hot; row " + i + " is "
                            + Arrays.toString(rows[i]));
                }
            }
            boolean cast = x.dataType() != DataType.FLOAT;
            return new Labelled(cast ? x.castTo(DataType.FLOAT) : x, labels, cast);
        }
    }
}
