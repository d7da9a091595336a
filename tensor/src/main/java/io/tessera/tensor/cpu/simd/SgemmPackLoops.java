package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.invoke.MethodHandles;

/**
 * The packing copies of {@link SgemmPanels}, written once and defined per vector width by
 * {@link WidthCopies} (constant species). Six-wide groups move as one 8-lane vector whose two
 * extra lanes the next depth's store overwrites (the last depth is copied exactly); transposed
 * B is read by gathers. Interleaved rows, and every copy at widths below 8 lanes, go element by
 * element. No arithmetic.
 */
final class SgemmPackLoops implements SgemmPanels {
    private static final VectorSpecies<Float> S = WidthCopies.species(MethodHandles.lookup());
    /** Eight lanes for a group of six: the widest vector whose overhang stays inside the next depth's group. */
    private static final VectorSpecies<Float> EIGHT = S.length() >= 8
            ? VectorSpecies.of(float.class, VectorShape.forBitSize(8 * Float.SIZE)) : S;
    /** Whether this width moves data with vectors at all (8 lanes or more). */
    private static final boolean VECTOR = S.length() >= 8;

    /** Instantiated by {@link WidthCopies} only, once per width. */
    public SgemmPackLoops() {
    }

    @Override
    public void sixColumns(float[] src, int src0, int ld, int kc, int slivers, float[] dst, int d0) {
        int last = VECTOR ? kc - 1 : 0; // depths [0, last) by vectors, [last, kc) exactly
        for (int p = 0; p < last; p++) {
            int row = src0 + p * ld, d = d0 + p * 6;
            // slivers whose 8-lane read stays inside src
            int fast = Math.max(0, Math.min(slivers, Math.floorDiv(src.length - 8 - row, 6) + 1));
            int s = 0;
            for (; s < fast; s++, d += 6 * kc) FloatVector.fromArray(EIGHT, src, row + 6 * s).intoArray(dst, d);
            for (; s < slivers; s++, d += 6 * kc) System.arraycopy(src, row + 6 * s, dst, d, 6);
        }
        for (int p = last; p < kc; p++) {
            int row = src0 + p * ld, d = d0 + p * 6;
            for (int s = 0; s < slivers; s++, d += 6 * kc) {
                int from = row + 6 * s;
                dst[d] = src[from];
                dst[d + 1] = src[from + 1];
                dst[d + 2] = src[from + 2];
                dst[d + 3] = src[from + 3];
                dst[d + 4] = src[from + 4];
                dst[d + 5] = src[from + 5];
            }
        }
    }

    @Override
    public void sixRows(float[] src, int src0, int ld, int kc, float[] dst, int d0) {
        // Element copies: gathers of the interleaved pattern measured no faster (0.55 ns per float both ways).
        int r0 = src0, r1 = src0 + ld, r2 = src0 + 2 * ld, r3 = src0 + 3 * ld, r4 = src0 + 4 * ld, r5 = src0 + 5 * ld;
        for (int p = 0, d = d0; p < kc; p++, d += 6) {
            dst[d] = src[r0 + p];
            dst[d + 1] = src[r1 + p];
            dst[d + 2] = src[r2 + p];
            dst[d + 3] = src[r3 + p];
            dst[d + 4] = src[r4 + p];
            dst[d + 5] = src[r5 + p];
        }
    }

    @Override
    public void transposedSliver(float[] src, int src0, int ld, int kc, float[] dst, int d0) {
        int l = S.length(), nr = 2 * l;
        if (VECTOR) {
            int[] idx = new int[nr];
            for (int j = 0; j < nr; j++) idx[j] = j * ld;
            for (int p = 0, d = d0; p < kc; p++, d += nr) {
                FloatVector.fromArray(S, src, src0 + p, idx, 0).intoArray(dst, d);
                FloatVector.fromArray(S, src, src0 + p, idx, l).intoArray(dst, d + l);
            }
            return;
        }
        for (int j = 0; j < nr; j++) {
            int sj = src0 + j * ld;
            for (int p = 0, d = d0 + j; p < kc; p++, d += nr) dst[d] = src[sj + p];
        }
    }
}
