// Iso-lines z = c of a field sampled on a rectilinear grid (marching squares, Lorensen & Cline's
// idea in 2-D): each cell's corners are classified above (z > c) or not, crossings are placed on
// the cell edges by linear interpolation, and the segments are joined into polylines through the
// edges they share. Saddle cells (opposite corners above) are resolved by the cell-centre mean.
// Cells with a NaN corner are skipped, so lines end at points that were not computed.
package io.tessera.eval.landscape;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Contour lines of Z[iy][ix] over axes x (columns) and y (rows). */
public final class MarchingSquares {
    private MarchingSquares() {
    }

    /** One iso-line: points in order; closed lines repeat the first point at the end. */
    public record Polyline(double[] x, double[] y, boolean closed) {
        public Polyline {
            if (x.length != y.length || x.length < 2) throw new IllegalArgumentException("a polyline needs ≥ 2 points with x and y each, got " + x.length + " and " + y.length);
        }

        public int size() {
            return x.length;
        }

        /** Σ‖p_{i+1} − p_i‖. */
        public double length() {
            double s = 0;
            for (int i = 1; i < x.length; i++) s += Math.hypot(x[i] - x[i - 1], y[i] - y[i - 1]);
            return s;
        }
    }

    // Edges of a cell: 0 bottom (BL–BR), 1 right (BR–TR), 2 top (TL–TR), 3 left (BL–TL).
    // Case bits: 1 BL, 2 BR, 4 TR, 8 TL above. SEGMENTS[case] lists edge pairs; saddles 5 and 10 separately.
    private static final int[][] SEGMENTS = {
            {}, {0, 3}, {0, 1}, {1, 3}, {1, 2}, null, {0, 2}, {2, 3},
            {2, 3}, {0, 2}, null, {1, 2}, {1, 3}, {0, 1}, {0, 3}, {}};

    /**
     * The polylines of level c: a crossing on the edge between corners a and b lies at
     * t = (c − z_a)/(z_b − z_a) from a. In a saddle cell the centre value m = mean of the corners
     * decides: when m > c the two above corners are joined through the centre (the lines cut off
     * the below corners), otherwise the below corners are joined. Returns no lines when c lies
     * outside the finite values or c is not finite.
     *
     * @param xs strictly increasing column coordinates, length nx ≥ 2
     * @param ys strictly increasing row coordinates, length ny ≥ 2
     * @param z  Z[iy][ix], ny rows of nx values (NaN = missing)
     */
    public static List<Polyline> isoLines(double[] xs, double[] ys, double[][] z, double c) {
        check(xs, ys, z);
        if (!Double.isFinite(c)) return List.of();
        int nx = xs.length, ny = ys.length;
        List<int[]> segments = new ArrayList<>(); // pairs of edge keys
        Map<Integer, double[]> points = new HashMap<>();
        for (int iy = 0; iy < ny - 1; iy++) {
            for (int ix = 0; ix < nx - 1; ix++) {
                double bl = z[iy][ix], br = z[iy][ix + 1], tr = z[iy + 1][ix + 1], tl = z[iy + 1][ix];
                if (Double.isNaN(bl) || Double.isNaN(br) || Double.isNaN(tr) || Double.isNaN(tl)) continue;
                int code = (bl > c ? 1 : 0) | (br > c ? 2 : 0) | (tr > c ? 4 : 0) | (tl > c ? 8 : 0);
                int[] pairs = SEGMENTS[code];
                if (pairs == null) {
                    boolean centreAbove = (bl + br + tr + tl) / 4 > c;
                    // case 5 (BL, TR above): joined above → cut off BR {0,1} and TL {2,3}; else cut off BL {0,3} and TR {1,2}
                    boolean cutBrTl = (code == 5) == centreAbove;
                    pairs = cutBrTl ? new int[]{0, 1, 2, 3} : new int[]{0, 3, 1, 2};
                }
                for (int p = 0; p < pairs.length; p += 2) {
                    int a = edgeKey(ix, iy, pairs[p], nx), b = edgeKey(ix, iy, pairs[p + 1], nx);
                    points.computeIfAbsent(a, k -> crossing(xs, ys, z, k, nx, c));
                    points.computeIfAbsent(b, k -> crossing(xs, ys, z, k, nx, c));
                    segments.add(new int[]{a, b});
                }
            }
        }
        return join(segments, points);
    }

    /**
     * Key of a cell edge, shared by the two cells beside it: the horizontal edge from grid point
     * (ix, iy) to (ix+1, iy) is 2·(iy·nx + ix), the vertical edge from (ix, iy) to (ix, iy+1) is that + 1.
     */
    private static int edgeKey(int ix, int iy, int edge, int nx) {
        return switch (edge) {
            case 0 -> 2 * (iy * nx + ix);
            case 1 -> 2 * (iy * nx + ix + 1) + 1;
            case 2 -> 2 * ((iy + 1) * nx + ix);
            case 3 -> 2 * (iy * nx + ix) + 1;
            default -> throw new IllegalStateException("edge " + edge);
        };
    }

    private static double[] crossing(double[] xs, double[] ys, double[][] z, int key, int nx, double c) {
        int g = key >> 1, ix = g % nx, iy = g / nx;
        boolean vertical = (key & 1) == 1;
        double za = z[iy][ix], zb = vertical ? z[iy + 1][ix] : z[iy][ix + 1];
        double t = (c - za) / (zb - za);
        t = Math.max(0, Math.min(1, t));
        return vertical ? new double[]{xs[ix], ys[iy] + t * (ys[iy + 1] - ys[iy])} : new double[]{xs[ix] + t * (xs[ix + 1] - xs[ix]), ys[iy]};
    }

    /** Joins segments that share an edge key into polylines; chains from the open ends first, then the loops. */
    private static List<Polyline> join(List<int[]> segments, Map<Integer, double[]> points) {
        Map<Integer, List<Integer>> byKey = new HashMap<>();
        for (int s = 0; s < segments.size(); s++) {
            for (int key : segments.get(s)) byKey.computeIfAbsent(key, k -> new ArrayList<>(2)).add(s);
        }
        boolean[] used = new boolean[segments.size()];
        List<Polyline> out = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        for (int[] seg : segments) for (int key : seg) if (byKey.get(key).size() == 1) starts.add(key);
        starts.sort(null);
        for (int start : starts) {
            int s = byKey.get(start).getFirst();
            if (!used[s]) out.add(walk(start, s, segments, byKey, used, points));
        }
        for (int s = 0; s < segments.size(); s++) if (!used[s]) out.add(walk(segments.get(s)[0], s, segments, byKey, used, points));
        return out;
    }

    private static Polyline walk(int key, int seg, List<int[]> segments, Map<Integer, List<Integer>> byKey, boolean[] used, Map<Integer, double[]> points) {
        List<double[]> path = new ArrayList<>();
        int first = key;
        path.add(points.get(key));
        while (seg >= 0 && !used[seg]) {
            used[seg] = true;
            int[] ends = segments.get(seg);
            key = ends[0] == key ? ends[1] : ends[0];
            path.add(points.get(key));
            int next = -1;
            for (int s : byKey.get(key)) if (!used[s]) next = s;
            seg = next;
        }
        boolean closed = key == first && path.size() > 2;
        double[] x = new double[path.size()], y = new double[path.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = path.get(i)[0];
            y[i] = path.get(i)[1];
        }
        return new Polyline(x, y, closed);
    }

    private static void check(double[] xs, double[] ys, double[][] z) {
        if (xs.length < 2 || ys.length < 2) throw new IllegalArgumentException("contours need a grid of at least 2 × 2 points, got " + xs.length + " × " + ys.length);
        if (z.length != ys.length) throw new IllegalArgumentException("contour field has " + z.length + " rows for " + ys.length + " y values");
        for (double[] row : z) if (row.length != xs.length) throw new IllegalArgumentException("contour field row has " + row.length + " values for " + xs.length + " x values");
        increasing(xs, "x");
        increasing(ys, "y");
    }

    private static void increasing(double[] v, String name) {
        for (int i = 1; i < v.length; i++) {
            if (!(v[i] > v[i - 1])) throw new IllegalArgumentException("contour " + name + " coordinates must increase strictly, got " + v[i - 1] + " then " + v[i]);
        }
    }
}
