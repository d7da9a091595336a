package io.tessera.eval.plot;

import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.TickType;
import org.jfree.chart.axis.ValueTick;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.TextAnchor;

import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;

// A base-10 log axis with a labelled tick each decade and minor ticks between (those at 2 and 5 also
// labelled when the axis spans at most three decades, e.g. k = 1 … 200). Its
// labels are plain strings (0.01, 1, 100): LogAxis's own labels are attributed strings, which SVG
// output draws as glyph outlines, so a reader (or a search) of the SVG would find no text.

/** A log axis whose decade labels stay text in SVG. */
public final class DecadeAxis extends LogAxis {
    private static final long serialVersionUID = 1L;

    public DecadeAxis(String label) {
        super(label);
        setBase(10);
        setSmallestValue(1e-300);
        setMinorTickMarksVisible(true);
    }

    /**
     * Ticks at m·10^e for m = 1 … 9 inside the range: m = 1 labelled (a major tick with a grid line),
     * m = 2 and 5 labelled too when the range spans at most three decades, the others unlabelled.
     */
    @Override
    public List<ValueTick> refreshTicks(Graphics2D g2, AxisState state, Rectangle2D dataArea, RectangleEdge edge) {
        double lo = getLowerBound(), hi = getUpperBound();
        TextAnchor anchor = edge == RectangleEdge.LEFT ? TextAnchor.CENTER_RIGHT : edge == RectangleEdge.RIGHT ? TextAnchor.CENTER_LEFT
                : edge == RectangleEdge.TOP ? TextAnchor.BOTTOM_CENTER : TextAnchor.TOP_CENTER;
        List<ValueTick> out = new ArrayList<>();
        if (!(lo > 0) || !(hi > lo)) return out;
        boolean few = Math.log10(hi / lo) <= 3;
        for (int e = (int) Math.floor(Math.log10(lo)); e <= (int) Math.ceil(Math.log10(hi)); e++) {
            for (int m = 1; m <= 9; m++) {
                double v = Double.parseDouble(m + "e" + e); // the exact decimal, not m·10^e rounded twice
                if (v < lo * (1 - 1e-12) || v > hi * (1 + 1e-12)) continue;
                boolean labelled = m == 1 || (few && (m == 2 || m == 5));
                out.add(new NumberTick(labelled ? TickType.MAJOR : TickType.MINOR, v, labelled ? Ticks.format(v) : "", anchor, anchor, 0.0));
            }
        }
        return out;
    }
}
