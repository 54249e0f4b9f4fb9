package org.cvtzoo.notebook;

import org.cvtzoo.zoo.train.EpochReport;
import org.cvtzoo.zoo.train.Trainer;
import org.dflib.jjava.jupyter.kernel.display.DisplayDataRenderable;
import org.dflib.jjava.jupyter.kernel.display.RenderContext;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A fine-tuning run as two live charts, loss and accuracy (XChart), that a notebook shows while
 * {@link Trainer#fit} runs: pass it as the trainer's listener. The charts appear at the first
 * batch and are redrawn in place (Jupyter's update_display_data) at most every
 * {@link #refreshMillis} and after every epoch, so the finished cell shows the whole run.
 */
public final class TrainingChart implements Trainer.Listener, DisplayDataRenderable {
    static final int WIDTH = 900, HEIGHT = 330;

    private final List<Double> batchX = new ArrayList<>(), batchLoss = new ArrayList<>();
    private final List<Double> epochStep = new ArrayList<>(), epochX = new ArrayList<>(), trainLoss = new ArrayList<>(), valLoss = new ArrayList<>(),
            trainTop1 = new ArrayList<>(), valTop1 = new ArrayList<>();
    private final long refreshMillis;
    private Notebook.DisplayHandle shown;
    private long lastShown;
    private EpochReport last;
    private int batchesPerEpoch;

    /** A chart redrawn at most every 1.5 s during an epoch (drawing one takes ~50 ms). */
    public TrainingChart() {
        this(1500);
    }

    /** A chart redrawn at most every {@code refreshMillis} during an epoch. */
    public TrainingChart(long refreshMillis) {
        this.refreshMillis = refreshMillis;
    }

    @Override
    public synchronized void batch(int epoch, int batch, int batches, double loss) {
        batchesPerEpoch = batches;
        batchX.add((double) (epoch - 1) * batches + batch);
        batchLoss.add(loss);
        long now = System.currentTimeMillis();
        if (shown == null || now - lastShown >= refreshMillis) show();
    }

    @Override
    public synchronized void epoch(EpochReport r) {
        last = r;
        epochX.add((double) r.epoch());
        epochStep.add((double) r.epoch() * batchesPerEpoch);
        trainLoss.add(r.trainLoss());
        trainTop1.add(100 * r.trainTop1());
        valLoss.add(r.valLoss());
        valTop1.add(100 * r.valTop1());
        show();
    }

    private void show() {
        lastShown = System.currentTimeMillis();
        if (shown == null) {
            shown = Notebook.display(this);
        } else {
            shown.update(this);
        }
    }

    /**
     * The loss chart over training steps: every batch's training loss (with the run's label
     * smoothing), and at each epoch's end its mean training loss and the validation loss.
     */
    public synchronized XYChart lossChart() {
        XYChart c = base("loss", "step (batches)", "cross-entropy");
        if (!batchX.isEmpty()) line(c, "batch (training)", batchX, batchLoss, new Color(0x9ecae9), false);
        if (!epochStep.isEmpty()) {
            line(c, "training, epoch mean", epochStep, trainLoss, new Color(0x4c78a8), true);
            if (valLoss.stream().anyMatch(v -> !Double.isNaN(v))) line(c, "validation", epochStep, valLoss, new Color(0xf58518), true);
        }
        return c;
    }

    /** The accuracy chart: each epoch's training and validation top-1. */
    public synchronized XYChart accuracyChart() {
        XYChart c = base("top-1 accuracy", "epoch", "%");
        c.getStyler().setYAxisMin(0.0).setYAxisMax(100.0);
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE); // the curves run high
        if (!epochX.isEmpty()) {
            line(c, "training", epochX, trainTop1, new Color(0x4c78a8), true);
            if (valTop1.stream().anyMatch(v -> !Double.isNaN(v))) line(c, "validation", epochX, valTop1, new Color(0xf58518), true);
        } else {
            // no epoch finished yet: an empty axis, so that the chart keeps its place
            line(c, "training", List.of(0.0), List.of(0.0), new Color(0, 0, 0, 0), false);
        }
        return c;
    }

    private static XYChart base(String title, String x, String y) {
        XYChart c = new XYChartBuilder().width(WIDTH / 2).height(HEIGHT).title(title).xAxisTitle(x).yAxisTitle(y).build();
        c.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE).setChartBackgroundColor(Color.WHITE)
                .setPlotBorderVisible(false);
        c.getStyler().setXAxisMin(0.0).setXAxisDecimalPattern("#").setYAxisDecimalPattern("0.##");
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        return c;
    }

    private static void line(XYChart c, String name, List<Double> x, List<Double> y, Color colour, boolean markers) {
        XYSeries s = c.addSeries(name, new ArrayList<>(x), new ArrayList<>(y));
        s.setLineColor(colour);
        s.setMarkerColor(colour);
        s.setMarker(markers ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        s.setLineWidth(markers ? 2f : 1f);
    }

    /** Both charts side by side, as the notebook shows them. */
    public synchronized BufferedImage image() {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        lossChart().paint(g, WIDTH / 2, HEIGHT);
        g.translate(WIDTH / 2, 0);
        accuracyChart().paint(g, WIDTH / 2, HEIGHT);
        g.dispose();
        return img;
    }

    /** The run so far in words: the text form of the charts. */
    @Override
    public synchronized String toString() {
        if (last == null) {
            return batchX.isEmpty() ? "training: no batch yet" : String.format(Locale.ROOT, "training: %d batches, last loss %.4f",
                    batchX.size(), batchLoss.get(batchLoss.size() - 1));
        }
        return String.format(Locale.ROOT, "epoch %d/%d: training loss %.4f, top-1 %.2f%%; validation loss %.4f, top-1 %.2f%% (%.1f s)",
                last.epoch(), last.epochs(), last.trainLoss(), 100 * last.trainTop1(), last.valLoss(), 100 * last.valTop1(),
                last.seconds());
    }

    /** The epochs seen so far. */
    public synchronized int epochs() {
        return epochX.size();
    }

    @Override
    public Set<MIMEType> getPreferredRenderTypes() {
        return Set.of(MIMEType.IMAGE_PNG, MIMEType.TEXT_PLAIN);
    }

    @Override
    public Set<MIMEType> getSupportedRenderTypes() {
        return getPreferredRenderTypes();
    }

    @Override
    public void render(RenderContext context) {
        context.renderIfRequested(MIMEType.IMAGE_PNG, () -> Displays.png(image()));
        context.renderIfRequested(MIMEType.TEXT_PLAIN, this::toString);
    }
}
