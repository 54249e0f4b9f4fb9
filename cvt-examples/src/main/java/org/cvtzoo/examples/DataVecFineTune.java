package org.cvtzoo.examples;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.Images;
import org.cvtzoo.zoo.ModelFile;
import org.cvtzoo.zoo.Prediction;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.cvtzoo.zoo.datavec.ZooImageTransform;
import org.cvtzoo.zoo.datavec.ZooPreProcessor;
import org.cvtzoo.zoo.download.WeightsCache;
import org.cvtzoo.zoo.train.FineTuneConfig;
import org.cvtzoo.zoo.train.Trainable;
import org.cvtzoo.zoo.train.Evaluator;
import org.cvtzoo.zoo.train.Trainer;
import org.datavec.api.io.labels.ParentPathLabelGenerator;
import org.datavec.api.records.metadata.RecordMetaData;
import org.datavec.api.split.FileSplit;
import org.datavec.image.loader.NativeImageLoader;
import org.datavec.image.recordreader.ImageRecordReader;
import org.deeplearning4j.datasets.datavec.RecordReaderDataSetIterator;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The DataVec path end to end, as DL4J's own examples feed images: a folder of class folders ->
 * DataVec's {@link ImageRecordReader} (through the model's resize and crop,
 * {@link ZooImageTransform}) -> {@link ZooPreProcessor} (DataVec's BGR 0..255 to the model's
 * normalised RGB) -> fine-tuning ({@link Trainer}, class names from the iterator) -> ND4J's
 * {@link Evaluation} -> the model file -> {@code classify} on the original files, which must
 * predict what the training pipeline predicts.
 *
 * <pre>
 * java -cp 'cvt-examples/target/classes:cvt-examples/target/lib/*' org.cvtzoo.examples.DataVecFineTune \
 *     photos/ run/ [MODEL (vit-ti16)] [EPOCHS (3)]
 * </pre>
 */
public final class DataVecFineTune {
    private DataVecFineTune() {
    }

    /**
     * @param evaluation the fine-tuned model on the folder, through DataVec
     * @param pipeline   each file's top-1 class through DataVec + {@link ZooPreProcessor}
     * @param classified each file's top-1 class through the saved model file, {@code Images.read} and {@code classify}
     */
    public record Outcome(Trainer.Result training, Evaluation evaluation, Map<Path, String> pipeline,
                          Map<Path, String> classified) {
    }

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: DataVecFineTune FOLDER OUT_DIR [MODEL (vit-ti16)] [EPOCHS (3)]");
            System.exit(2);
        }
        String name = args.length > 2 ? args[2] : "vit-ti16";
        int epochs = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        Outcome o;
        try {
            VisionModel base = Zoo.load(name, Zoo.pretrainedWeights(name, WeightsCache.standard()));
            FineTuneConfig config = FineTuneConfig.defaults().withTrainable(Trainable.HEAD).withEpochs(epochs)
                    .withBatchSize(16).withLr(1e-3).withOutputDir(Path.of(args[1]));
            o = run(base, Path.of(args[0]), config);
        } catch (ZooException | IOException e) {
            System.err.println("error: " + e.getMessage());
            System.exit(2);
            return;
        }
        System.out.println(o.evaluation().stats());
        long same = o.pipeline().keySet().stream().filter(f -> o.pipeline().get(f).equals(o.classified().get(f))).count();
        System.out.printf("model file %s: classify() on the original files agrees with the DataVec pipeline on %d of %d%n",
                o.training().bestFile(), same, o.pipeline().size());
    }

    /** Fine-tunes {@code base} on the class folders under {@code folder}, and classifies them both ways. */
    public static Outcome run(VisionModel base, Path folder, FineTuneConfig config) throws IOException {
        DataSetIterator data = iterator(base, folder, config.batchSize(), config.seed());
        Trainer.Result r = new Trainer(base, config).fit(data, null); // class names: the iterator's labels (the folders)
        Evaluation evaluation = Evaluator.evaluate(r.best(), data).evaluation(); // an example: on its own images (give a held-out folder's iterator)

        Map<Path, String> pipeline = new LinkedHashMap<>();
        data.reset();
        while (data.hasNext()) {
            DataSet batch = data.next();
            INDArray logits = r.best().forward(batch.getFeatures()).logits();
            for (int i = 0; i < logits.rows(); i++) {
                RecordMetaData meta = batch.getExampleMetaData(RecordMetaData.class).get(i);
                pipeline.put(Path.of(meta.getURI()), r.best().classNames().get(logits.getRow(i).argMax().getInt(0)));
            }
        }
        VisionModel saved = ModelFile.load(r.bestFile()); // what a user ships: spec, preprocessing, class names
        List<Path> files = List.copyOf(pipeline.keySet());
        List<Prediction> predictions = saved.classify(files.stream().map(Images::read).toList(), 1);
        Map<Path, String> classified = new LinkedHashMap<>();
        for (int i = 0; i < files.size(); i++) classified.put(files.get(i), predictions.get(i).top().get(0).name());
        return new Outcome(r, evaluation, pipeline, classified);
    }

    /**
     * DataVec's iterator over the class folders ({@link ParentPathLabelGenerator}: a file's class is
     * its folder's name), at the model's preprocessing; it keeps each example's file (metadata).
     */
    public static DataSetIterator iterator(VisionModel model, Path folder, int batch, long seed) throws IOException {
        ImageRecordReader reader = ZooImageTransform.recordReader(model, new ParentPathLabelGenerator());
        reader.initialize(new FileSplit(folder.toFile(), NativeImageLoader.ALLOWED_FORMATS, new Random(seed)));
        RecordReaderDataSetIterator it = new RecordReaderDataSetIterator(reader, batch, 1, reader.getLabels().size());
        it.setCollectMetaData(true);
        it.setPreProcessor(ZooPreProcessor.of(model));
        return it;
    }
}
