package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.Broadcast;
import io.tessera.tensor.cpu.RefReduce;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
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

    private SimdReduce() {
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
        float[] part = new float[p * nb * q];
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
        int w = sp.length(), i = 0;
        FloatVector s0 = FloatVector.zero(sp), s1 = s0, s2 = s0, s3 = s0;
        for (; i + 4 * w <= len; i += 4 * w) {
            s0 = s0.add(FloatVector.fromArray(sp, x, off + i));
            s1 = s1.add(FloatVector.fromArray(sp, x, off + i + w));
            s2 = s2.add(FloatVector.fromArray(sp, x, off + i + 2 * w));
            s3 = s3.add(FloatVector.fromArray(sp, x, off + i + 3 * w));
        }
        for (; i + w <= len; i += w) s0 = s0.add(FloatVector.fromArray(sp, x, off + i));
        float[] lanes = s0.add(s1).add(s2.add(s3)).toArray();
        double s = 0;
        for (float v : lanes) s += v;
        for (; i < len; i++) s += x[off + i];
        return s;
    }

    /** y[yo .. yo + n) += x[xo .. xo + n). */
    private static void addInto(VectorSpecies<Float> sp, int n, float[] x, int xo, float[] y, int yo) {
        int i = 0, bound = sp.loopBound(n);
        for (; i < bound; i += sp.length()) {
            FloatVector.fromArray(sp, y, yo + i).add(FloatVector.fromArray(sp, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += x[xo + i];
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
        int i = 0, bound = sp.loopBound(l);
        for (; i < bound; i += sp.length()) {
            FloatVector v = FloatVector.fromArray(sp, x, xo + i).mul(alpha);
            if (acc) v = v.add(FloatVector.fromArray(sp, o, oo + i));
            v.intoArray(o, oo + i);
        }
        for (; i < l; i++) o[oo + i] = acc ? o[oo + i] + alpha * x[xo + i] : alpha * x[xo + i];
    }

    private static void fillSegment(VectorSpecies<Float> sp, int l, float v, float[] o, int oo, boolean acc) {
        if (!acc) {
            java.util.Arrays.fill(o, oo, oo + l, v);
            return;
        }
        int i = 0, bound = sp.loopBound(l);
        for (; i < bound; i += sp.length()) FloatVector.fromArray(sp, o, oo + i).add(v).intoArray(o, oo + i);
        for (; i < l; i++) o[oo + i] += v;
    }

    // ---- maxima ---------------------------------------------------------------------------

    private static float rowMax(VectorSpecies<Float> sp, float[] x, int off, int len) {
        int i = 0, bound = sp.loopBound(len);
        float m = Float.NEGATIVE_INFINITY;
        if (bound > 0) {
            FloatVector mv = FloatVector.broadcast(sp, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += sp.length()) mv = mv.max(FloatVector.fromArray(sp, x, off + i));
            m = mv.reduceLanes(VectorOperators.MAX);
        }
        for (; i < len; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    private static void columnMax(VectorSpecies<Float> sp, float[] x, int base, int len, int inner, float[] o, int oo) {
        java.util.Arrays.fill(o, oo, oo + inner, Float.NEGATIVE_INFINITY);
        for (int l = 0; l < len; l++) {
            int row = base + l * inner, i = 0, bound = sp.loopBound(inner);
            for (; i < bound; i += sp.length()) {
                FloatVector.fromArray(sp, o, oo + i).max(FloatVector.fromArray(sp, x, row + i)).intoArray(o, oo + i);
            }
            if (i < inner) {
                VectorMask<Float> m = sp.indexInRange(i, inner);
                FloatVector.fromArray(sp, o, oo + i, m).max(FloatVector.fromArray(sp, x, row + i, m)).intoArray(o, oo + i, m);
            }
        }
    }
}
