package io.tessera.eval.plot;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisLocation;
import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.renderer.PaintScale;
import org.jfree.chart.title.PaintScaleLegend;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;

// A vertical colour bar on the right of a chart (JFreeChart's PaintScaleLegend): the scale's strip,
// a titled axis with either automatic ticks or ticks exactly at given values (the band edges of a
// filled contour). Added after ChartStyle.apply, so the theme does not restyle it.

/** Colour bars for heatmaps, filled contours and surfaces. */
public final class ColorBar {
    private ColorBar() {
    }

    /** About this many ticks on a colour bar with automatic ticks. */
    public static final int TICKS = 6;

    /** Adds a colour bar of {@code scale} titled {@code title} with ≈ 6 nice ticks ({@link Ticks#nice}); returns the chart. */
    public static JFreeChart add(JFreeChart chart, PaintScale scale, String title) {
        return add(chart, scale, title, Ticks.nice(scale.getLowerBound(), scale.getUpperBound(), TICKS));
    }

    /**
     * Adds a colour bar with one tick at each of {@code ticks} (those inside the scale's bounds),
     * labelled with {@link Ticks#format}; returns the chart.
     */
    public static JFreeChart add(JFreeChart chart, PaintScale scale, String title, double[] ticks) {
        return add(chart, scale, new FixedTicks(title, ticks.clone()));
    }

    private static JFreeChart add(JFreeChart chart, PaintScale scale, NumberAxis axis) {
        axis.setRange(scale.getLowerBound(), scale.getUpperBound());
        axis.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        axis.setTickLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        axis.setLabelPaint(new Color(0x222222));
        axis.setTickLabelPaint(new Color(0x222222));
        axis.setLabelAngle(Math.PI); // the title reads bottom to top, as a left axis's
        PaintScaleLegend legend = new PaintScaleLegend(scale, axis);
        legend.setPosition(RectangleEdge.RIGHT);
        legend.setAxisLocation(AxisLocation.BOTTOM_OR_RIGHT);
        legend.setStripWidth(16);
        legend.setSubdivisionCount(256);
        legend.setStripOutlineVisible(true);
        legend.setStripOutlinePaint(new Color(0x888888));
        legend.setMargin(new RectangleInsets(12, 8, 12, 4));
        legend.setPadding(new RectangleInsets(4, 4, 4, 4));
        legend.setBackgroundPaint(Color.WHITE);
        chart.addSubtitle(legend);
        return chart;
    }

    /** A number axis whose ticks are exactly the given values. */
    static final class FixedTicks extends NumberAxis {
        private static final long serialVersionUID = 1L;
        private final double[] values;

        FixedTicks(String label, double[] values) {
            super(label);
            this.values = values;
        }

        @Override
        public List<NumberTick> refreshTicks(Graphics2D g2, AxisState state, Rectangle2D dataArea, RectangleEdge edge) {
            TextAnchor anchor = edge == RectangleEdge.LEFT ? TextAnchor.CENTER_RIGHT : edge == RectangleEdge.RIGHT ? TextAnchor.CENTER_LEFT
                    : edge == RectangleEdge.TOP ? TextAnchor.BOTTOM_CENTER : TextAnchor.TOP_CENTER;
            List<NumberTick> ticks = new ArrayList<>();
            for (double v : values) {
                if (v >= getLowerBound() - 1e-12 * Math.abs(v) && v <= getUpperBound() + 1e-12 * Math.abs(v)) ticks.add(new NumberTick(v, Ticks.format(v), anchor, anchor, 0.0));
            }
            return ticks;
        }
    }
}
