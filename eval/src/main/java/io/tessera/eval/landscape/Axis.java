// One axis of a landscape grid as loss-landscape's command line writes it, "min:max:num", with
// numpy.linspace's points: min + i·(max − min)/(num − 1), the last exactly max.
package io.tessera.eval.landscape;

import java.util.Locale;

/** α (or β) from min to max in num points; the values are multiples of the normalised direction. */
public record Axis(double min, double max, int num) {
    public Axis {
        if (num < 1) throw new IllegalArgumentException("an axis needs at least one point, got " + num);
        if (!Double.isFinite(min) || !Double.isFinite(max)) throw new IllegalArgumentException("axis bounds must be finite, got " + min + ":" + max);
        if (num > 1 && !(max > min)) throw new IllegalArgumentException("axis " + min + ":" + max + ":" + num + " must have max > min (or a single point)");
        if (num > 100_000) throw new IllegalArgumentException("an axis of " + num + " points is too fine (at most 100000)");
    }

    /** Parses "min:max:num", e.g. "-1:1:51". */
    public static Axis parse(String s) {
        String[] p = s.split(":");
        if (p.length != 3) throw new IllegalArgumentException("an axis is min:max:num (e.g. -1:1:51), got '" + s + "'");
        try {
            return new Axis(Double.parseDouble(p[0]), Double.parseDouble(p[1]), Integer.parseInt(p[2]));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("an axis is min:max:num with numbers (e.g. -1:1:51), got '" + s + "'");
        }
    }

    /** Point i. */
    public double at(int i) {
        if (i < 0 || i >= num) throw new IndexOutOfBoundsException("point " + i + " of an axis of " + num);
        if (num == 1) return min;
        if (i == num - 1) return max;
        return min + i * ((max - min) / (num - 1));
    }

    public double[] values() {
        double[] v = new double[num];
        for (int i = 0; i < num; i++) v[i] = at(i);
        return v;
    }

    /** The index of the point nearest 0 (the checkpoint itself when 0 is on the axis). */
    public int nearestZero() {
        int best = 0;
        for (int i = 1; i < num; i++) if (Math.abs(at(i)) < Math.abs(at(best))) best = i;
        return best;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s:%s:%d", min, max, num);
    }
}
