package org.cvtzoo.serve;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.VisionModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A model the server answers for: its name in URLs, its batcher, and the shapes it reports. */
final class ServedModel implements AutoCloseable {
    /**
     * The two steps the server runs a model for: an image to its input row, a batch to its
     * outputs. The model's own by default; a test puts a stub of known timings behind the real
     * queues and batching.
     */
    interface Engine {
        INDArray preprocess(RgbImage image);

        VisionModel.Output forward(INDArray batch);

        static Engine of(VisionModel model) {
            return new Engine() {
                @Override
                public INDArray preprocess(RgbImage image) {
                    return model.preprocess(java.util.List.of(image));
                }

                @Override
                public VisionModel.Output forward(INDArray batch) {
                    return model.forward(batch);
                }
            };
        }
    }

    final String name;
    final VisionModel model;
    final Engine engine;
    final Batcher batcher;
    /** The input size the model was built for ({@code [H, W]}), classes, and the features' width. */
    final int height, width, classes, featureDim;
    /** Heads of the attention map; 0 where the model has none. */
    final int attentionHeads;

    /** Checks the model with one forward pass at its native size (which also builds the batch-1 plan). */
    ServedModel(String name, VisionModel model, Engine engine, ServeConfig config, Metrics metrics, ForwardGate gate) {
        if (model.eval() == null) {
            throw new ZooException("model " + name + ": no evaluation preprocessing is known for " + model.architecture().name()
                    + ", so images cannot be served");
        }
        this.name = name;
        this.model = model;
        this.engine = engine;
        int[] size = model.architecture().nativeSize();
        height = size[0];
        width = size[1];
        VisionModel.Output probe = engine.forward(Nd4j.zeros(DataType.FLOAT, 1, 3, height, width));
        classes = (int) probe.logits().size(1);
        featureDim = (int) probe.features().size(1);
        attentionHeads = probe.attention() == null ? 0 : (int) probe.attention().size(1);
        batcher = new Batcher(name, model, engine, height, width, config.maxBatch(), config.maxDelayMs(), config.queue(), metrics, gate);
    }

    @Override
    public void close() {
        batcher.close();
    }
}
