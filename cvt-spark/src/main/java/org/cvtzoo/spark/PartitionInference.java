package org.cvtzoo.spark;

import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.Prediction;
import org.cvtzoo.zoo.ModelRequest;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.explain.Explainer;
import org.cvtzoo.zoo.explain.Method;
import org.cvtzoo.zoo.explain.Rollout;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * What a task runs over its partition: rows in batches of {@code batchSize}; each image decoded
 * and preprocessed on its own (so one bad image costs only its row), the good ones stacked into
 * one forward pass. Each output row is the input row and, in the transformer's schema order,
 * predictions, logits, features, explanation (those asked) and the error.
 */
final class PartitionInference implements MapPartitionsFunction<Row, Row> {
    private final ModelRequest source;
    private final ImageColumn kind;
    private final int input, path, batchSize, topK;
    private final boolean logits, features;
    private final Explain explain;

    /** An explanation map per image by {@code method}, for class {@code classIndex} (-1: each image's predicted class). */
    record Explain(Method method, int classIndex) implements java.io.Serializable {
    }

    PartitionInference(ModelRequest source, ImageColumn kind, int input, int path, int batchSize, int topK,
                       boolean logits, boolean features, Explain explain) {
        this.source = source;
        this.kind = kind;
        this.input = input;
        this.path = path;
        this.batchSize = batchSize;
        this.topK = topK;
        this.logits = logits;
        this.features = features;
        this.explain = explain;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        VisionModel m = ModelCache.get(source);
        return new Iterator<>() {
            private final ArrayDeque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                while (ready.isEmpty() && rows.hasNext()) {
                    List<Row> batch = new ArrayList<>(batchSize);
                    while (batch.size() < batchSize && rows.hasNext()) batch.add(rows.next());
                    ready.addAll(run(m, batch));
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) throw new NoSuchElementException();
                return ready.poll();
            }
        };
    }

    List<Row> run(VisionModel m, List<Row> batch) {
        int n = batch.size();
        String[] errors = new String[n];
        List<INDArray> tensors = new ArrayList<>();
        List<Integer> good = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Row row = batch.get(i);
            try {
                RgbImage image = kind.decode(row.get(input), name(row));
                tensors.add(m.preprocess(List.of(image)));
                good.add(i);
            } catch (RuntimeException e) { // any failure of one image is that row's, not the job's
                errors[i] = e instanceof ZooException ? e.getMessage() : name(row) + ": " + e;
            }
        }
        Object[][] results = new Object[n][];
        // ND4J's arrays live off the heap, where the collector does not see them pile up: freed after
        // the batch, they hold an executor's resident memory flat (2.3-3.2 GB as a sawtooth before, local[2])
        List<INDArray> made = new ArrayList<>(tensors);
        try {
            if (!good.isEmpty()) results = results(m, tensors, good, n, made);
        } finally {
            for (INDArray a : made) {
                if (a != null && a.closeable()) a.close();
            }
        }
        int outputs = (topK > 0 ? 1 : 0) + (logits ? 1 : 0) + (features ? 1 : 0) + (explain != null ? 1 : 0);
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Row in = batch.get(i);
            Object[] values = new Object[in.length() + outputs + 1];
            for (int c = 0; c < in.length(); c++) values[c] = in.get(c);
            if (results[i] != null) System.arraycopy(results[i], 0, values, in.length(), outputs);
            values[values.length - 1] = errors[i];
            rows.add(RowFactory.create(values));
        }
        return rows;
    }

    /** The output values of the good images' rows, by row; the arrays it makes go into {@code made}. */
    private Object[][] results(VisionModel m, List<INDArray> tensors, List<Integer> good, int n, List<INDArray> made) {
        Object[][] results = new Object[n][];
        INDArray x = tensors.size() == 1 ? tensors.get(0) : Nd4j.concat(0, tensors.toArray(INDArray[]::new));
        if (tensors.size() > 1) made.add(x);
        VisionModel.Output out = m.forward(x);
        made.addAll(java.util.Arrays.asList(out.logits(), out.features(), out.attention()));
        List<Prediction> predictions = topK > 0 ? m.predictions(out.logits(), topK) : null;
        Explainer.Explanation e = null;
        if (explain != null) {
            int[] classes = null; // each image's predicted class
            if (explain.classIndex() >= 0) {
                classes = new int[good.size()];
                java.util.Arrays.fill(classes, explain.classIndex());
            }
            e = Explainer.of(m).explain(x, explain.method(), classes, Rollout.DEFAULT);
        }
        for (int j = 0; j < good.size(); j++) {
            List<Object> r = new ArrayList<>(4);
            if (topK > 0) r.add(labels(predictions.get(j)));
            if (logits) r.add(Vectors.dense(out.logits().getRow(j).toDoubleVector()));
            if (features) r.add(Vectors.dense(out.features().getRow(j).toDoubleVector()));
            if (e != null) r.add(explanation(m, e, j));
            results[good.get(j)] = r.toArray();
        }
        return results;
    }

    private static scala.collection.immutable.Seq<Row> labels(Prediction p) {
        List<Row> labels = new ArrayList<>();
        for (Prediction.Label l : p.top()) labels.add(RowFactory.create(l.index(), l.name(), l.probability()));
        return scala.jdk.javaapi.CollectionConverters.asScala(labels).toSeq();
    }

    /** Image j's explanation: its class (index, label) and map rows {@code [h][w]}. */
    private static Row explanation(VisionModel m, Explainer.Explanation e, int j) {
        INDArray map = e.maps().get(NDArrayIndex.point(j));
        List<scala.collection.immutable.Seq<Float>> rows = new ArrayList<>();
        for (int y = 0; y < map.size(0); y++) {
            List<Float> row = new ArrayList<>();
            for (float v : map.getRow(y).toFloatVector()) row.add(v);
            rows.add(scala.jdk.javaapi.CollectionConverters.asScala(row).toSeq());
        }
        int c = e.classes()[j];
        return RowFactory.create(c, m.classNames().get(c), scala.jdk.javaapi.CollectionConverters.asScala(rows).toSeq());
    }

    private String name(Row row) {
        if (path >= 0 && !row.isNullAt(path)) return String.valueOf(row.get(path));
        String origin = kind == ImageColumn.IMAGE_STRUCT ? ImageColumn.origin(row.get(input)) : null;
        return origin != null ? origin : "an image";
    }
}
