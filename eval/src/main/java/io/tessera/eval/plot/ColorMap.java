package io.tessera.eval.plot;

import org.jfree.chart.renderer.LookupPaintScale;
import org.jfree.chart.renderer.PaintScale;

import java.awt.Color;
import java.awt.Paint;

// Colour maps for heatmaps, filled contours and surfaces: matplotlib's viridis (perceptually
// uniform, the default of loss-landscape's heatmaps), coolwarm (Moreland's diverging map, its 3-D
// surfaces) and summer. Each is 17 anchors sampled at t = 0, 1/16, …, 1 and interpolated linearly
// in sRGB; a continuous PaintScale and a banded LookupPaintScale (contourf's look) are built on them.

/** A colour map t ∈ [0, 1] → colour. */
public enum ColorMap {
    /** Dark purple → blue → green → yellow. */
    VIRIDIS(0x440154, 0x48186a, 0x472d7b, 0x424086, 0x3b528b, 0x33638d, 0x2c728e, 0x26828e, 0x21918c,
            0x1fa088, 0x28ae80, 0x3fbc73, 0x5ec962, 0x84d44b, 0xaddc30, 0xd8e219, 0xfde725),
    /** Blue → light grey → red. */
    COOLWARM(0x3b4cc0, 0x4e68d8, 0x6282ea, 0x779af7, 0x8db0fe, 0xa3c2fe, 0xb9d0f9, 0xccd9ed, 0xdddcdc,
            0xecd3c5, 0xf5c4ac, 0xf7b093, 0xf4987a, 0xeb7d62, 0xdd5f4b, 0xca3b37, 0xb40426),
    /** Green → yellow. */
    SUMMER(0x008066, 0x108866, 0x209066, 0x309866, 0x40a066, 0x50a866, 0x60b066, 0x70b866, 0x80c066,
            0x90c866, 0xa0d066, 0xb0d866, 0xc0e066, 0xd0e866, 0xe0f066, 0xf0f866, 0xffff66);

    private final int[] anchors;

    ColorMap(int... anchors) {
        this.anchors = anchors;
    }

    /**
     * The colour at t, clamped to [0, 1]: anchors a_j at t_j = j/16, linear between them,
     * c(t) = (1 − f)·a_j + f·a_{j+1} with j = ⌊16t⌋, f = 16t − j.
     */
    public Color at(double t) {
        if (Double.isNaN(t)) throw new IllegalArgumentException("colour map " + name() + ": t is NaN");
        double s = Math.max(0, Math.min(1, t)) * (anchors.length - 1);
        int j = Math.min((int) s, anchors.length - 2);
        double f = s - j;
        int a = anchors[j], b = anchors[j + 1];
        return new Color(mix(a >> 16, b >> 16, f), mix(a >> 8, b >> 8, f), mix(a, b, f));
    }

    private static int mix(int a, int b, double f) {
        return (int) Math.round((a & 0xff) * (1 - f) + (b & 0xff) * f);
    }

    /**
     * A continuous scale from lo to hi: v ↦ at((v − lo)/(hi − lo)), values outside clamped to the
     * end colours (matplotlib's vmin/vmax), NaN transparent.
     */
    public PaintScale scale(double lo, double hi) {
        checkRange(lo, hi);
        return new Continuous(this, lo, hi);
    }

    /**
     * A banded scale (filled contours): band i of B covers [edges[i], edges[i+1]) and has the
     * colour at(i/(B − 1)), so the bands span the whole map; values below edges[0] or above the
     * last edge take the end bands' colours, NaN is transparent. Edges increase strictly, at least two.
     */
    public LookupPaintScale banded(double[] edges) {
        if (edges.length < 2) throw new IllegalArgumentException("a banded colour scale needs at least 2 edges, got " + edges.length);
        for (int i = 1; i < edges.length; i++) {
            if (!(edges[i] > edges[i - 1])) throw new IllegalArgumentException("band edges must increase strictly, got " + edges[i - 1] + " then " + edges[i]);
        }
        int bands = edges.length - 1;
        LookupPaintScale s = new Banded(edges[0], edges[bands], at(0));
        for (int i = 0; i < bands; i++) s.add(edges[i], at(bands == 1 ? 0.5 : (double) i / (bands - 1)));
        return s;
    }

    static void checkRange(double lo, double hi) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || !(hi > lo)) throw new IllegalArgumentException("a colour scale needs finite lo < hi, got " + lo + ".." + hi);
    }

    /** LookupPaintScale with values outside its bounds clamped to the end bands (the base class paints them in its default). */
    private static final class Banded extends LookupPaintScale {
        private static final long serialVersionUID = 1L;

        Banded(double lo, double hi, Paint below) {
            super(lo, hi, below);
        }

        @Override
        public Paint getPaint(double v) {
            if (Double.isNaN(v)) return new Color(0, 0, 0, 0);
            return super.getPaint(Math.max(getLowerBound(), Math.min(getUpperBound(), v)));
        }
    }

    /** The continuous scale; a record, so equal scales compare equal (JFreeChart clones and compares them). */
    private record Continuous(ColorMap map, double lo, double hi) implements PaintScale, java.io.Serializable {
        @Override
        public double getLowerBound() {
            return lo;
        }

        @Override
        public double getUpperBound() {
            return hi;
        }

        @Override
        public Paint getPaint(double v) {
            if (Double.isNaN(v)) return new Color(0, 0, 0, 0);
            return map.at((v - lo) / (hi - lo));
        }
    }
}
