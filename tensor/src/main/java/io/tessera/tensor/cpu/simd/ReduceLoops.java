package io.tessera.tensor.cpu.simd;

import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector loops of {@link SimdReduce} (contiguous sums, row additions, scaled copies and
 * fills, maxima), defined once per vector width by {@link WidthCopies} so that the species S is
 * a constant. Each loop has a scalar tail. Not used directly: only its per-width copies run.
 */
final class ReduceLoops implements SimdReduce.Loops {
    private static final VectorSpecies<Float> S = WidthCopies.species(MethodHandles.lookup());

    ReduceLoops() {
    }

    /** Σ x[off, off + len) with four vector accumulators, combined lane by lane in double. */
    public double sumContiguous(float[] x, int off, int len) {
        int w = S.length(), i = 0;
        FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
        for (; i + 4 * w <= len; i += 4 * w) {
            s0 = s0.add(FloatVector.fromArray(S, x, off + i));
            s1 = s1.add(FloatVector.fromArray(S, x, off + i + w));
            s2 = s2.add(FloatVector.fromArray(S, x, off + i + 2 * w));
            s3 = s3.add(FloatVector.fromArray(S, x, off + i + 3 * w));
        }
        for (; i + w <= len; i += w) s0 = s0.add(FloatVector.fromArray(S, x, off + i));
        float[] lanes = RowMath.lanes();
        s0.add(s1).add(s2.add(s3)).intoArray(lanes, 0);
        double s = 0;
        for (int l = 0; l < w; l++) s += lanes[l];
        for (; i < len; i++) s += x[off + i];
        return s;
    }

    /** y[yo .. yo + n) += x[xo .. xo + n). */
    public void addInto(int n, float[] x, int xo, float[] y, int yo) {
        int i = 0, bound = S.loopBound(n);
        for (; i < bound; i += S.length()) {
            FloatVector.fromArray(S, y, yo + i).add(FloatVector.fromArray(S, x, xo + i)).intoArray(y, yo + i);
        }
        for (; i < n; i++) y[yo + i] += x[xo + i];
    }

    public void scaleSegment(int l, float[] x, int xo, float[] o, int oo, float alpha, boolean acc) {
        int i = 0, bound = S.loopBound(l);
        for (; i < bound; i += S.length()) {
            FloatVector v = FloatVector.fromArray(S, x, xo + i).mul(alpha);
            if (acc) v = v.add(FloatVector.fromArray(S, o, oo + i));
            v.intoArray(o, oo + i);
        }
        for (; i < l; i++) o[oo + i] = acc ? o[oo + i] + alpha * x[xo + i] : alpha * x[xo + i];
    }

    public void fillSegment(int l, float v, float[] o, int oo, boolean acc) {
        if (!acc) {
            java.util.Arrays.fill(o, oo, oo + l, v);
            return;
        }
        int i = 0, bound = S.loopBound(l);
        for (; i < bound; i += S.length()) FloatVector.fromArray(S, o, oo + i).add(v).intoArray(o, oo + i);
        for (; i < l; i++) o[oo + i] += v;
    }

    public float rowMax(float[] x, int off, int len) {
        int i = 0, bound = S.loopBound(len);
        float m = Float.NEGATIVE_INFINITY;
        if (bound > 0) {
            FloatVector mv = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY);
            for (; i < bound; i += S.length()) mv = mv.max(FloatVector.fromArray(S, x, off + i));
            m = mv.reduceLanes(VectorOperators.MAX);
        }
        for (; i < len; i++) m = Math.max(m, x[off + i]);
        return m;
    }

    public void columnMax(float[] x, int base, int len, int inner, float[] o, int oo) {
        java.util.Arrays.fill(o, oo, oo + inner, Float.NEGATIVE_INFINITY);
        for (int l = 0; l < len; l++) {
            int row = base + l * inner, i = 0, bound = S.loopBound(inner);
            for (; i < bound; i += S.length()) {
                FloatVector.fromArray(S, o, oo + i).max(FloatVector.fromArray(S, x, row + i)).intoArray(o, oo + i);
            }
            for (; i < inner; i++) o[oo + i] = Math.max(o[oo + i], x[row + i]);
        }
    }
}
