package org.cvtzoo.notebook;

import org.cvtzoo.core.image.RgbImage;
import org.cvtzoo.zoo.Card;
import org.cvtzoo.zoo.Prediction;
import org.cvtzoo.zoo.Variant;
import org.cvtzoo.zoo.VisionModel;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.internal.chartpart.Chart;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.ndarray.INDArray;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.awt.image.RenderedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * How values show in a notebook: images, charts and heat maps as PNG, predictions, evaluations
 * and model lists as HTML tables with a text form, an {@code INDArray} as a short summary, a
 * model as what it is. Registered on the kernel's {@link Renderer}, so that
 * {@code display(...)} and a cell's value show alike (and a user may register more types there).
 */
final class Displays {
    private Displays() {
    }

    static void register(Renderer r) {
        r.createRegistration(BufferedImage.class).preferring(MIMEType.IMAGE_PNG)
                .register((img, ctx) -> {
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> png(img));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> "image " + img.getWidth() + "x" + img.getHeight());
                });
        r.createRegistration(RgbImage.class).preferring(MIMEType.IMAGE_PNG)
                .register((img, ctx) -> {
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> png(Notebook.toBufferedImage(img)));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, img::toString);
                });
        r.createRegistration(Chart.class).preferring(MIMEType.IMAGE_PNG)
                .register((chart, ctx) -> {
                    ctx.renderIfRequested(MIMEType.IMAGE_PNG, () -> png(BitmapEncoder.getBufferedImage(chart)));
                    ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> chart.getClass().getSimpleName()
                            + (chart.getTitle() == null || chart.getTitle().isEmpty() ? "" : " '" + chart.getTitle() + "'"));
                });
        r.createRegistration(Prediction.class).preferring(MIMEType.TEXT_HTML)
                .register((p, ctx) -> predictionTable(p).render(ctx));
        r.createRegistration(INDArray.class).preferring(MIMEType.TEXT_PLAIN)
                .register((a, ctx) -> ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> ArraySummary.of(a)));
        r.createRegistration(VisionModel.class).preferring(MIMEType.TEXT_PLAIN)
                .register((m, ctx) -> ctx.renderIfRequested(MIMEType.TEXT_PLAIN, () -> describe(m)));
        r.createRegistration(Evaluation.class).preferring(MIMEType.TEXT_HTML)
                .register((e, ctx) -> evaluationTable(e).render(ctx));
        r.createRegistration(Variant.class).preferring(MIMEType.TEXT_HTML)
                .register((v, ctx) -> variantTable(List.of(v)).render(ctx));
    }

    /** A cell's value as display data; lists of predictions or variants become one table. */
    static DisplayData render(Renderer r, Object value) {
        if (value == null) return new DisplayData("null");
        // an InputStream would be read as an image by JJava's renderer: shown as what it is instead
        if (value instanceof InputStream) return new DisplayData(value.toString());
        if (value instanceof List<?> list && !list.isEmpty()) {
            if (list.stream().allMatch(Prediction.class::isInstance)) {
                return r.render(predictionTable(null, list.stream().map(Prediction.class::cast).toList()));
            }
            if (list.stream().allMatch(Variant.class::isInstance)) {
                return r.render(variantTable(list.stream().map(Variant.class::cast).toList()));
            }
        }
        return r.render(value);
    }

    static String png(RenderedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            if (!ImageIO.write(img, "png", out)) throw new IOException("no PNG writer");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Base64.getEncoder().encodeToString(out.toByteArray());
    }

    /** One image's top-k: rank, class, probability (with a bar in HTML). */
    static Table predictionTable(Prediction p) {
        Table t = new Table(">#", "class", ">probability");
        int rank = 1;
        for (Prediction.Label l : p.top()) {
            String pct = String.format(Locale.ROOT, "%.2f%%", 100 * l.probability());
            String bar = "<span style=\"display:inline-block;height:0.8em;width:" + Math.round(120 * l.probability())
                    + "px;background:#4c78a8;margin-right:6px\"></span>" + pct;
            t.row(List.of(String.valueOf(rank), l.name(), pct), List.of(String.valueOf(rank), Html.escape(l.name()), bar));
            rank++;
        }
        return t;
    }

    /** Several images' top-k: a row per image, the best classes in order. */
    static Table predictionTable(List<String> names, List<Prediction> ps) {
        if (names == null && ps.size() == 1) return predictionTable(ps.get(0));
        int k = ps.stream().mapToInt(p -> p.top().size()).max().orElse(0);
        List<String> cols = new ArrayList<>(List.of("image"));
        for (int i = 1; i <= k; i++) {
            cols.add(k == 1 ? "class" : "top-" + i);
            cols.add(">p");
        }
        Table t = new Table(cols.toArray(String[]::new));
        for (int row = 0; row < ps.size(); row++) {
            List<String> cells = new ArrayList<>();
            cells.add(names == null ? "#" + row : names.get(row));
            List<Prediction.Label> top = ps.get(row).top();
            for (int i = 0; i < k; i++) {
                cells.add(i < top.size() ? top.get(i).name() : "");
                cells.add(i < top.size() ? String.format(Locale.ROOT, "%.1f%%", 100 * top.get(i).probability()) : "");
            }
            t.row(cells.toArray());
        }
        return t;
    }

    /** Per-class precision, recall, F1 and count, and the overall accuracy as the caption. */
    static Table evaluationTable(Evaluation e) {
        Table t = new Table("class", ">precision", ">recall", ">F1", ">images");
        List<Integer> classes = e.getConfusion() == null ? List.of() : e.getConfusion().getClasses();
        for (int c : classes) {
            int count = e.getConfusion().getActualTotal(c);
            t.row(className(e, c), pct(e.precision(c)), pct(e.recall(c)), pct(e.f1(c)), count);
        }
        String topN = e.getTopN() > 1 && e.getTopN() < classes.size()
                ? String.format(Locale.ROOT, " (top-%d %.2f%%)", e.getTopN(), 100 * e.topNAccuracy()) : "";
        return t.caption(String.format(Locale.ROOT, "accuracy %.2f%%%s on %,d images", 100 * e.accuracy(), topN, e.getNumRowCounter()));
    }

    static String className(Evaluation e, int c) {
        List<String> labels = e.getLabelsList();
        return labels != null && c < labels.size() ? labels.get(c) : "class " + c;
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    /** The registered variants as bin/cvt models lists them. */
    static Table variantTable(List<Variant> variants) {
        Table t = new Table("name", "family", "input", ">classes", ">params", ">GMACs", "pretrained weights");
        for (Variant v : variants) {
            int[] size = v.architecture().nativeSize();
            Card.Published p = v.card().published();
            Card.Pretrained w = v.card().pretrained();
            t.row(v.name(), v.family(), size[0] + "x" + size[1], v.architecture().numClasses(),
                    p == null ? "?" : String.format(Locale.ROOT, "%.1fM", p.paramsMillions()),
                    p == null ? "?" : String.format(Locale.ROOT, "%.2f", p.gmacs()),
                    w == null ? "none published" : w.file());
        }
        return t;
    }

    static String describe(VisionModel m) {
        int[] size = m.architecture().nativeSize();
        return String.format(Locale.ROOT, "VisionModel %s (%s): %,d parameters, %d classes, input %dx%d, preprocessing %s",
                m.architecture().name(), m.architecture().family(), m.parameters().parameterCount(),
                m.architecture().numClasses(), size[0], size[1], m.eval() == null ? "unknown" : m.eval());
    }
}
