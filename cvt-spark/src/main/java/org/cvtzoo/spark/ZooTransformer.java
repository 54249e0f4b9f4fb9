package org.cvtzoo.spark;

import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.zoo.ModelRequest;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.explain.Explainer;
import org.cvtzoo.zoo.explain.Method;

import java.util.ArrayList;
import java.util.List;

/**
 * A Spark ML {@link Transformer} that runs a zoo model over a column of images and adds, as its
 * params ask, the top-k labels with their probabilities, the logits and the feature vector (ML
 * {@code Vector}s, which MLlib's estimators take), an explanation map ({@code explainCol}, by
 * {@code explainMethod} as {@code bin/cvt explain}'s {@code --method}, for {@code explainClass}: the
 * predicted class or a fixed one), and an error column: a row whose image cannot be read gets
 * nulls and the reason there, and the others go on.
 *
 * <p>The model is chosen as in {@code bin/cvt}: {@code model} (a variant name) or {@code spec}
 * (a spec file) with {@code weights} (or {@code pretrained}), or {@code modelFile}. Each
 * executor JVM loads it once ({@link ModelCache}) and its tasks share it; images are decoded,
 * preprocessed with {@link VisionModel#preprocess} and run {@code batchSize} at a time within a
 * partition. {@link #transform} loads the model on the driver first, so a model that cannot load
 * is one error there, not one per task.
 *
 * <p>Saved and loaded with its params ({@code DefaultParamsWritable}, {@link #read()}), so it
 * lives in an ML {@code Pipeline}; the model's files are named by path, not copied.
 */
public final class ZooTransformer extends Transformer implements DefaultParamsWritable {
    /** The struct of one label in the predictions column. */
    public static final StructType LABEL = new StructType()
            .add("index", DataTypes.IntegerType, false)
            .add("label", DataTypes.StringType, false)
            .add("probability", DataTypes.DoubleType, false);
    /** The struct of the explanation column: the class explained, and its map over the patch grid as rows {@code [h][w]}. */
    public static final StructType EXPLANATION = new StructType()
            .add("index", DataTypes.IntegerType, false)
            .add("label", DataTypes.StringType, false)
            .add("map", DataTypes.createArrayType(DataTypes.createArrayType(DataTypes.FloatType, false), false), false);

    private final String uid;
    private final Param<String> inputCol, pathCol, predictionsCol, logitsCol, featuresCol, errorCol;
    private final Param<String> explainCol, explainMethod, explainClass;
    private final Param<String> model, spec, modelFile, weights;
    private final BooleanParam pretrained;
    private final IntParam numClasses, batchSize, topK;

    public ZooTransformer() {
        this(Identifiable$.MODULE$.randomUID("zooTransformer"));
    }

    public ZooTransformer(String uid) {
        this.uid = uid;
        inputCol = new Param<>(this, "inputCol", "column of images: binary file bytes (binaryFile's 'content') or the image source's struct");
        pathCol = new Param<>(this, "pathCol", "column naming each image in error messages (used if present)");
        predictionsCol = new Param<>(this, "predictionsCol", "output: top-k labels with probabilities (empty: none)");
        logitsCol = new Param<>(this, "logitsCol", "output: logits as an ML Vector (empty: none)");
        featuresCol = new Param<>(this, "featuresCol", "output: pre-logits features as an ML Vector (empty: none)");
        errorCol = new Param<>(this, "errorCol", "output: why a row has no results (null when it has)");
        explainCol = new Param<>(this, "explainCol", "output: an explanation map per image, struct of the class"
                + " (index, label) and its map over the patch grid as rows (empty: none)");
        explainMethod = new Param<>(this, "explainMethod", "the explanation's method, as bin/cvt explain --method:"
                + " last, rollout, gradcam, chefer or class-attention");
        explainClass = new Param<>(this, "explainClass", "the class explained: top (each image's predicted class),"
                + " or a class label or index for every image");
        model = new Param<>(this, "model", "a registered variant, e.g. cvt-13 (or give spec or modelFile)");
        spec = new Param<>(this, "spec", "a model spec file (CvT YAML, or JSON)");
        modelFile = new Param<>(this, "modelFile", "a model file written by fine-tuning: spec, weights and class names");
        weights = new Param<>(this, "weights", "checkpoint file (.pth or .safetensors), a path or the name of a shipped file");
        pretrained = new BooleanParam(this, "pretrained", "the variant's official weights, from each machine's cache or downloaded there");
        numClasses = new IntParam(this, "numClasses", "classes of the head (0: the model's own)", ParamValidators.gtEq(0));
        batchSize = new IntParam(this, "batchSize", "images per forward pass within a partition", ParamValidators.gtEq(1));
        topK = new IntParam(this, "topK", "labels per image in predictionsCol", ParamValidators.gtEq(1));
        setDefault(inputCol, "content");
        setDefault(pathCol, "path");
        setDefault(predictionsCol, "predictions");
        setDefault(logitsCol, "");
        setDefault(featuresCol, "features");
        setDefault(errorCol, "error");
        setDefault(explainCol, "");
        setDefault(explainMethod, "gradcam");
        setDefault(explainClass, "top");
        setDefault(model, "");
        setDefault(spec, "");
        setDefault(modelFile, "");
        setDefault(weights, "");
        setDefault(pretrained, false);
        setDefault(numClasses, 0);
        setDefault(batchSize, 16);
        setDefault(topK, 5);
    }

    @Override
    public String uid() {
        return uid;
    }

    // Params are found by their public accessors (Params.params reflects on them).
    public Param<String> inputCol() { return inputCol; }
    public Param<String> pathCol() { return pathCol; }
    public Param<String> predictionsCol() { return predictionsCol; }
    public Param<String> logitsCol() { return logitsCol; }
    public Param<String> featuresCol() { return featuresCol; }
    public Param<String> errorCol() { return errorCol; }
    public Param<String> explainCol() { return explainCol; }
    public Param<String> explainMethod() { return explainMethod; }
    public Param<String> explainClass() { return explainClass; }
    public Param<String> model() { return model; }
    public Param<String> spec() { return spec; }
    public Param<String> modelFile() { return modelFile; }
    public Param<String> weights() { return weights; }
    public BooleanParam pretrained() { return pretrained; }
    public IntParam numClasses() { return numClasses; }
    public IntParam batchSize() { return batchSize; }
    public IntParam topK() { return topK; }

    public ZooTransformer setInputCol(String v) { set(inputCol, v); return this; }
    public ZooTransformer setPathCol(String v) { set(pathCol, v); return this; }
    public ZooTransformer setPredictionsCol(String v) { set(predictionsCol, v); return this; }
    public ZooTransformer setLogitsCol(String v) { set(logitsCol, v); return this; }
    public ZooTransformer setFeaturesCol(String v) { set(featuresCol, v); return this; }
    public ZooTransformer setErrorCol(String v) { set(errorCol, v); return this; }
    public ZooTransformer setExplainCol(String v) { set(explainCol, v); return this; }
    public ZooTransformer setExplainMethod(String v) { set(explainMethod, v); return this; }
    public ZooTransformer setExplainClass(String v) { set(explainClass, v); return this; }
    public ZooTransformer setModel(String v) { set(model, v); return this; }
    public ZooTransformer setSpec(String v) { set(spec, v); return this; }
    public ZooTransformer setModelFile(String v) { set(modelFile, v); return this; }
    public ZooTransformer setWeights(String v) { set(weights, v); return this; }
    public ZooTransformer setPretrained(boolean v) { set(pretrained, v); return this; }
    public ZooTransformer setNumClasses(int v) { set(numClasses, v); return this; }
    public ZooTransformer setBatchSize(int v) { set(batchSize, v); return this; }
    public ZooTransformer setTopK(int v) { set(topK, v); return this; }

    public String getInputCol() { return $(inputCol); }
    public String getPathCol() { return $(pathCol); }
    public String getPredictionsCol() { return $(predictionsCol); }
    public String getLogitsCol() { return $(logitsCol); }
    public String getFeaturesCol() { return $(featuresCol); }
    public String getErrorCol() { return $(errorCol); }
    public String getExplainCol() { return $(explainCol); }
    public String getExplainMethod() { return $(explainMethod); }
    public String getExplainClass() { return $(explainClass); }
    public int getBatchSize() { return (Integer) $(batchSize); }
    public int getTopK() { return (Integer) $(topK); }

    /** The model these params choose. */
    public ModelRequest modelRequest() {
        return new ModelRequest($(model), $(spec), $(modelFile), $(weights), (Boolean) $(pretrained), (Integer) $(numClasses));
    }

    @Override
    public StructType transformSchema(StructType schema) {
        ImageColumn.of(schema, getInputCol());
        List<String> outputs = new ArrayList<>();
        StructType out = schema;
        for (String[] c : new String[][]{{getPredictionsCol(), "predictionsCol"}, {getLogitsCol(), "logitsCol"},
                {getFeaturesCol(), "featuresCol"}, {getExplainCol(), "explainCol"}, {getErrorCol(), "errorCol"}}) {
            String name = c[0];
            if (name.isEmpty()) {
                if (c[1].equals("errorCol")) throw new ZooException("errorCol must name a column (it says why a row has no results)");
                continue;
            }
            if (List.of(schema.fieldNames()).contains(name)) {
                throw new ZooException(c[1] + " '" + name + "' is already a column of the input: choose another name");
            }
            if (outputs.contains(name)) throw new ZooException(c[1] + " '" + name + "' names the same column as another output");
            outputs.add(name);
            out = out.add(c[1].equals("errorCol") ? new StructField(name, DataTypes.StringType, true, org.apache.spark.sql.types.Metadata.empty())
                    : c[1].equals("predictionsCol") ? new StructField(name, DataTypes.createArrayType(LABEL, false), true, org.apache.spark.sql.types.Metadata.empty())
                    : c[1].equals("explainCol") ? new StructField(name, EXPLANATION, true, org.apache.spark.sql.types.Metadata.empty())
                    : new StructField(name, SQLDataTypes.VectorType(), true, org.apache.spark.sql.types.Metadata.empty()));
        }
        if (outputs.size() == 1) throw new ZooException("no output asked: set predictionsCol, logitsCol, featuresCol or explainCol");
        return out;
    }

    /**
     * Adds the asked columns. Checks the columns and loads the model here on the driver first
     * (in local mode the executors then share that copy), so that a bad model is one clear error.
     */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType outSchema = transformSchema(dataset.schema());
        ModelRequest source = modelRequest();
        source.check(ShippedFiles.WEIGHTS_REQUIRED);
        VisionModel m;
        try {
            m = ModelCache.get(source);
        } catch (ZooException e) {
            throw new ZooException("cannot load the model " + source.label() + ": " + e.getMessage(), e);
        }
        if (m.eval() == null) {
            throw new ZooException("no image preprocessing is known for the model " + source.label()
                    + " (its spec does not say how to evaluate it)");
        }
        PartitionInference.Explain explain = getExplainCol().isEmpty() ? null : explainFor(m);
        StructType in = dataset.schema();
        List<String> names = List.of(in.fieldNames());
        PartitionInference fn = new PartitionInference(source, ImageColumn.of(in, getInputCol()), names.indexOf(getInputCol()),
                names.indexOf(getPathCol()), getBatchSize(), getPredictionsCol().isEmpty() ? 0 : getTopK(),
                !getLogitsCol().isEmpty(), !getFeaturesCol().isEmpty(), explain);
        return dataset.toDF().mapPartitions(fn, Encoders.row(outSchema));
    }

    /** The method and class checked against the model here, on the driver: an undefined method or unknown class is one error. */
    private PartitionInference.Explain explainFor(VisionModel m) {
        Method method = Method.parse(getExplainMethod());
        Explainer.of(m).check(method);
        String label = getExplainClass();
        return new PartitionInference.Explain(method, label.equals("top") ? -1 : Explainer.classIndex(m.classNames(), label));
    }

    @Override
    public ZooTransformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }

    public static MLReader<ZooTransformer> read() {
        return new DefaultParamsReader<>();
    }

    public static ZooTransformer load(String path) {
        return read().load(path);
    }
}
