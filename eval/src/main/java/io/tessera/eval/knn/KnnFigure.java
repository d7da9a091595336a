// The k-NN figure: top-1 and top-5 accuracy (%) against the number of neighbours k (one tick per k), the
// values DINO's eval_knn.py reports (k = 10, 20, 100, 200 by default).
package io.tessera.eval.knn;

import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.ChartStyle;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.SymbolAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Accuracy against k. */
public final class KnnFigure {
    private KnnFigure() {
    }

    /** x: the k values in the order given, equally spaced and labelled; y: test accuracy (%); top-5 where it is defined. */
    public static JFreeChart chart(List<KnnClassifier.Accuracy> results, String title) {
        XYSeries t1 = new XYSeries("top-1"), t5 = new XYSeries("top-5");
        String[] labels = new String[results.size()];
        for (int i = 0; i < results.size(); i++) {
            KnnClassifier.Accuracy a = results.get(i);
            labels[i] = Integer.toString(a.k());
            t1.add(i, 100 * a.top1());
            if (!Double.isNaN(a.top5())) t5.add(i, 100 * a.top5());
        }
        XYSeriesCollection data = new XYSeriesCollection(t1);
        if (t5.getItemCount() > 0) data.addSeries(t5);
        SymbolAxis x = new SymbolAxis("Neighbours k", labels);
        x.setGridBandsVisible(false);
        x.setRange(-0.5, results.size() - 0.5);
        NumberAxis y = new NumberAxis("Test accuracy (%)");
        y.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer line = new XYLineAndShapeRenderer(true, true);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, new XYPlot(data, x, y, line), true);
        ChartStyle.apply(chart);
        for (int s = 0; s < data.getSeriesCount(); s++) {
            line.setSeriesPaint(s, ChartStyle.PALETTE[s]);
            line.setSeriesStroke(s, ChartStyle.LINE);
        }
        return chart;
    }

    /** Writes {@code base.png} and {@code base.svg}. */
    public static ChartFiles.Figure write(List<KnnClassifier.Accuracy> results, Path base, String title) throws IOException {
        if (results.isEmpty()) throw new IllegalArgumentException("no k-NN results to plot");
        return ChartFiles.write(chart(results, title), base);
    }
}
