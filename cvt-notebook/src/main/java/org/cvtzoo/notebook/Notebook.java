package org.cvtzoo.notebook;

import org.cvtzoo.core.image.HeatMap;
import org.cvtzoo.core.ZooException;
import org.cvtzoo.core.image.Interpolation;
import org.cvtzoo.core.image.Resampler;
import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.ModelRequest;
import org.cvtzoo.zoo.Prediction;
import org.cvtzoo.zoo.VisionModel;
import org.cvtzoo.zoo.Zoo;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.style.Styler;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * What notebook cells call (statically imported into every cell of the zoo's kernel): {@code
 * model(...)} for "which model", as bin/cvt says it; to show things, {@code display} and {@code updateDisplay}, heat maps, image grids, prediction and
 * model tables, a live training chart and a confusion matrix. A cell's last expression is shown
 * the same way without a call: an image or chart as PNG, a {@link Prediction} as a table, an
 * {@code INDArray} as a summary.
 */
public final class Notebook {
    private Notebook() {
    }

    /**
     * Shows {@code value} below the cell now (as a cell's value would show); the handle it
     * returns replaces it in place ({@code handle.update(newValue)}) and shows nothing itself.
     */
    public static DisplayHandle display(Object value) {
        DisplayData data = render(value);
        String id = UUID.randomUUID().toString();
        data.setDisplayId(id);
        BaseKernel.notebookKernel().display(data);
        return new DisplayHandle(id);
    }

    /** What {@link #display} showed, to be replaced in place. */
    public record DisplayHandle(String id) {
        /** Replaces what was shown by {@code value}. */
        public void update(Object value) {
            updateDisplay(id, value);
        }
    }

    /** Replaces what {@link #display} showed under {@code id} by {@code value}, in place. */
    public static void updateDisplay(String id, Object value) {
        DisplayData data = render(value);
        data.setDisplayId(id);
        BaseKernel k = BaseKernel.notebookKernel();
        if (k.getIO().display.isAttached()) k.getIO().display.updateDisplay(data);
        if (k instanceof ZooKernel z) z.recordDisplay(data);
    }

    /** The display data a value shows as (text/plain always, and PNG, HTML as it has them). */
    public static DisplayData render(Object value) {
        return Displays.render(BaseKernel.notebookKernel().getRenderer(), value);
    }

    /**
     * The model {@code what} names, with random weights where it has none of its own: a registered
     * variant ({@code "cvt-13"}), a spec file or a model file ({@code .safetensors}), paths
     * relative to the notebook's folder. "Which model" as {@code bin/cvt} and {@code bin/cvt-spark}
     * take it, through the same {@link ModelRequest} (its checks, its one-line errors).
     */
    public static VisionModel model(String what) {
        return ModelRequest.named(what, null).load();
    }

    /** As {@link #model(String)}, with {@code weights}: a checkpoint file, or {@code "pretrained"} (the variant's published ones). */
    public static VisionModel model(String what, String weights) {
        return ModelRequest.named(what, weights).load();
    }

    /** A spec or model file (see {@link #model(String)}). */
    public static VisionModel model(Path what) {
        return model(what.toString());
    }

    /** A spec (or variant) file with the weights of a checkpoint file. */
    public static VisionModel model(Path what, Path weights) {
        return model(what.toString(), weights.toString());
    }

    /** An image as AWT's image (which a cell shows as PNG). */
    public static BufferedImage toBufferedImage(RgbImage img) {
        BufferedImage out = new BufferedImage(img.width(), img.height(), BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.height(); y++) {
            for (int x = 0; x < img.width(); x++) {
                out.setRGB(x, y, (img.get(x, y, 0) << 16) | (img.get(x, y, 1) << 8) | img.get(x, y, 2));
            }
        }
        return out;
    }

    /**
     * Where a model looked: its attention map of {@code image} laid over the image as the model
     * saw it (after its evaluation preprocessing), as {@code bin/cvt attention} draws it.
     */
    public static BufferedImage heatMap(VisionModel model, RgbImage image) {
        if (!model.hasAttentionMap()) {
            throw new ZooException(model.architecture().name() + " has no attention map (its last stage has no class token)");
        }
        RgbImage seen = model.eval() == null ? image : model.eval().resizeAndCrop(image);
        return heatMap(seen, model.attention(image));
    }

    /**
     * An attention map ({@code [heads, h, w]}, or {@code [1, heads, h, w]} as a model gives it)
     * over {@code seen}, the image the model saw; small images are enlarged to 224 pixels first.
     */
    public static BufferedImage heatMap(RgbImage seen, INDArray attention) {
        INDArray map = attention.rank() == 4 ? attention.slice(0) : attention;
        if (map.rank() != 3) {
            throw new ZooException("an attention map is [heads, h, w] or [1, heads, h, w], got shape "
                    + java.util.Arrays.toString(attention.shape()));
        }
        int side = Math.max(seen.width(), seen.height());
        RgbImage shown = side >= 224 ? seen : Resampler.resize(seen, seen.height() * 224 / side, seen.width() * 224 / side,
                Interpolation.BICUBIC);
        return HeatMap.overlay(shown, map, 0.45);
    }

    /**
     * Images (RgbImage or BufferedImage) in a grid of {@code columns}, each scaled to fit a
     * {@code tile}-pixel square, with a caption under each (or none: {@code captions} null).
     */
    public static BufferedImage grid(int columns, int tile, List<?> images, List<String> captions) {
        if (images.isEmpty()) throw new ZooException("grid: no images");
        if (captions != null && captions.size() != images.size()) {
            throw new ZooException("grid: " + images.size() + " images but " + captions.size() + " captions");
        }
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
        int lines = captions == null ? 0 : 2, pad = 6;
        int rows = (images.size() + columns - 1) / columns, cols = Math.min(columns, images.size());
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        FontMetrics fm = probe.createGraphics().getFontMetrics(font);
        int captionHeight = lines * fm.getHeight();
        int cellW = tile + pad, cellH = tile + captionHeight + pad;
        BufferedImage out = new BufferedImage(cols * cellW + pad, rows * cellH + pad, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, out.getWidth(), out.getHeight());
        for (int i = 0; i < images.size(); i++) {
            BufferedImage img = asImage(images.get(i));
            double scale = Math.min(tile / (double) img.getWidth(), tile / (double) img.getHeight());
            int w = (int) Math.round(img.getWidth() * scale), h = (int) Math.round(img.getHeight() * scale);
            int x0 = pad + (i % columns) * cellW, y0 = pad + (i / columns) * cellH;
            // enlarging small images keeps their pixels visible (nearest), shrinking smooths
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, scale > 1
                    ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR : RenderingHints.VALUE_INTERPOLATION_BICUBIC);
            // at the bottom of its tile, right above its caption
            g.drawImage(img, x0 + (tile - w) / 2, y0 + tile - h, w, h, null);
            if (captions != null) {
                g.setColor(Color.BLACK);
                g.setFont(font);
                List<String> wrapped = wrap(captions.get(i), fm, tile, lines);
                for (int l = 0; l < wrapped.size(); l++) {
                    g.drawString(wrapped.get(l), x0, y0 + tile + fm.getAscent() + l * fm.getHeight() + 2);
                }
            }
        }
        g.dispose();
        return out;
    }

    private static BufferedImage asImage(Object o) {
        if (o instanceof BufferedImage b) return b;
        if (o instanceof RgbImage r) return toBufferedImage(r);
        throw new ZooException("grid: not an image: " + (o == null ? "null" : o.getClass().getName()));
    }

    private static List<String> wrap(String text, FontMetrics fm, int width, int maxLines) {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder();
        for (String word : text.split(" ")) {
            String candidate = line.isEmpty() ? word : line + " " + word;
            if (fm.stringWidth(candidate) <= width || line.isEmpty()) {
                line.setLength(0);
                line.append(candidate);
            } else {
                out.add(line.toString());
                line.setLength(0);
                line.append(word);
            }
        }
        if (!line.isEmpty()) out.add(line.toString());
        if (out.size() > maxLines) {
            List<String> cut = new ArrayList<>(out.subList(0, maxLines));
            cut.set(maxLines - 1, cut.get(maxLines - 1) + " ...");
            return cut;
        }
        return out;
    }

    /** Several images' predictions as one table, a row per image named by {@code names}. */
    public static Table predictions(List<String> names, List<Prediction> predictions) {
        if (names.size() != predictions.size()) {
            throw new ZooException(names.size() + " names for " + predictions.size() + " predictions");
        }
        return Displays.predictionTable(names, predictions);
    }

    /** Every registered variant: family, input size, classes, size, compute and pretrained weights. */
    public static Table variants() {
        return Displays.variantTable(Zoo.variants());
    }

    /** An empty table with these columns (a name starting with '>' is a right-aligned number column). */
    public static Table table(String... columns) {
        return new Table(columns);
    }

    /** A live loss and accuracy chart to pass to {@code new Trainer(model, config, chart)}. */
    public static TrainingChart trainingChart() {
        return new TrainingChart();
    }

    /** An evaluation's confusion matrix as a heat map: true classes down, predicted across, counts in the cells. */
    public static HeatMapChart confusionMatrix(Evaluation e) {
        List<Integer> classes = e.getConfusion().getClasses();
        List<String> names = classes.stream().map(c -> Displays.className(e, c)).toList();
        int n = classes.size();
        HeatMapChart chart = new HeatMapChartBuilder().width(Math.max(420, 60 * n + 200)).height(Math.max(360, 40 * n + 160))
                .title("confusion matrix").xAxisTitle("predicted").yAxisTitle("true").build();
        chart.getStyler().setShowValue(true).setLegendPosition(Styler.LegendPosition.OutsideE)
                .setChartBackgroundColor(Color.WHITE).setPlotContentSize(1.0);
        // light enough at the top that the counts stay readable in black
        chart.getStyler().setRangeColors(new Color[]{new Color(0xf7fbff), new Color(0x9ecae1), new Color(0x4292c6)});
        chart.getStyler().setHeatMapValueDecimalPattern("#");
        chart.getStyler().setXAxisLabelRotation(45);
        chart.getStyler().setValueFontColor(Color.BLACK);
        List<Number[]> heat = new ArrayList<>();
        for (int t = 0; t < n; t++) {
            for (int p = 0; p < n; p++) {
                // y runs upwards: the first class on top, as a confusion matrix is read
                heat.add(new Number[]{p, n - 1 - t, e.getConfusion().getCount(classes.get(t), classes.get(p))});
            }
        }
        List<String> down = new ArrayList<>(names);
        java.util.Collections.reverse(down);
        chart.addSeries("images", names, down, heat);
        return chart;
    }
}
