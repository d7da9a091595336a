package io.tessera.eval.landscape;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.function.DoubleBinaryOperator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class MarchingSquaresTest {
    static double[] linspace(double a, double b, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = a + i * (b - a) / (n - 1);
        return v;
    }

    static double[][] sample(double[] xs, double[] ys, DoubleBinaryOperator f) {
        double[][] z = new double[ys.length][xs.length];
        for (int iy = 0; iy < ys.length; iy++) for (int ix = 0; ix < xs.length; ix++) z[iy][ix] = f.applyAsDouble(xs[ix], ys[iy]);
        return z;
    }

    /** Shoelace area of a closed polyline. */
    static double area(MarchingSquares.Polyline p) {
        double a = 0;
        for (int i = 1; i < p.size(); i++) a += p.x()[i - 1] * p.y()[i] - p.x()[i] * p.y()[i - 1];
        return Math.abs(a) / 2;
    }

    @Test
    void isoLinesOfAConeAreCirclesOfTheLevelsRadius() {
        double[] xs = linspace(-1, 1, 41), ys = linspace(-1, 1, 37);
        double h = Math.max(xs[1] - xs[0], ys[1] - ys[0]);
        double[][] z = sample(xs, ys, Math::hypot);
        for (double r : new double[]{0.3, 0.6, 0.85}) {
            List<MarchingSquares.Polyline> lines = MarchingSquares.isoLines(xs, ys, z, r);
            assertThat(lines).hasSize(1);
            MarchingSquares.Polyline c = lines.getFirst();
            assertThat(c.closed()).isTrue();
            assertThat(c.x()[0]).isEqualTo(c.x()[c.size() - 1]);
            for (int i = 0; i < c.size(); i++) assertThat(Math.hypot(c.x()[i], c.y()[i])).isCloseTo(r, within(h));
            assertThat(area(c)).isCloseTo(Math.PI * r * r, within(0.03 * Math.PI * r * r));
            assertThat(c.length()).isCloseTo(2 * Math.PI * r, within(0.03 * 2 * Math.PI * r));
        }
    }

    @Test
    void isoLinesOfAPlaneAreStraightAndExact() {
        double[] xs = linspace(-1, 1, 11), ys = linspace(0, 2, 7); // nx ≠ ny, cells not square
        double[][] z = sample(xs, ys, (x, y) -> x + 2 * y);
        List<MarchingSquares.Polyline> lines = MarchingSquares.isoLines(xs, ys, z, 1.3);
        assertThat(lines).hasSize(1);
        MarchingSquares.Polyline p = lines.getFirst();
        assertThat(p.closed()).isFalse();
        for (int i = 0; i < p.size(); i++) assertThat(p.x()[i] + 2 * p.y()[i]).isCloseTo(1.3, within(1e-12));
        // both ends on the grid's boundary, and the line is straight: its length is the end-to-end distance
        for (int e : new int[]{0, p.size() - 1}) assertThat(onBoundary(p.x()[e], p.y()[e], xs, ys)).isTrue();
        assertThat(p.length()).isCloseTo(Math.hypot(p.x()[p.size() - 1] - p.x()[0], p.y()[p.size() - 1] - p.y()[0]), within(1e-12));
    }

    static boolean onBoundary(double x, double y, double[] xs, double[] ys) {
        double eps = 1e-12;
        return Math.abs(x - xs[0]) < eps || Math.abs(x - xs[xs.length - 1]) < eps || Math.abs(y - ys[0]) < eps || Math.abs(y - ys[ys.length - 1]) < eps;
    }

    @Test
    void saddleCellIsResolvedByItsCentreValue() {
        double[] xs = {0, 1}, ys = {0, 1};
        double[][] z = {{1, -1}, {-1, 1}}; // rows: y = 0 (BL = 1, BR = −1), y = 1 (TL = −1, TR = 1): case 5, centre 0
        // level −0.5: the centre (0) is above, the above corners BL and TR join; the lines cut off BR and TL
        List<MarchingSquares.Polyline> low = MarchingSquares.isoLines(xs, ys, z, -0.5);
        assertThat(low).hasSize(2);
        for (MarchingSquares.Polyline p : low) assertThat(cutsOff(p, 1, 0) || cutsOff(p, 0, 1)).isTrue();
        // level +0.5: the centre is below, the lines cut off the above corners BL and TR
        List<MarchingSquares.Polyline> high = MarchingSquares.isoLines(xs, ys, z, 0.5);
        assertThat(high).hasSize(2);
        for (MarchingSquares.Polyline p : high) assertThat(cutsOff(p, 0, 0) || cutsOff(p, 1, 1)).isTrue();
        // the mirrored saddle (case 10) behaves the same way
        double[][] m = {{-1, 1}, {1, -1}};
        for (MarchingSquares.Polyline p : MarchingSquares.isoLines(xs, ys, m, -0.5)) assertThat(cutsOff(p, 0, 0) || cutsOff(p, 1, 1)).isTrue();
        for (MarchingSquares.Polyline p : MarchingSquares.isoLines(xs, ys, m, 0.5)) assertThat(cutsOff(p, 1, 0) || cutsOff(p, 0, 1)).isTrue();
    }

    /** True when both ends of p lie on the two cell edges that meet at corner (cx, cy) of the unit cell. */
    static boolean cutsOff(MarchingSquares.Polyline p, double cx, double cy) {
        for (int i : new int[]{0, p.size() - 1}) {
            double x = p.x()[i], y = p.y()[i];
            boolean onEdgeX = Math.abs(x - cx) < 1e-12, onEdgeY = Math.abs(y - cy) < 1e-12;
            if (!onEdgeX && !onEdgeY) return false;
        }
        return p.size() == 2;
    }

    @Test
    void hyperbolaBranchesStaySeparateThroughTheSaddleAndAreExact() {
        double[] xs = linspace(-1, 1, 4), ys = linspace(-1, 1, 4); // the centre cell is a saddle for |c| < 1/9
        double[][] z = sample(xs, ys, (x, y) -> x * y);
        for (double c : new double[]{0.1, -0.1}) {
            List<MarchingSquares.Polyline> lines = MarchingSquares.isoLines(xs, ys, z, c);
            assertThat(lines).hasSize(2);
            for (MarchingSquares.Polyline p : lines) {
                assertThat(p.closed()).isFalse();
                double sx = Math.signum(p.x()[0]);
                for (int i = 0; i < p.size(); i++) {
                    assertThat(p.x()[i] * p.y()[i]).isCloseTo(c, within(1e-12)); // x·y is linear along cell edges
                    assertThat(Math.signum(p.x()[i])).isEqualTo(sx);              // one quadrant per branch
                }
            }
        }
    }

    @Test
    void linesOfAFieldFullOfSaddlesEndOnlyOnTheBoundary() {
        double[] xs = linspace(-2, 2, 33), ys = linspace(-2, 2, 29);
        double[][] z = sample(xs, ys, (x, y) -> Math.sin(Math.PI * x) * Math.sin(Math.PI * y));
        for (double c : new double[]{-0.5, -0.01, 0.003, 0.4}) {
            List<MarchingSquares.Polyline> lines = MarchingSquares.isoLines(xs, ys, z, c);
            assertThat(lines).isNotEmpty();
            for (MarchingSquares.Polyline p : lines) {
                if (!p.closed()) {
                    assertThat(onBoundary(p.x()[0], p.y()[0], xs, ys)).as("start of an open line at level %s", c).isTrue();
                    assertThat(onBoundary(p.x()[p.size() - 1], p.y()[p.size() - 1], xs, ys)).as("end of an open line at level %s", c).isTrue();
                }
            }
        }
    }

    @Test
    void missingPointsCutTheLinesAroundThem() {
        double[] xs = linspace(-1, 1, 21), ys = linspace(-1, 1, 21);
        double[][] z = sample(xs, ys, Math::hypot);
        z[10][16] = Double.NaN; // the point (0.6, 0) lies on the circle of radius 0.6
        List<MarchingSquares.Polyline> lines = MarchingSquares.isoLines(xs, ys, z, 0.58);
        assertThat(lines).hasSize(1);
        MarchingSquares.Polyline p = lines.getFirst();
        assertThat(p.closed()).isFalse();
        for (int i = 0; i < p.size(); i++) { // no point inside the four cells around the missing one
            boolean inside = p.x()[i] > 0.5 + 1e-12 && p.x()[i] < 0.7 - 1e-12 && p.y()[i] > -0.1 + 1e-12 && p.y()[i] < 0.1 - 1e-12;
            assertThat(inside).isFalse();
        }
    }

    @Test
    void levelsOutsideTheDataGiveNoLines() {
        double[] xs = linspace(0, 1, 5), ys = linspace(0, 1, 4);
        double[][] z = sample(xs, ys, (x, y) -> x + y);
        assertThat(MarchingSquares.isoLines(xs, ys, z, 2.5)).isEmpty();
        assertThat(MarchingSquares.isoLines(xs, ys, z, -0.1)).isEmpty();
        assertThat(MarchingSquares.isoLines(xs, ys, z, Double.NaN)).isEmpty();
    }

    @Test
    void badGridsAreRefused() {
        assertThatThrownBy(() -> MarchingSquares.isoLines(new double[]{0, 0}, new double[]{0, 1}, new double[2][2], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("increase strictly");
        assertThatThrownBy(() -> MarchingSquares.isoLines(new double[]{0, 1}, new double[]{0, 1}, new double[3][2], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 rows for 2 y values");
        assertThatThrownBy(() -> MarchingSquares.isoLines(new double[]{0}, new double[]{0, 1}, new double[2][1], 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2 × 2");
    }
}
