package io.tessera.tensor.cpu;

import io.tessera.tensor.Shape;

/**
 * Index arithmetic for NumPy broadcasting: maps each flat index of an output shape to the flat
 * index of an operand whose shape broadcasts to it.
 */
public final class Broadcast {
    private Broadcast() {
    }

    /** For every flat index of {@code out}, the flat index into an operand of shape {@code in}. */
    public static int[] indexMap(Shape out, Shape in) {
        int r = out.rank();
        int[] od = out.dims();
        int[] inStride = new int[r];
        int[] is = in.strides();
        for (int i = 0; i < r; i++) {
            int j = i - (r - in.rank());
            if (j >= 0 && in.dim(j) != 1) {
                if (in.dim(j) != od[i]) {
                    throw new IllegalArgumentException("shape " + in + " does not broadcast to " + out);
                }
                inStride[i] = is[j];
            }
        }
        if (in.rank() > r) throw new IllegalArgumentException("shape " + in + " does not broadcast to " + out);
        int[] map = new int[out.size()];
        int[] idx = new int[r];
        int cur = 0;
        for (int f = 0; f < map.length; f++) {
            map[f] = cur;
            for (int a = r - 1; a >= 0; a--) {
                idx[a]++;
                cur += inStride[a];
                if (idx[a] < od[a]) break;
                cur -= inStride[a] * od[a];
                idx[a] = 0;
            }
        }
        return map;
    }
}
