package io.tessera.tensor.cpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Tensor;

import java.util.Arrays;

/**
 * Scalar reference kernels for layout ops: permute, slices along an axis, gather and its
 * backward scatter-add. Plain index arithmetic in double through {@link Elements}, for any
 * host dtype; the oracle for the Vector API and GPU versions. The shape checks here are shared
 * with the faster kernels, so every backend rejects a bad call with the same message.
 */
public final class RefLayout {
    private RefLayout() {
    }

    /** out = x with axes permuted, out.dim(i) = x.dim(perm[i]) (+ out when accumulate). */
    public static void permute(Tensor out, Tensor x, int[] perm, boolean accumulate) {
        checkPermute(out, x, perm);
        int r = perm.length;
        int[] xst = x.shape().strides(), od = out.shape().dims();
        int[] step = new int[r];
        for (int i = 0; i < r; i++) step[i] = xst[perm[i]];
        double[] xv = Elements.read(x), o = new double[out.size()];
        int[] idx = new int[r];
        int src = 0;
        for (int f = 0; f < o.length; f++) {
            o[f] = xv[src];
            for (int a = r - 1; a >= 0; a--) {
                idx[a]++;
                src += step[a];
                if (idx[a] < od[a]) break;
                src -= step[a] * od[a];
                idx[a] = 0;
            }
        }
        Elements.put(out, o, accumulate);
    }

    /** out[..., start + j, ...] = x[..., j, ...] along axis (+= when accumulate). */
    public static void writeSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        checkSlice("writeSlice", out, x, axis, start);
        int outer = out.shape().outer(axis), inner = out.shape().inner(axis);
        int big = out.dim(axis) * inner, small = x.dim(axis) * inner;
        double[] xv = Elements.read(x), o = Elements.read(out);
        for (int a = 0; a < outer; a++) {
            for (int j = 0; j < small; j++) {
                int d = a * big + start * inner + j;
                o[d] = accumulate ? o[d] + xv[a * small + j] : xv[a * small + j];
            }
        }
        Elements.store(out, o);
    }

    /** out = x[..., start : start + out.dim(axis), ...] (+ out when accumulate). */
    public static void readSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        checkSlice("readSlice", x, out, axis, start);
        int outer = x.shape().outer(axis), inner = x.shape().inner(axis);
        int big = x.dim(axis) * inner, small = out.dim(axis) * inner;
        double[] xv = Elements.read(x), o = new double[out.size()];
        for (int a = 0; a < outer; a++) {
            for (int j = 0; j < small; j++) o[a * small + j] = xv[a * big + start * inner + j];
        }
        Elements.put(out, o, accumulate);
    }

    /** out[a, k, r] = x[a, index[a, k], r] along axis; indices out of range throw. */
    public static void gather(Tensor out, Tensor x, Tensor index, int axis) {
        checkGather("gather", out, x, index, axis);
        int outer = x.shape().outer(axis), len = x.dim(axis), inner = x.shape().inner(axis), k = index.dim(axis);
        int[] ix = Elements.readInts(index);
        checkIndices("gather", ix, k, len, axis, x);
        double[] xv = Elements.read(x), o = new double[out.size()];
        for (int a = 0; a < outer; a++) {
            for (int j = 0; j < k; j++) {
                int src = (a * len + ix[a * k + j]) * inner, dst = (a * k + j) * inner;
                System.arraycopy(xv, src, o, dst, inner);
            }
        }
        Elements.store(out, o);
    }

    /** dx[a, index[a, k], r] += dout[a, k, r]; repeated indices add up. A null dx does nothing. */
    public static void scatterAdd(Tensor dx, Tensor dout, Tensor index, int axis) {
        if (dx == null) return;
        checkGather("scatterAdd", dout, dx, index, axis);
        int outer = dx.shape().outer(axis), len = dx.dim(axis), inner = dx.shape().inner(axis), k = index.dim(axis);
        int[] ix = Elements.readInts(index);
        checkIndices("scatterAdd", ix, k, len, axis, dx);
        double[] g = Elements.read(dout), d = Elements.read(dx);
        for (int a = 0; a < outer; a++) {
            for (int j = 0; j < k; j++) {
                int dst = (a * len + ix[a * k + j]) * inner, src = (a * k + j) * inner;
                for (int c = 0; c < inner; c++) d[dst + c] += g[src + c];
            }
        }
        Elements.store(dx, d);
    }

    // ---- checks shared with the Vector API kernels -----------------------------------------

    /** Throws unless perm is a permutation of x's axes and out.dim(i) = x.dim(perm[i]). */
    public static void checkPermute(Tensor out, Tensor x, int[] perm) {
        int r = x.rank();
        boolean ok = perm.length == r && out.rank() == r;
        boolean[] seen = new boolean[r];
        for (int i = 0; ok && i < r; i++) {
            ok = perm[i] >= 0 && perm[i] < r && !seen[perm[i]] && out.dim(i) == x.dim(perm[i]);
            if (ok) seen[perm[i]] = true;
        }
        if (!ok) {
            throw new IllegalArgumentException("permute " + Arrays.toString(perm) + " of " + x.describe() + " into " + out.describe()
                    + ": expected a permutation of the axes with out.dim(i) = x.dim(perm[i])");
        }
        sameDtype("permute", out, x);
    }

    /** Throws unless small fits in big at [start, start + small.dim(axis)) along axis, other dims equal. */
    public static void checkSlice(String op, Tensor big, Tensor small, int axis, int start) {
        boolean ok = big.rank() == small.rank() && axis >= 0 && axis < big.rank();
        for (int i = 0; ok && i < big.rank(); i++) ok = i == axis || big.dim(i) == small.dim(i);
        if (!ok || start < 0 || start + small.dim(axis) > big.dim(axis)) {
            throw new IllegalArgumentException(op + " on axis " + axis + " at " + start + ": " + small.describe() + " does not fit in "
                    + big.describe() + " (expected equal other dimensions and start + length ≤ " + (ok ? big.dim(axis) : "the axis size") + ")");
        }
        sameDtype(op, big, small);
    }

    /** Throws unless x (A..., L, R...), index I32 (A..., K) and out (A..., K, R...) fit together. */
    public static void checkGather(String op, Tensor out, Tensor x, Tensor index, int axis) {
        boolean ok = index.dtype() == DType.I32 && axis >= 0 && axis < x.rank() && index.rank() == axis + 1 && out.rank() == x.rank();
        for (int i = 0; ok && i < x.rank(); i++) {
            if (i < axis) ok = index.dim(i) == x.dim(i) && out.dim(i) == x.dim(i);
            else if (i == axis) ok = out.dim(i) == index.dim(axis);
            else ok = out.dim(i) == x.dim(i);
        }
        if (!ok) {
            throw new IllegalArgumentException(op + " on axis " + axis + ": x " + x.describe() + ", index " + index.describe() + ", out "
                    + out.describe() + " (expected x (A..., L, R...), I32 index (A..., K), out (A..., K, R...))");
        }
        sameDtype(op, out, x);
    }

    /** Throws IndexOutOfBoundsException naming the first index outside [0, len). */
    public static void checkIndices(String op, int[] ix, int k, int len, int axis, Tensor x) {
        for (int i = 0; i < ix.length; i++) {
            if (ix[i] < 0 || ix[i] >= len) {
                throw new IndexOutOfBoundsException(op + ": index " + ix[i] + " at position (a=" + (i / Math.max(k, 1)) + ", k="
                        + (i % Math.max(k, 1)) + ") is out of range [0, " + len + ") for axis " + axis + " of " + x.describe());
            }
        }
    }

    private static void sameDtype(String op, Tensor a, Tensor b) {
        if (a.dtype() != b.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + a.describe() + " vs " + b.describe());
        }
    }
}
