// The "region of convexity" as a number: the connected component (4-neighbours) of grid points around
// the origin that pass a convexity test, as a fraction of the grid. Two tests, always labelled: the
// exact one, |λmin/λmax| of the full Hessian at most a threshold (Li et al.'s map; no source fixes the
// threshold, so it is a parameter), and a cheap proxy, the 2×2 finite-difference Hessian of the
// surface itself being positive semi-definite (which only sees curvature inside the 2-D slice).
package io.tessera.eval.landscape;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * @param test      "eigen-ratio ≤ t" or "surface PSD (finite differences)"
 * @param threshold t for the eigen-ratio test, NaN for the proxy
 * @param mask      per grid point (k = iy·nx + ix): passes the test
 * @param region    per grid point: in the connected component around the origin
 * @param fraction  |region| / points
 */
public record ConvexRegion(String test, double threshold, boolean[] mask, boolean[] region, double fraction) {

    /** The exact test: points whose ratio field is at most {@code threshold}. */
    public static ConvexRegion byEigenRatio(SurfaceGrid g, String ratioField, double threshold) {
        if (!(threshold >= 0) || !Double.isFinite(threshold)) throw new IllegalArgumentException("the eigen-ratio threshold must be a finite number ≥ 0, got " + threshold);
        double[] r = g.field(ratioField);
        boolean[] mask = new boolean[r.length];
        for (int k = 0; k < r.length; k++) {
            if (Double.isNaN(r[k])) throw new IllegalArgumentException("the eigen-ratio map has points not computed yet (point " + k + ")");
            mask[k] = r[k] <= threshold;
        }
        return around(g, "eigen-ratio |λmin/λmax| ≤ " + threshold, threshold, mask);
    }

    /**
     * The proxy: at interior points, f_αα ≥ 0, f_ββ ≥ 0 and f_αα·f_ββ − f_αβ² ≥ 0 by central differences on
     * the grid; border points take the test of their nearest interior point. Needs a 2-D grid of at least 3×3.
     */
    public static ConvexRegion bySurfaceCurvature(SurfaceGrid g, String field) {
        if (!g.twoDimensional() || g.nx() < 3 || g.ny() < 3) throw new IllegalArgumentException("the surface-curvature proxy needs a 2-D grid of at least 3 × 3 points");
        double[][] z = g.matrix(field);
        int nx = g.nx(), ny = g.ny();
        double hx = g.x().at(1) - g.x().at(0), hy = g.y().at(1) - g.y().at(0);
        boolean[] mask = new boolean[nx * ny];
        for (int iy = 0; iy < ny; iy++) {
            for (int ix = 0; ix < nx; ix++) {
                int cx = Math.min(Math.max(ix, 1), nx - 2), cy = Math.min(Math.max(iy, 1), ny - 2);
                double c = z[cy][cx];
                double fxx = (z[cy][cx + 1] - 2 * c + z[cy][cx - 1]) / (hx * hx);
                double fyy = (z[cy + 1][cx] - 2 * c + z[cy - 1][cx]) / (hy * hy);
                double fxy = (z[cy + 1][cx + 1] - z[cy - 1][cx + 1] - z[cy + 1][cx - 1] + z[cy - 1][cx - 1]) / (4 * hx * hy);
                if (Double.isNaN(fxx + fyy + fxy)) throw new IllegalArgumentException("the surface has points not computed yet near (" + ix + ", " + iy + ")");
                mask[iy * nx + ix] = fxx >= 0 && fyy >= 0 && fxx * fyy - fxy * fxy >= 0;
            }
        }
        return around(g, "surface PSD (2×2 finite-difference Hessian of the slice; a proxy)", Double.NaN, mask);
    }

    private static ConvexRegion around(SurfaceGrid g, String test, double threshold, boolean[] mask) {
        int nx = g.nx(), ny = g.ny();
        int origin = g.y() == null ? g.x().nearestZero() : g.y().nearestZero() * nx + g.x().nearestZero();
        boolean[] region = new boolean[mask.length];
        int count = 0;
        if (mask[origin]) {
            Deque<Integer> todo = new ArrayDeque<>();
            todo.add(origin);
            region[origin] = true;
            while (!todo.isEmpty()) {
                int k = todo.poll(), ix = k % nx, iy = k / nx;
                count++;
                int[][] nb = {{ix - 1, iy}, {ix + 1, iy}, {ix, iy - 1}, {ix, iy + 1}};
                for (int[] p : nb) {
                    if (p[0] < 0 || p[0] >= nx || p[1] < 0 || p[1] >= ny) continue;
                    int j = p[1] * nx + p[0];
                    if (mask[j] && !region[j]) {
                        region[j] = true;
                        todo.add(j);
                    }
                }
            }
        }
        return new ConvexRegion(test, threshold, mask, region, count / (double) mask.length);
    }
}
