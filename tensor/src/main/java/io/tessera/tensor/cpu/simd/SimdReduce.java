package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.Broadcast;
import io.tessera.tensor.cpu.RefReduce;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API kernels for F32 sums down to a broadcast shape (bias gradients, sums over the last
 * axes, full sums, middle axes), broadcasts (expand) and maxima along an axis. Sums are
 * deterministic: each output is summed in fixed blocks (float vector accumulators inside a
 * block, blocks combined in double in a fixed order), so 1 and N threads give the same bits.
 * Reference: {@link RefReduce}.
 */
public final class SimdReduce {
    /** Rows summed in float before a block's partial goes to the double combination. */
    private static final int MAX_BLOCK_ROWS = 1024;

    /** The vector loops of this class ({@link ReduceLoops}, one copy per width). */
    interface Loops {
        /** Σ x[off, off + len) with four vector accumulators, combined lane by lane in double. */
        double sumContiguous(float[] x, int off, int len);

        /** y[yo .. yo + n) += x[xo .. xo + n). */
        void addInto(int n, float[] x, int xo, float[] y, int yo);

        /** o[oo .. oo + l) = alpha·x[xo ..] (+ o when acc). */
        void scaleSegment(int l, float[] x, int xo, float[] o, int oo, float alpha, boolean acc);

        /** o[oo .. oo + l) = v (+ o when acc). */
        void fillSegment(int l, float v, float[] o, int oo, boolean acc);

        /** max x[off, off + len) (−∞ when empty). */
        float rowMax(float[] x, int off, int len);

        /** o[oo + i] = max_l x[base + l·inner + i] for i &lt; inner. */
        void columnMax(float[] x, int base, int len, int inner, float[] o, int oo);
    }

    private static final Loops[] LOOPS = WidthCopies.all(Loops.class, "ReduceLoops", Loops[]::new);

    /** Per-calling-thread room for column-sum partials, grown on demand and reused between calls. */
    private static final ThreadLocal<float[]> PARTIALS = ThreadLocal.withInitial(() -> new float[0]);

    private SimdReduce() {
    }

    private static float[] partials(int size) {
        float[] s = PARTIALS.get();
        if (s.length < size) {
            s = new float[size];
            PARTIALS.set(s);
        }
        return s;
    }

    /** out = alpha·Σ x over the axes where out has size 1 (or is missing) (+ out when accumulate). */
    public static void sumTo(SimdContext sc, Tensor out, Tensor x, double alpha, boolean accumulate) {
        if (!ElementwiseLoops.allF32(out, x)) {
            RefReduce.sumTo(out, x, alpha, accumulate);
            return;
        }
        sumTo(sc, x.f32(), x.offset(), x.shape(), out.f32(), out.offset(), out.shape(), alpha, accumulate);
    }

    /** Array form of {@link #sumTo(SimdContext, Tensor, Tensor, double, boolean)}. */
    static void sumTo(SimdContext sc, float[] x, int xo, Shape xs, float[] out, int oo, Shape os, double alpha, boolean acc) {
        ElementwiseBroadcast bc = ElementwiseBroadcast.of(xs, os);
        if (bc == null) {
            generalSum(x, xo, xs, out, oo, os, alpha, acc);
        } else if (bc.full()) {
            scaleInto(sc, xs.size(), x, xo, out, oo, (float) alpha, acc);
        } else if (bc.q() == 1) {
            rowSums(sc, x, xo, bc.p(), bc.r(), out, oo, alpha, acc);
        } else {
            columnSums(sc, x, xo, bc.p(), bc.r(), bc.q(), out, oo, alpha, acc);
        }
    }

    /** out = alpha·broadcast(x) (+ out when accumulate). */
    public static void expand(SimdContext sc, Tensor out, Tensor x, double alpha, boolean accumulate) {
        if (!ElementwiseLoops.allF32(out, x)) {
            RefReduce.expand(out, x, alpha, accumulate);
            return;
        }
        ElementwiseBroadcast bc = ElementwiseBroadcast.of(out.shape(), x.shape());
        float[] o = out.f32(), xs = x.f32();
        int oo = out.offset(), xo = x.offset(), n = out.size();
        float al = (float) alpha;
        if (bc == null) {
            int[] map = Broadcast.indexMap(out.shape(), x.shape());
            for (int f = 0; f < n; f++) {
                float v = al * xs[xo + map[f]];
                o[oo + f] = accumulate ? o[oo + f] + v : v;
            }
            return;
        }
        int len = bc.run(n);
        VectorSpecies<Float> sp = sc.species();
        ElementwiseLoops.forRange(sc, n, (from, to) -> {
            for (int f = from; f < to; ) {
                int l = Math.min(len - f % len, to - f), src = xo + bc.index(f);
                if (bc.contiguous()) {
                    scaleSegment(sp, l, xs, src, o, oo + f, al, accumulate);
                } else {
                    fillSegment(sp, l, al * xs[src], o, oo + f, accumulate);
                }
                f += l;
            }
        });
    }

    /** out[a, c] = max_l x[a, l, c] for x viewed as (outer, len, inner). */
    public static void maxAlong(SimdContext sc, Tensor out, Tensor x, int outer, int len, int inner) {
        if ((long) outer * len * inner != x.size() || (long) outer * inner != out.size()) {
            throw new IllegalArgumentException("maxAlong: " + x.describe() + " as (" + outer + ", " + len + ", " + inner + ") into " + out.describe());
        }
        if (!ElementwiseLoops.allF32(out, x)) {
            RefReduce.maxAlong(out, x, outer, len, inner);
            return;
        }
        float[] o = out.f32(), xs = x.f32();
        int oo = out.offset(), xo = x.offset();
        VectorSpecies<Float> sp = sc.species();
        long work = (long) outer * len * inner;
        ElementwiseLoops.forItems(sc, outer, Math.max(1, ElementwiseLoops.CHUNK / Math.max(1, len * inner)), work, (from, to) -> {
            for (int a = from; a < to; a++) {
                int base = xo + a * len * inner;
                if (inner == 1) {
                    o[oo + a] = rowMax(sp, xs, base, len);
                } else {
                    columnMax(sp, xs, base, len, inner, o, oo + a * inner);
                }
            }
        });
    }

    // ---- sums -----------------------------------------------------------------------------

    /** out[p] = alpha·Σ_r x[p, r] for x (P, R). */
    private static void rowSums(SimdContext sc, float[] x, int xo, int p, int r, float[] out, int oo, double alpha, boolean acc) {
        VectorSpecies<Float> sp = sc.species();
        int block = ElementwiseLoops.CHUNK, nb = (r + block - 1) / block;
        long work = (long) p * r;
        if (nb == 1) {
            ElementwiseLoops.forItems(sc, p, Math.max(1, block / r), work, (from, to) -> {
                for (int i = from; i < to; i++) store(out, oo + i, alpha * sumContiguous(sp, x, xo + i * r, r), acc);
            });
            return;
        }
        double[] part = new double[p * nb];
        ElementwiseLoops.forItems(sc, p * nb, 1, work, (from, to) -> {
            for (int it = from; it < to; it++) {
                int i = it / nb, start = (it % nb) * block;
                part[it] = sumContiguous(sp, x, xo + i * r + start, Math.min(block, r - start));
            }
        });
        for (int i = 0; i < p; i++) {
            double s = 0;
            for (int k = 0; k < nb; k++) s += part[i * nb + k];
            store(out, oo + i, alpha * s, acc);
        }
    }

    /** out[p, q] = alpha·Σ_r x[p, r, q] for x (P, R, Q), Q > 1. */
    private static void columnSums(SimdContext sc, float[] x, int xo, int p, int r, int q, float[] out, int oo,
                                   double alpha, boolean acc) {
        VectorSpecies<Float> sp = sc.species();
        int rb = Math.max(1, Math.min(MAX_BLOCK_ROWS, ElementwiseLoops.CHUNK / q)), nb = (r + rb - 1) / rb;
        int qb = Math.min(q, ElementwiseLoops.CHUNK), nq = (q + qb - 1) / qb;
        long work = (long) p * r * q;
        float[] part = partials(p * nb * q); // every element is written before it is read
        ElementwiseLoops.forItems(sc, p * nb * nq, 1, work, (from, to) -> {
            for (int it = from; it < to; it++) {
                int qi = it % nq, blk = (it / nq) % nb, i = it / (nq * nb);
                int q0 = qi * qb, ql = Math.min(qb, q - q0), r0 = blk * rb, rl = Math.min(rb, r - r0);
                int dst = (i * nb + blk) * q + q0;
                System.arraycopy(x, xo + (i * r + r0) * q + q0, part, dst, ql);
                for (int k = 1; k < rl; k++) addInto(sp, ql, x, xo + (i * r + r0 + k) * q + q0, part, dst);
            }
        });
        ElementwiseLoops.forItems(sc, p, Math.max(1, ElementwiseLoops.CHUNK / Math.max(1, q * nb)), (long) p * q * nb, (from, to) -> {
            for (int i = from; i < to; i++) {
                for (int c = 0; c < q; c++) {
                    double s = 0;
                    for (int k = 0; k < nb; k++) s += part[(i * nb + k) * q + c];
                    store(out, oo + i * q + c, alpha * s, acc);
                }
            }
        });
    }

    /** Σ x[off, off + len) with four vector accumulators, combined lane by lane in double. */
    private static double sumContiguous(VectorSpecies<Float> sp, float[] x, int off, int len) {
        return LOOPS[WidthCopies.index(sp)].sumContiguous(x, off, len);
    }

    /** y[yo .. yo + n) += x[xo .. xo + n). */
    private static void addInto(VectorSpecies<Float> sp, int n, float[] x, int xo, float[] y, int yo) {
        LOOPS[WidthCopies.index(sp)].addInto(n, x, xo, y, yo);
    }

    /** Sums over two or more separate broadcast runs: one pass in double through an index map. */
    private static void generalSum(float[] x, int xo, Shape xs, float[] out, int oo, Shape os, double alpha, boolean acc) {
        int[] map = Broadcast.indexMap(xs, os);
        double[] s = new double[os.size()];
        for (int i = 0; i < map.length; i++) s[map[i]] += x[xo + i];
        for (int i = 0; i < s.length; i++) store(out, oo + i, alpha * s[i], acc);
    }

    private static void store(float[] out, int i, double v, boolean acc) {
        out[i] = acc ? (float) (out[i] + v) : (float) v;
    }

    // ---- scaled copies --------------------------------------------------------------------

    /** out = alpha·x (+ out) over n elements. */
    private static void scaleInto(SimdContext sc, int n, float[] x, int xo, float[] out, int oo, float alpha, boolean acc) {
        VectorSpecies<Float> sp = sc.species();
        ElementwiseLoops.forRange(sc, n, (from, to) -> scaleSegment(sp, to - from, x, xo + from, out, oo + from, alpha, acc));
    }

    private static void scaleSegment(VectorSpecies<Float> sp, int l, float[] x, int xo, float[] o, int oo, float alpha, boolean acc) {
        LOOPS[WidthCopies.index(sp)].scaleSegment(l, x, xo, o, oo, alpha, acc);
    }

    private static void fillSegment(VectorSpecies<Float> sp, int l, float v, float[] o, int oo, boolean acc) {
        LOOPS[WidthCopies.index(sp)].fillSegment(l, v, o, oo, acc);
    }

    // ---- maxima ---------------------------------------------------------------------------

    private static float rowMax(VectorSpecies<Float> sp, float[] x, int off, int len) {
        return LOOPS[WidthCopies.index(sp)].rowMax(x, off, len);
    }

    private static void columnMax(VectorSpecies<Float> sp, float[] x, int base, int len, int inner, float[] o, int oo) {
        LOOPS[WidthCopies.index(sp)].columnMax(x, base, len, inner, o, oo);
    }
}
