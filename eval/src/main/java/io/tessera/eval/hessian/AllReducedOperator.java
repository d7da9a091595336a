// The Hessian of an objective whose batches are shared among the ranks of a group: each rank applies
// its share's operator (Σ over its batches of (B_b/N)·H_b·v, FrozenObjective.share), the results are
// summed over the ranks (MPI_Allreduce in double precision) and rank 0's sum is broadcast, so every
// rank holds bitwise the same H·v and runs the same power iteration, Lanczos or Hutchinson steps
// (same stopping decisions, no rank left waiting). Not a parameter server: every rank keeps the whole
// vector.
package io.tessera.eval.hessian;

import io.tessera.tensor.dist.Collective;

import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * H·v = Σ_r H_r·v over the ranks r of {@code group}, where H_r is this rank's {@code share}. Every
 * rank must call {@link #apply} with the same v, in the same order (the algorithms of this package do
 * so when every rank runs them with the same settings, since every rank sees the same products).
 *
 * <p>A rank whose share fails (an exception, e.g. a non-finite loss on one of its batches) still takes
 * part in the sum with NaN, then rethrows its own error; the other ranks see a non-finite sum and
 * throw as well. So a failure ends every rank in one line each, instead of leaving the others blocked
 * in the next collective until its timeout.
 */
public final class AllReducedOperator implements SymmetricOperator {
    private final SymmetricOperator share;
    private final Collective group;

    /** {@code share}: this rank's part (its batches, weighted as in the whole objective); {@code group}: the ranks that hold the other parts. */
    public AllReducedOperator(SymmetricOperator share, Collective group) {
        if (share == null || group == null) throw new IllegalArgumentException("an all-reduced operator needs this rank's operator and a group");
        this.share = share;
        this.group = group;
    }

    @Override
    public int dimension() {
        return share.dimension();
    }

    /** Not modified: v. Written: out, the sum over the ranks of their shares' products, the same on every rank. */
    @Override
    public void apply(double[] v, double[] out) {
        RuntimeException failure = null;
        try {
            share.apply(v, out);
        } catch (RuntimeException e) {
            failure = e;
            Arrays.fill(out, Double.NaN);
        }
        reduce(group, out, failure, "Hessian-vector product");
    }

    /**
     * Σ over the ranks of each rank's {@code part} (e.g. its share of the objective's value), the same
     * number on every rank; a part that throws fails every rank, as in {@link #apply}.
     */
    public static double sum(Collective group, DoubleSupplier part) {
        double[] x = new double[1];
        RuntimeException failure = null;
        try {
            x[0] = part.getAsDouble();
        } catch (RuntimeException e) {
            failure = e;
            x[0] = Double.NaN;
        }
        reduce(group, x, failure, "sum");
        return x[0];
    }

    private static void reduce(Collective group, double[] out, RuntimeException failure, String what) {
        group.allReduceSum(out, 0, out.length);
        // MPI does not promise every rank the same rounding of a sum; rank 0's copy makes it so
        group.broadcast(out, 0, out.length, 0);
        if (failure != null) throw failure;
        for (double x : out) {
            if (!Double.isFinite(x)) {
                throw new IllegalStateException("the " + what + " summed over the " + group.worldSize() + " ranks is not finite: another rank's share failed (that rank names the cause)");
            }
        }
    }
}
