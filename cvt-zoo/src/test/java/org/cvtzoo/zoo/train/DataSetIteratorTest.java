package org.cvtzoo.zoo.train;

import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.data.Dataset;
import org.cvtzoo.core.data.Example;
import org.cvtzoo.core.graph.ParamStore;
import org.cvtzoo.zoo.VisionModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.ViewIterator;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Fine-tuning from DL4J's DataSetIterator, and evaluation into ND4J's Evaluation. */
class DataSetIteratorTest {
    @TempDir
    Path tmp;

    /** Every example of a dataset, in index order, as one DataSet: NCHW features, one-hot labels. */
    static DataSet dataSet(Dataset d, int classes) {
        List<INDArray> images = new ArrayList<>();
        int[] labels = new int[d.size()];
        for (int i = 0; i < d.size(); i++) {
            Example e = d.get(i, new Random(0));
            images.add(e.image());
            labels[i] = e.label();
        }
        return new DataSet(Nd4j.stack(0, images.toArray(new INDArray[0])), oneHot(labels, classes));
    }

    static INDArray oneHot(int[] labels, int classes) {
        INDArray y = Nd4j.zeros(DataType.FLOAT, labels.length, classes);
        for (int i = 0; i < labels.length; i++) y.putScalar(i, labels[i], 1);
        return y;
    }

    /** A training run on the same batches, in the same order, from a dataset and from an iterator, ends the same. */
    @Test
    void iteratorTrainingEqualsDatasetTraining() {
        FineTuneConfig config = FineTuneTest.recipe(tmp.resolve("dataset")).withEpochs(1);
        Dataset train = FineTuneTest.halves(32, 1), validation = FineTuneTest.halves(16, 2);
        Trainer.Result fromDataset = new Trainer(FineTuneTest.base(), config).fit(train, validation);

        List<DataSet> batches = new ArrayList<>(); // the dataset run's batches of its one epoch
        try (Batches b = Batches.shuffled(train, config.batchSize(), config.seed())) {
            for (Iterator<Batches.Labelled> it = b.epoch(0); it.hasNext(); ) {
                Batches.Labelled l = it.next();
                batches.add(new DataSet(l.images(), l.oneHot(2)));
            }
        }
        Trainer.Result fromIterator = new Trainer(FineTuneTest.base(), config.withOutputDir(tmp.resolve("iterator")))
                .fit(new ViewIterator(DataSet.merge(batches), config.batchSize()),
                        new ViewIterator(dataSet(validation, 2), config.batchSize()));

        EpochReport a = fromDataset.history().get(0), b = fromIterator.history().get(0);
        assertEquals(a.trainLoss(), b.trainLoss(), 1e-6);
        assertEquals(a.valLoss(), b.valLoss(), 1e-6);
        assertEquals(a.valTop1(), b.valTop1());
        for (ParamStore.Entry e : fromDataset.best().parameters().entries().values()) {
            INDArray other = fromIterator.best().parameters().entries().get(e.name()).value();
            assertTrue(e.value().equalsWithEps(other, 1e-6), e.name());
        }
        assertEquals(fromDataset.evaluation().getConfusionMatrix(), fromIterator.evaluation().getConfusionMatrix());
    }

    @Test
    void learnsFromAnIterator() {
        FineTuneConfig config = FineTuneTest.recipe(tmp.resolve("run"));
        Trainer.Result r = new Trainer(FineTuneTest.base(), config).fit(
                new ViewIterator(dataSet(FineTuneTest.halves(64, 1), 2), 8), new ViewIterator(dataSet(FineTuneTest.halves(32, 2), 2), 8));
        assertEquals(3, r.history().size());
        EpochReport first = r.history().get(0), last = r.history().get(2);
        assertTrue(last.trainLoss() < first.trainLoss(), "training loss goes down: " + r.history());
        assertTrue(last.valTop1() >= 0.9, "the halves are learnt: " + r.history());
        assertEquals(List.of("left", "right"), r.best().classNames());
    }

    /** Accuracy, top-5 and the confusion matrix agree with counts made here from the logits of one forward pass. */
    @Test
    void evaluationCountsWhatTheModelPredicts() {
        VisionModel m = FineTuneTest.base(); // 10 classes
        int n = 20;
        DataSet all = dataSet(FineTuneTest.halves(n, 5), 10);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = (i * 7) % 10;
        all.setLabels(oneHot(labels, 10));
        double[][] logits = m.forward(all.getFeatures()).logits().castTo(DataType.DOUBLE).toDoubleMatrix();
        int top1 = 0, top5 = 0;
        int[][] confusion = new int[10][10];
        for (int i = 0; i < n; i++) {
            int higher = 0, argmax = 0;
            for (int c = 0; c < 10; c++) {
                if (logits[i][c] > logits[i][labels[i]]) higher++;
                if (logits[i][c] > logits[i][argmax]) argmax = c;
            }
            if (higher == 0) top1++;
            if (higher < 5) top5++;
            confusion[labels[i]][argmax]++;
        }
        assertTrue(top1 > 0 && top5 > top1 && top5 < n, "a test that can tell top-1 and top-5 apart: " + top1 + ", " + top5);

        Evaluation e = Evaluator.evaluate(m, new ViewIterator(all, 6)).evaluation(); // batches of 6, 6, 6, 2
        assertEquals((double) top1 / n, e.accuracy());
        assertEquals((double) top5 / n, e.topNAccuracy());
        for (int a = 0; a < 10; a++) {
            for (int p = 0; p < 10; p++) assertEquals(confusion[a][p], e.getConfusionMatrix().getCount(a, p), a + " as " + p);
        }
        assertEquals(m.classNames(), e.getLabelsList());
        Evaluator.Result r = Evaluator.evaluate(m, new ViewIterator(all, 6));
        assertEquals(CrossEntropy.loss(Nd4j.create(logits), labels, 0), r.loss(), 1e-5);
    }

    @Test
    void badBatchesAreNamed() {
        Trainer trainer = new Trainer(FineTuneTest.base(), FineTuneTest.recipe(tmp.resolve("bad")).withEpochs(1));
        DataSet good = dataSet(FineTuneTest.halves(8, 1), 2);
        DataSet wideLabels = new DataSet(good.getFeatures(), Nd4j.zeros(DataType.FLOAT, 8, 3));
        assertMessage(() -> trainer.fit(new ViewIterator(wideLabels, 8), null), "one-hot [8, 2]");
        DataSet grey = new DataSet(good.getFeatures().get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1)).dup(), good.getLabels());
        assertMessage(() -> trainer.fit(new ViewIterator(grey, 8), null), "[B, 3, H, W]");
        DataSet soft = new DataSet(good.getFeatures(), good.getLabels().mul(0.9));
        assertMessage(() -> trainer.fit(new ViewIterator(soft, 8), null), "one-hot");
        DataSet small = new DataSet(Nd4j.zeros(DataType.FLOAT, 8, 3, 32, 32), good.getLabels());
        assertMessage(() -> trainer.fit(new ViewIterator(small, 8), null), "must be 64x64");
        assertMessage(() -> Evaluator.evaluate(FineTuneTest.base(), new ViewIterator(good, 8)), "one-hot [8, 10]");
    }

    /** A ViewIterator that knows its classes, as DataVec's record-reader iterators do. */
    static ViewIterator labelled(DataSet d, int batch, List<String> labels) {
        return new ViewIterator(d, batch) {
            @Override
            public List<String> getLabels() {
                return labels;
            }
        };
    }

    @Test
    void classNamesComeFromTheIterator() {
        FineTuneConfig config = FineTuneTest.recipe(tmp.resolve("named")).withEpochs(1);
        FineTuneConfig unnamed = FineTuneConfig.defaults().withInputSize(64, 64).withEpochs(1).withBatchSize(8)
                .withOutputDir(tmp.resolve("unnamed"));
        DataSet d = dataSet(FineTuneTest.halves(8, 1), 2);
        Trainer.Result r = new Trainer(FineTuneTest.base(), unnamed).fit(labelled(d, 8, List.of("up", "down")), null);
        assertEquals(List.of("up", "down"), r.best().classNames());
        assertEquals(List.of("up", "down"), org.cvtzoo.zoo.ModelFile.load(r.bestFile()).classNames());

        // names given in another order than the iterator's one-hot columns, or another number of them
        ZooException e = assertThrows(ZooException.class, () -> new Trainer(FineTuneTest.base(), config)
                .fit(labelled(d, 8, List.of("right", "left")), null));
        assertTrue(e.getMessage().contains("[left, right]") && e.getMessage().contains("[right, left]"), e.getMessage());
        e = assertThrows(ZooException.class, () -> new Trainer(FineTuneTest.base(), config)
                .fit(labelled(d, 8, List.of("left", "right")), labelled(d, 8, List.of("right", "left"))));
        assertTrue(e.getMessage().contains("validation iterator"), e.getMessage());
        e = assertThrows(ZooException.class, () -> new Trainer(FineTuneTest.base(), unnamed.withNumClasses(3))
                .fit(labelled(d, 8, List.of("up", "down")), null));
        assertTrue(e.getMessage().contains("3 classes"), e.getMessage());
    }

    /** Raw pixels where the model expects normalised input: an error naming the fix, before any training. */
    @Test
    void rawPixelsAreRefused() {
        DataSet d = dataSet(FineTuneTest.halves(8, 1), 2);
        DataSet raw = new DataSet(d.getFeatures().mul(255), d.getLabels());
        Trainer trainer = new Trainer(FineTuneTest.base(), FineTuneTest.recipe(tmp.resolve("raw")).withEpochs(1));
        ZooException e = assertThrows(ZooException.class, () -> trainer.fit(new ViewIterator(raw, 8), null));
        assertTrue(e.getMessage().contains("raw pixels 0..255") && e.getMessage().contains("ZooPreProcessor.of(model)"), e.getMessage());
        assertThrows(ZooException.class, () -> Evaluator.evaluate(FineTuneTest.base(), new ViewIterator(raw, 8)));
    }

    /** Evaluating at another size than the model's preprocessing gives: a warning. */
    @Test
    void anotherSizeIsWarnedAbout() {
        VisionModel m = FineTuneTest.base().withEval(org.cvtzoo.core.image.EvalTransform.centerCrop(64, 0.875,
                org.cvtzoo.core.image.EvalTransform.imagenetMean(), org.cvtzoo.core.image.EvalTransform.imagenetStd(), "bicubic"));
        DataSet d = dataSet(FineTuneTest.halves(8, 1), 10);
        String quiet = org.cvtzoo.zoo.datavec.ZooPreProcessorTest.stderrOf(() -> Evaluator.evaluate(m, new ViewIterator(d, 8)));
        assertEquals("", quiet);
        DataSet small = new DataSet(d.getFeatures().get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, 48),
                NDArrayIndex.interval(0, 48)).dup(), d.getLabels());
        String err = org.cvtzoo.zoo.datavec.ZooPreProcessorTest.stderrOf(() -> Evaluator.evaluate(m, new ViewIterator(small, 4)));
        assertEquals(1, err.split("warning:", -1).length - 1, err);
        assertTrue(err.contains("48x48") && err.contains("64x64"), err);
    }

    private static void assertMessage(Executable run, String fragment) {
        ZooException e = assertThrows(ZooException.class, run);
        assertTrue(e.getMessage().contains(fragment), "'" + fragment + "' in: " + e.getMessage());
    }
}
