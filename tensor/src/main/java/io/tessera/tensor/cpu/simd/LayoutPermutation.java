package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Shape;

/**
 * A permutation of axes reduced to its essentials for the copy loops of {@link SimdLayout}:
 * size-1 axes dropped and neighbouring output axes merged where they are also neighbours, in
 * the same order, in the input. Holds, in output order, each axis's size, its stride in the
 * input and its stride in the output, and walks the output's outer axes as an odometer.
 */
final class LayoutPermutation {
    private final int[] dims, xStrides, outStrides;

    private LayoutPermutation(int[] dims, int[] xStrides) {
        this.dims = dims;
        this.xStrides = xStrides;
        this.outStrides = new int[dims.length];
        for (int i = dims.length - 1, st = 1; i >= 0; i--) {
            outStrides[i] = st;
            st *= dims[i];
        }
    }

    /** The reduced form of out.dim(i) = x.dim(perm[i]) for an input of shape xs. */
    static LayoutPermutation of(Shape xs, int[] perm) {
        int[] st = xs.strides();
        int[] d = new int[perm.length], s = new int[perm.length];
        int m = 0;
        for (int p : perm) {
            int size = xs.dim(p);
            if (size == 1) continue;
            if (m > 0 && s[m - 1] == st[p] * size) { // contiguous with the previous output axis in x too
                d[m - 1] *= size;
                s[m - 1] = st[p];
            } else {
                d[m] = size;
                s[m] = st[p];
                m++;
            }
        }
        return new LayoutPermutation(java.util.Arrays.copyOf(d, m), java.util.Arrays.copyOf(s, m));
    }

    int rank() {
        return dims.length;
    }

    int dim(int i) {
        return dims[i];
    }

    /** Stride in the input of output axis i. */
    int stride(int i) {
        return xStrides[i];
    }

    /** Stride in the output of output axis i. */
    int outStride(int i) {
        return outStrides[i];
    }

    /** The output axis that is innermost (stride 1) in the input. */
    int contiguousAxis() {
        for (int i = 0; i < xStrides.length; i++) if (xStrides[i] == 1) return i;
        throw new IllegalStateException("no contiguous axis in a reduced permutation");
    }

    /** The multi-index of the t-th step of the odometer over all axes except skipA and skipB. */
    int[] decode(int t, int skipA, int skipB) {
        int[] idx = new int[dims.length];
        for (int i = dims.length - 1; i >= 0; i--) {
            if (i == skipA || i == skipB) continue;
            idx[i] = t % dims[i];
            t /= dims[i];
        }
        return idx;
    }

    int xOffset(int[] idx) {
        int o = 0;
        for (int i = 0; i < idx.length; i++) o += idx[i] * xStrides[i];
        return o;
    }

    int outOffset(int[] idx) {
        int o = 0;
        for (int i = 0; i < idx.length; i++) o += idx[i] * outStrides[i];
        return o;
    }

    /** Advances the odometer (skipping skipA and skipB) and returns the updated input offset. */
    int advance(int[] idx, int src, int skipA, int skipB) {
        for (int i = dims.length - 1; i >= 0; i--) {
            if (i == skipA || i == skipB) continue;
            idx[i]++;
            src += xStrides[i];
            if (idx[i] < dims[i]) return src;
            src -= xStrides[i] * dims[i];
            idx[i] = 0;
        }
        return src;
    }
}
