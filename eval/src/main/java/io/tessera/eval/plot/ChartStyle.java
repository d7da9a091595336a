package io.tessera.eval.plot;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.StandardChartTheme;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StandardXYBarPainter;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Paint;

// One look for every figure of the eval module (Hessian spectra, loss landscapes, feature
// spectra): white background, light grey grid, sans-serif text sized for reading at 100 %,
// flat bars and matplotlib's tab10 colours, so figures from different analyses sit together.

/** The shared JFreeChart theme and figure size. */
public final class ChartStyle {
    /** Default figure width in pixels. */
    public static final int WIDTH = 900;
    /** Default figure height in pixels. */
    public static final int HEIGHT = 560;
    /** matplotlib's tab10 palette, in order. */
    public static final Color[] PALETTE = {
            new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd),
            new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f), new Color(0xbcbd22), new Color(0x17becf)};
    /** Stroke of data lines. */
    public static final BasicStroke LINE = new BasicStroke(1.6f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);

    private ChartStyle() {
    }

    /** A fresh theme instance (JFreeChart themes are mutable, so none is shared). */
    public static StandardChartTheme theme() {
        StandardChartTheme t = new StandardChartTheme("Tessera");
        t.setExtraLargeFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
        t.setLargeFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        t.setRegularFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        t.setSmallFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        t.setChartBackgroundPaint(Color.WHITE);
        t.setPlotBackgroundPaint(Color.WHITE);
        t.setPlotOutlinePaint(new Color(0x888888));
        t.setDomainGridlinePaint(new Color(0xdddddd));
        t.setRangeGridlinePaint(new Color(0xdddddd));
        t.setAxisLabelPaint(new Color(0x222222));
        t.setTickLabelPaint(new Color(0x222222));
        t.setTitlePaint(new Color(0x222222));
        t.setLegendBackgroundPaint(Color.WHITE);
        t.setXYBarPainter(new StandardXYBarPainter());
        t.setShadowVisible(false);
        t.setDrawingSupplier(new org.jfree.chart.plot.DefaultDrawingSupplier(
                PALETTE.clone(), new Paint[]{Color.WHITE},
                new java.awt.Stroke[]{LINE}, new java.awt.Stroke[]{new BasicStroke(1f)},
                org.jfree.chart.plot.DefaultDrawingSupplier.createStandardSeriesShapes()));
        return t;
    }

    /** Applies the theme to a chart and returns it; XY plots get solid grey grid lines. */
    public static JFreeChart apply(JFreeChart chart) {
        theme().apply(chart);
        chart.setAntiAlias(true);
        chart.setTextAntiAlias(true);
        Plot plot = chart.getPlot();
        if (plot instanceof XYPlot xy) {
            xy.setDomainGridlineStroke(new BasicStroke(0.8f));
            xy.setRangeGridlineStroke(new BasicStroke(0.8f));
        }
        return chart;
    }
}
