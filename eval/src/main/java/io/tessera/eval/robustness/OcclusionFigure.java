// The robustness figure: test top-1 and top-5 accuracy (%) against the occluded fraction of the image,
// PNG + SVG in the shared chart theme.
package io.tessera.eval.robustness;

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

/** Accuracy against the occlusion ratio. */
public final class OcclusionFigure {
    private OcclusionFigure() {
    }

    /** x: occluded fraction of the image area (%), y: accuracy (%), top-1 and top-5. */
    public static JFreeChart chart(OcclusionSweep.Result r, String title) {
        XYSeries t1 = new XYSeries("top-1"), t5 = new XYSeries("top-5");
        for (OcclusionSweep.Point p : r.points()) {
            t1.add(100 * p.covered(), 100 * p.top1());
            t5.add(100 * p.covered(), 100 * p.top5());
        }
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(t1);
        data.addSeries(t5);
        NumberAxis x = new NumberAxis(r.mode() == Occlusion.Mode.CENTER ? "Occluded area, centred box (% of the image)" : "Dropped patches (% of the image)");
        NumberAxis y = new NumberAxis("Test accuracy (%)");
        y.setRange(0, 100);
        XYLineAndShapeRenderer line = new XYLineAndShapeRenderer(true, true);
        JFreeChart chart = new JFreeChart(title, JFreeChart.DEFAULT_TITLE_FONT, new XYPlot(data, x, y, line), true);
        ChartStyle.apply(chart);
        for (int s = 0; s < 2; s++) {
            line.setSeriesPaint(s, ChartStyle.PALETTE[s]);
            line.setSeriesStroke(s, ChartStyle.LINE);
        }
        return chart;
    }

    /** Writes {@code base.png} and {@code base.svg}. */
    public static ChartFiles.Figure write(OcclusionSweep.Result r, Path base, String title) throws IOException {
        return ChartFiles.write(chart(r, title), base);
    }
}
