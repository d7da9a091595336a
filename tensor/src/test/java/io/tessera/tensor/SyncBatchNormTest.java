package io.tessera.tensor;

// SyncBatchNorm through Ops.syncBatchNorm: two ranks as two threads (InProcessGroup), each holding
// a slice of one batch, against plain BatchNorm on the whole batch in float64 (outputs, running
// statistics, dx per slice, dw and db summed over the ranks), against central differences of the
// two-rank function itself, backward accumulating; a group of one is the fused op bit for bit.

import io.tessera.tensor.dist.Collective;
import io.tessera.tensor.dist.InProcessGroup;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SyncBatchNormTest {
    private static final double MOMENTUM = 0.1, EPS = 1e-5;

    /** What one rank (or the one process) ends with. */
    private record Out(double[] y, double[] dx, double[] dw, double[] db, double[] runningMean, double[] runningVar) {
    }

    /** Leaves (n, c) of {@code values} from row {@code from}, F64, requiring gradients. */
    private static Tensor rows(ExecutionContext ctx, double[] values, int c, int from, int n) {
        Tensor t = ctx.allocatePersistent(Shape.of(n, c), DType.F64, false);
        ctx.backend().write(t, Arrays.copyOfRange(values, from * c, (from + n) * c));
        t.requiresGrad(true);
        return t;
    }

    private static Tensor vector(ExecutionContext ctx, double[] values) {
        Tensor t = ctx.allocatePersistent(Shape.of(values.length), DType.F64, false);
        ctx.backend().write(t, values.clone());
        t.requiresGrad(true);
        return t;
    }

    private static double[] randn(long seed, int n) {
        Rng r = new Rng(seed);
        double[] d = new double[n];
        for (int i = 0; i < d.length; i++) d[i] = r.nextGaussian();
        return d;
    }

    /**
     * Rows [from, from + n) of x through BatchNorm (sync over {@code group} when it is given, else
     * the plain op), loss Σ y ⊙ r over those rows, {@code passes} backward passes.
     */
    private static Out run(Collective group, double[] x, double[] w, double[] b, double[] r, int c, int from, int n, int passes) {
        try (ExecutionContext ctx = ExecutionContext.reference(0)) {
            Ops ops = ctx.ops();
            Tensor xt = rows(ctx, x, c, from, n), wt = vector(ctx, w), bt = vector(ctx, b);
            Tensor rm = ops.tensor(new double[c], c), rv = ops.full(Shape.of(c), DType.F64, 1.0);
            double[] y = null;
            for (int p = 0; p < passes; p++) {
                try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                    Tensor out = group == null ? ops.batchNorm(xt, wt, bt, rm, rv, true, MOMENTUM, EPS)
                            : ops.syncBatchNorm(xt, wt, bt, rm, rv, MOMENTUM, EPS, group);
                    y = out.toDoubleArray();
                    tape.backward(ops.sum(ops.mul(out, rows(ctx, r, c, from, n))));
                }
            }
            return new Out(y, xt.grad().toDoubleArray(), wt.grad().toDoubleArray(), bt.grad().toDoubleArray(), rm.toDoubleArray(), rv.toDoubleArray());
        }
    }

    private static double[] slice(double[] a, int c, int from, int n) {
        return Arrays.copyOfRange(a, from * c, (from + n) * c);
    }

    private static double[] plus(double[] a, double[] b) {
        double[] s = a.clone();
        for (int i = 0; i < s.length; i++) s[i] += b[i];
        return s;
    }

    @Test
    void twoRanksEqualBatchNormOnTheWholeBatch() {
        int c = 5;
        for (int[] split : new int[][] {{6, 6}, {3, 8}}) {
            int n = split[0] + split[1];
            double[] x = randn(1, n * c), w = randn(2, c), b = randn(3, c), r = randn(4, n * c);
            for (int j = 0; j < c; j++) for (int i = 0; i < n; i++) x[i * c + j] = 3 * j + (j + 1) * x[i * c + j]; // channel means and scales apart
            Out whole = run(null, x, w, b, r, c, 0, n, 1);
            List<Out> ranks = InProcessGroup.run(2, g -> run(g, x, w, b, r, c, g.rank() == 0 ? 0 : split[0], split[g.rank()], 1));
            String what = "split " + split[0] + " + " + split[1];
            for (int k = 0; k < 2; k++) {
                Out o = ranks.get(k);
                int from = k == 0 ? 0 : split[0];
                Tolerance.assertClose(what + " y of rank " + k, o.y(), slice(whole.y(), c, from, split[k]), 1e-12, 1e-12);
                Tolerance.assertClose(what + " dx of rank " + k, o.dx(), slice(whole.dx(), c, from, split[k]), 1e-12, 1e-12);
                Tolerance.assertClose(what + " running mean of rank " + k, o.runningMean(), whole.runningMean(), 1e-13, 1e-13);
                Tolerance.assertClose(what + " running var of rank " + k, o.runningVar(), whole.runningVar(), 1e-13, 1e-13);
            }
            // each rank's dw and db are its own rows' sums; the trainer's gradient all-reduce adds them up
            Tolerance.assertClose(what + " dw", plus(ranks.get(0).dw(), ranks.get(1).dw()), whole.dw(), 1e-12, 1e-12);
            Tolerance.assertClose(what + " db", plus(ranks.get(0).db(), ranks.get(1).db()), whole.db(), 1e-12, 1e-12);
            assertThat(ranks.get(0).dw()).as("a rank's dw is not the whole batch's").isNotEqualTo(whole.dw());
        }
    }

    @Test
    void perRankStatisticsWouldDiffer() {
        // the check above can fail: BatchNorm on each slice alone gives other outputs than the whole batch
        int c = 3, n = 8;
        double[] x = randn(5, n * c), w = randn(6, c), b = randn(7, c), r = randn(8, n * c);
        Out whole = run(null, x, w, b, r, c, 0, n, 1), half = run(null, x, w, b, r, c, 0, n / 2, 1);
        assertThat(Math.abs(half.y()[0] - whole.y()[0])).isGreaterThan(1e-3);
    }

    @Test
    void twoRankGradientMatchesCentralDifferencesAndAccumulates() {
        int c = 4, n0 = 3, n1 = 5, n = n0 + n1;
        double[] x = randn(11, n * c), w = randn(12, c), b = randn(13, c), r = randn(14, n * c);
        double[] vx = randn(15, n * c), vw = randn(16, c), vb = randn(17, c);
        List<Out> once = InProcessGroup.run(2, g -> run(g, x, w, b, r, c, g.rank() * n0, g.rank() == 0 ? n0 : n1, 1));
        double[] dx = concat(once.get(0).dx(), once.get(1).dx()), dw = plus(once.get(0).dw(), once.get(1).dw()), db = plus(once.get(0).db(), once.get(1).db());
        double analytic = dot(dx, vx) + dot(dw, vw) + dot(db, vb);
        double h = 1e-6;
        double numeric = (loss(x, w, b, r, vx, vw, vb, h, c, n0, n1) - loss(x, w, b, r, vx, vw, vb, -h, c, n0, n1)) / (2 * h);
        assertThat(Math.abs(analytic - numeric)).as("analytic %s, numeric %s", analytic, numeric).isLessThan(1e-6 * Math.max(1, Math.abs(numeric)));

        List<Out> twice = InProcessGroup.run(2, g -> run(g, x, w, b, r, c, g.rank() * n0, g.rank() == 0 ? n0 : n1, 2));
        for (int k = 0; k < 2; k++) {
            Tolerance.assertClose("dx after two passes, rank " + k, twice.get(k).dx(), scaled(once.get(k).dx(), 2), 1e-12, 1e-12);
            Tolerance.assertClose("dw after two passes, rank " + k, twice.get(k).dw(), scaled(once.get(k).dw(), 2), 1e-12, 1e-12);
        }
    }

    /** Σ over both ranks of Σ y ⊙ r at (x, w, b) + h·(vx, vw, vb). */
    private static double loss(double[] x, double[] w, double[] b, double[] r, double[] vx, double[] vw, double[] vb, double h, int c, int n0, int n1) {
        double[] xs = axpy(x, vx, h), ws = axpy(w, vw, h), bs = axpy(b, vb, h);
        List<Double> parts = InProcessGroup.run(2, g -> {
            Out o = run(g, xs, ws, bs, r, c, g.rank() * n0, g.rank() == 0 ? n0 : n1, 1);
            return dot(o.y(), slice(r, c, g.rank() * n0, g.rank() == 0 ? n0 : n1));
        });
        return parts.get(0) + parts.get(1);
    }

    @Test
    void aGroupOfOneIsTheFusedBatchNormBitForBit() {
        int n = 13, c = 7;
        float[] x = new float[n * c], w = new float[c], b = new float[c], r = new float[n * c];
        Rng rng = new Rng(21);
        for (float[] a : List.of(x, w, b, r)) for (int i = 0; i < a.length; i++) a[i] = (float) rng.nextGaussian();
        float[][] plain = fused(x, w, b, r, n, c, null), sync = fused(x, w, b, r, n, c, Collective.single());
        for (int k = 0; k < plain.length; k++) assertThat(sync[k]).as("output %d", k).containsExactly(plain[k]);
    }

    /** y, dx, dw, db, running mean and var of the CPU backend's F32 BatchNorm (sync over {@code group} when given). */
    private static float[][] fused(float[] x, float[] w, float[] b, float[] r, int n, int c, Collective group) {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            Ops ops = ctx.ops();
            Tensor xt = ops.tensor(x, n, c), wt = ops.tensor(w, c), bt = ops.tensor(b, c), rm = ops.tensor(new float[c], c), rv = ops.full(Shape.of(c), DType.F32, 1);
            for (Tensor t : List.of(xt, wt, bt)) t.requiresGrad(true);
            float[] y;
            try (Scope s = ctx.openScope(); Tape tape = ctx.record()) {
                Tensor out = group == null ? ops.batchNorm(xt, wt, bt, rm, rv, true, MOMENTUM, EPS) : ops.syncBatchNorm(xt, wt, bt, rm, rv, MOMENTUM, EPS, group);
                y = out.toFloatArray();
                tape.backward(ops.sum(ops.mul(out, ops.tensor(r, n, c))));
            }
            return new float[][] {y, xt.grad().toFloatArray(), wt.grad().toFloatArray(), bt.grad().toFloatArray(), rm.toFloatArray(), rv.toFloatArray()};
        }
    }

    private static double[] concat(double[] a, double[] b) {
        double[] s = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, s, a.length, b.length);
        return s;
    }

    private static double[] scaled(double[] a, double k) {
        double[] s = a.clone();
        for (int i = 0; i < s.length; i++) s[i] *= k;
        return s;
    }

    private static double[] axpy(double[] a, double[] v, double h) {
        double[] s = a.clone();
        for (int i = 0; i < s.length; i++) s[i] += h * v[i];
        return s;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += a[i] * b[i];
        return s;
    }
}
