// The weights at a landscape point, θ = θ* + α·δ + β·η over a parameter selection, set exactly (not
// by accumulating steps) so every point is computed from θ* and gets the same bits in any order; the
// checkpoint's own weights come back on close.
package io.tessera.eval.landscape;

import io.tessera.eval.objective.ParameterSelection;

/** Moves a model's selected tensors to points of a plane through its weights. */
public final class PerturbedWeights implements AutoCloseable {
    private final ParameterSelection selection;
    private final double[] origin;
    private final double[] dx;
    private final double[] dy;
    private final double[] work;

    /** @param dy null for a line */
    public PerturbedWeights(ParameterSelection selection, double[] dx, double[] dy) {
        this.selection = selection;
        this.origin = selection.values();
        selection.requireLayout(dx, "x direction");
        if (dy != null) selection.requireLayout(dy, "y direction");
        this.dx = dx;
        this.dy = dy;
        this.work = new double[origin.length];
    }

    /** θ* as it was when this was made. */
    public double[] origin() {
        return origin;
    }

    /** Sets θ* + α·δ + β·η (β ignored for a line). */
    public void moveTo(double alpha, double beta) {
        for (int i = 0; i < work.length; i++) {
            double v = origin[i] + alpha * dx[i];
            if (dy != null) v += beta * dy[i];
            work[i] = v;
        }
        selection.setValues(work);
    }

    /** Restores θ*. */
    @Override
    public void close() {
        selection.setValues(origin);
    }
}
