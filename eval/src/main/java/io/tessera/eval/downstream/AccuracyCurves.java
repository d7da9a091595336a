// The curves of a probe or fine-tuning run: test top-1 and top-5 accuracy (%) against the epoch, and
// training and test loss against the epoch, as PNG + SVG through the shared chart theme.
package io.tessera.eval.downstream;

import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.ChartStyle;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Accuracy and loss figures of a list of {@link EpochRecord}s. */
public final class AccuracyCurves {
    private AccuracyCurves() {
    }

    /** Top-1 and top-5 test accuracy in percent against the epoch. */
    public static JFreeChart accuracy(List<EpochRecord> epochs, String title) {
        XYSeries t1 = new XYSeries("top-1 (test)"), t5 = new XYSeries("top-5 (test)");
        for (EpochRecord r : epochs) {
            t1.add(r.epoch(), 100 * r.top1());
            t5.add(r.epoch(), 100 * r.top5());
        }
        NumberAxis y = new NumberAxis("Accuracy (%)");
        y.setAutoRangeIncludesZero(false);
        return chart(title, collection(t1, t5), y, epochs.size());
    }

    /** Mean training loss and test cross-entropy against the epoch. */
    public static JFreeChart loss(List<EpochRecord> epochs, String title) {
        XYSeries tr = new XYSeries("training loss"), te = new XYSeries("test cross-entropy");
        for (EpochRecord r : epochs) {
            tr.add(r.epoch(), r.trainLoss());
            te.add(r.epoch(), r.testLoss());
        }
        NumberAxis y = new NumberAxis("Loss");
        y.setAutoRangeIncludesZero(false);
        return chart(title, collection(tr, te), y, epochs.size());
    }

    /** Writes {@code dir/accuracy.png|svg} and {@code dir/loss.png|svg}. */
    public static List<ChartFiles.Figure> write(List<EpochRecord> epochs, Path dir, String title) throws IOException {
        if (epochs.isEmpty()) throw new IllegalArgumentException("no epochs to plot");
        return List.of(ChartFiles.write(accuracy(epochs, title + ": test accuracy"), dir.resolve("accuracy")),
                ChartFiles.write(loss(epochs, title + ": loss"), dir.resolve("loss")));
    }

    private static XYSeriesCollection collection(XYSeries... series) {
        XYSeriesCollection c = new XYSeriesCollection();
        for (XYSeries s : series) c.addSeries(s);
        return c;
    }

    private static JFreeChart chart(String title, XYSeriesCollection data, NumberAxis y, int epochs) {
        NumberAxis x = new NumberAxis("Epoch");
        x.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
        x.setAutoRangeIncludesZero(false);
        if (epochs == 1) x.setRange(0.5, 1.5);
        XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, epochs <= 40);
        XYPlot plot = new XYPlot(data, x, y, r);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        ChartStyle.apply(chart);
        for (int s = 0; s < data.getSeriesCount(); s++) {
            r.setSeriesPaint(s, ChartStyle.PALETTE[s]);
            r.setSeriesStroke(s, ChartStyle.LINE);
        }
        return chart;
    }
}
