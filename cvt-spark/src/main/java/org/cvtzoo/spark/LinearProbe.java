package org.cvtzoo.spark;

import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StringIndexer;

/** Transfer learning with Spark ML: a zoo model's features and a linear classifier on them. */
public final class LinearProbe {
    private LinearProbe() {
    }

    /**
     * The linear probe: the label as an index (fitted on the labels alone, before any image is
     * embedded), the zoo's features, rows without features left out, LogisticRegression.
     * Input: a column {@code label} and the zoo transformer's image column.
     */
    public static Pipeline pipeline(ZooTransformer zoo, int maxIter, double reg) {
        zoo.setFeaturesCol("features");
        return new Pipeline().setStages(new PipelineStage[]{
                new StringIndexer().setInputCol("label").setOutputCol("labelIndex"),
                zoo,
                new SQLTransformer().setStatement("SELECT * FROM __THIS__ WHERE " + zoo.getErrorCol() + " IS NULL"),
                new LogisticRegression().setFeaturesCol("features").setLabelCol("labelIndex").setMaxIter(maxIter).setRegParam(reg)});
    }
}
