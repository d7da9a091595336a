/*
 * Index arithmetic of the OpenCL tensor kernels: an index space (row-major dimensions) with
 * the element strides of several operands over it, simplified before a launch by dropping
 * size-1 axes and merging neighbouring axes that every operand walks contiguously. Broadcasts,
 * reductions, permutations and slices of any rank usually become two or three axes this way,
 * so the kernels take a small fixed number of axes as plain int arguments.
 */
package io.tessera.gpu;

import io.tessera.tensor.Shape;

import java.util.Arrays;

/**
 * An index space and the strides of each operand over it.
 *
 * @param dims    the sizes of the axes, outermost first
 * @param strides {@code strides[o][axis]}: operand o's element stride along each axis (0 on an
 *                axis the operand is broadcast along)
 */
record StridedIndex(int[] dims, int[][] strides) {

    /** Row-major strides of {@code dims}. */
    static int[] contiguous(int[] dims) {
        int[] s = new int[dims.length];
        int st = 1;
        for (int i = dims.length - 1; i >= 0; i--) {
            s[i] = st;
            st *= dims[i];
        }
        return s;
    }

    /**
     * The strides of a tensor of shape {@code in} broadcast to {@code out} (NumPy rules; 0 on
     * broadcast axes), over out's axes; throws naming {@code op} and both shapes otherwise.
     */
    static int[] broadcast(String op, Shape out, Shape in) {
        int r = out.rank(), lead = r - in.rank();
        if (lead < 0) throw new IllegalArgumentException(op + ": shape " + in + " does not broadcast to " + out);
        int[] is = in.strides(), s = new int[r];
        for (int i = 0; i < r; i++) {
            int j = i - lead;
            if (j < 0 || in.dim(j) == 1) continue;
            if (in.dim(j) != out.dim(i)) throw new IllegalArgumentException(op + ": shape " + in + " does not broadcast to " + out);
            s[i] = is[j];
        }
        return s;
    }

    /**
     * The simplest equivalent of {@code dims} with these operand strides: size-1 axes dropped and
     * axis i merged into axis i + 1 when every operand has stride[i] = stride[i + 1]·dims[i + 1].
     * A space of one element becomes a single axis of size 1. The dims must all be positive.
     */
    static StridedIndex of(int[] dims, int[]... strides) {
        int r = dims.length, n = 0;
        int[] d = new int[r];
        int[][] s = new int[strides.length][r];
        for (int i = 0; i < r; i++) {
            if (dims[i] == 1) continue;
            boolean merge = n > 0;
            for (int o = 0; merge && o < strides.length; o++) merge = s[o][n - 1] == strides[o][i] * dims[i];
            if (merge) {
                d[n - 1] *= dims[i];
                for (int o = 0; o < strides.length; o++) s[o][n - 1] = strides[o][i];
            } else {
                d[n] = dims[i];
                for (int o = 0; o < strides.length; o++) s[o][n] = strides[o][i];
                n++;
            }
        }
        if (n == 0) {
            int[][] one = new int[strides.length][1];
            return new StridedIndex(new int[]{1}, one);
        }
        int[][] out = new int[strides.length][];
        for (int o = 0; o < strides.length; o++) out[o] = Arrays.copyOf(s[o], n);
        return new StridedIndex(Arrays.copyOf(d, n), out);
    }

    int rank() {
        return dims.length;
    }

    /** The number of indices in the space. */
    int size() {
        int n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    /** The trailing {@code rank} axes (the last axes of a longer space). */
    StridedIndex tail(int rank) {
        int from = dims.length - rank;
        int[][] s = new int[strides.length][];
        for (int o = 0; o < strides.length; o++) s[o] = Arrays.copyOfRange(strides[o], from, dims.length);
        return new StridedIndex(Arrays.copyOfRange(dims, from, dims.length), s);
    }

    /**
     * Every combination of the leading {@code rank() - keep} axes (none when the space has at
     * most {@code keep} axes), as the element offset of each operand at that combination, in
     * row-major order. Kernels that take {@code keep} axes run once per combination.
     */
    long[][] leadingOffsets(int keep) {
        int lead = Math.max(0, dims.length - keep), count = 1;
        for (int i = 0; i < lead; i++) count *= dims[i];
        long[][] out = new long[count][strides.length];
        int[] idx = new int[lead];
        for (int c = 0; c < count; c++) {
            for (int o = 0; o < strides.length; o++) {
                long off = 0;
                for (int i = 0; i < lead; i++) off += (long) idx[i] * strides[o][i];
                out[c][o] = off;
            }
            for (int i = lead - 1; i >= 0; i--) {
                if (++idx[i] < dims[i]) break;
                idx[i] = 0;
            }
        }
        return out;
    }

    /** {@code values} left-padded with {@code fill} to {@code rank} entries. */
    static int[] pad(int[] values, int rank, int fill) {
        int[] p = new int[rank];
        Arrays.fill(p, 0, rank - values.length, fill);
        System.arraycopy(values, 0, p, rank - values.length, values.length);
        return p;
    }
}
