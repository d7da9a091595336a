package io.tessera.eval.plot;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LineChartsTest {
    @Test
    void chartHasTitledAxesTicksAndALegend() {
        LineCharts.Series a = new LineCharts.Series("teacher", new double[]{1, 5, 20, 200}, new double[]{60, 70, 72, 68});
        LineCharts.Series b = new LineCharts.Series("random init", new double[]{1, 5, 20, 200}, new double[]{40, 50, 55, 52});
        JFreeChart c = LineCharts.chart("k-NN", "k (log scale)", "top-1 (%)", List.of(a, b), LineCharts.Scale.LOG, LineCharts.Scale.LINEAR);
        assertThat(c.getXYPlot().getDomainAxis()).isInstanceOf(LogAxis.class);
        String svg = ChartFiles.svg(c, 600, 360);
        assertThat(svg).contains(">k (log scale)<", ">top-1 (%)<", ">teacher<", ">random init<", ">1<", ">5<", ">10<", ">20<", ">50<", ">100<", ">200<", ">60<");
    }

    @Test
    void nonFinitePointsBreakTheLine() {
        LineCharts.Series s = new LineCharts.Series("loss", new double[]{0, 1, 2, 3}, new double[]{1, Double.NaN, 0.5, Double.POSITIVE_INFINITY});
        XYDataset d = LineCharts.chart("t", "x", "y", List.of(s)).getXYPlot().getDataset();
        assertThat(d.getItemCount(0)).isEqualTo(4);
        assertThat(d.getY(0, 1)).isNull();
        assertThat(d.getY(0, 3)).isNull();
        assertThat(d.getYValue(0, 2)).isEqualTo(0.5);
        // a log axis leaves out values ≤ 0
        XYDataset logd = LineCharts.chart("t", "x", "y", List.of(new LineCharts.Series("s", new double[]{1, 2}, new double[]{0, 3})),
                LineCharts.Scale.LINEAR, LineCharts.Scale.LOG).getXYPlot().getDataset();
        assertThat(logd.getY(0, 0)).isNull();
    }

    @Test
    void badSeriesAreRefused() {
        assertThatThrownBy(() -> new LineCharts.Series("s", new double[2], new double[3])).hasMessageContaining("2 x values and 3 y values");
        assertThatThrownBy(() -> LineCharts.chart("t", "x", "y", List.of())).hasMessageContaining("no series");
        assertThatThrownBy(() -> LineCharts.chart("t", "x", "y", List.of(new LineCharts.Series("s", new double[]{1}, new double[]{Double.NaN}))))
                .hasMessageContaining("no finite point");
    }
}
