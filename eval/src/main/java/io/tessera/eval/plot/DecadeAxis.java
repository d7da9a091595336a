package io.tessera.eval.plot;

import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberTick;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.TickType;
import org.jfree.chart.axis.ValueTick;
import org.jfree.chart.ui.RectangleEdge;

import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.util.ArrayList;
import java.util.List;

// A base-10 log axis with a labelled tick each decade and unlabelled minor ticks between. Its
// labels are plain strings (0.01, 1, 100): LogAxis's own labels are attributed strings, which SVG
// output draws as glyph outlines, so a reader (or a search) of the SVG would find no text.

/** A log axis whose decade labels stay text in SVG. */
public final class DecadeAxis extends LogAxis {
    private static final long serialVersionUID = 1L;

    public DecadeAxis(String label) {
        super(label);
        setBase(10);
        setSmallestValue(1e-300);
        setTickUnit(new NumberTickUnit(1));
        setNumberFormatOverride(Ticks.numberFormat());
    }

    @Override
    public List<ValueTick> refreshTicks(Graphics2D g2, AxisState state, Rectangle2D dataArea, RectangleEdge edge) {
        List<ValueTick> out = new ArrayList<>();
        for (Object o : super.refreshTicks(g2, state, dataArea, edge)) {
            ValueTick t = (ValueTick) o;
            String text = t.getTickType() == TickType.MAJOR ? Ticks.format(t.getValue()) : "";
            out.add(new NumberTick(t.getTickType(), t.getValue(), text, t.getTextAnchor(), t.getRotationAnchor(), t.getAngle()));
        }
        return out;
    }
}
