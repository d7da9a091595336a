// SimMIM's mask generator (simmim: data/data_simmim.py MaskGenerator): per sample, a random permutation
// of the coarse cells, the first ceil(cells·ratio) masked, each cell expanded to scale×scale ViT patches.
// Also LUT-SimMIM's second view (visible set disjoint from view 1's). Not MAE's token-dropping masking.
package io.tessera.ssl.simmim;

import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

/** Masks over ViT patches (B, L) F32 in spatial (row-major) order, 1 = masked. */
public final class SimMimMasking {
    private SimMimMasking() {
    }

    /**
     * The draws one sample's permutation takes from the stream: Fisher–Yates draws one integer for
     * each of the positions cells − 1 … 1, so sample b's draws are those from b·(cells − 1) on.
     */
    public static long drawsPerSample(int cells) {
        return cells - 1;
    }

    /** B random permutations of {0 … cells − 1} (Fisher–Yates from {@code rng}), row-major (B·cells). */
    public static int[] permutations(Rng rng, int batch, int cells) {
        int[] perm = new int[batch * cells];
        for (int b = 0; b < batch; b++) {
            int base = b * cells;
            for (int i = 0; i < cells; i++) perm[base + i] = i;
            for (int i = cells - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = perm[base + i];
                perm[base + i] = perm[base + j];
                perm[base + j] = t;
            }
        }
        return perm;
    }

    /**
     * Cell mask from permutations: cell perm[b, i] gets 1 for {@code from ≤ i < to} when
     * {@code inside}, else the complement. Returns (B·cells) values.
     */
    public static float[] cellMask(int[] perm, int batch, int cells, int from, int to, boolean inside) {
        if (perm.length != batch * cells || from < 0 || to > cells || from > to) {
            throw new IllegalArgumentException("cellMask: " + perm.length + " permutation entries for (B, cells) = (" + batch + ", " + cells + "), range [" + from + ", " + to + ")");
        }
        float[] m = new float[batch * cells];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < cells; i++) {
                boolean in = i >= from && i < to;
                m[b * cells + perm[b * cells + i]] = in == inside ? 1f : 0f;
            }
        }
        return m;
    }

    /**
     * Expands a cell mask (B, g, g) to ViT patches (B, g·s, g·s), each cell repeated s×s
     * (np.repeat along both axes); returns (B·L) values, L = (g·s)².
     */
    public static float[] expand(float[] cellMask, int batch, int cellsPerSide, int scale) {
        int g = cellsPerSide, side = g * scale, l = side * side;
        if (cellMask.length != batch * g * g) {
            throw new IllegalArgumentException("expand: " + cellMask.length + " cell values for (B, g, g) = (" + batch + ", " + g + ", " + g + ")");
        }
        float[] out = new float[batch * l];
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < side; r++) {
                for (int c = 0; c < side; c++) out[b * l + r * side + c] = cellMask[b * g * g + (r / scale) * g + c / scale];
            }
        }
        return out;
    }

    /** One SimMIM mask per sample: (B, L) F32, 1 = masked, exactly ceil(cells·ratio)·scale² masked patches each. */
    public static Tensor sample(Ops ops, Rng rng, int batch, SimMimConfig c) {
        int[] perm = permutations(rng, batch, c.cells());
        float[] cells = cellMask(perm, batch, c.cells(), 0, c.maskedCells(), true);
        return ops.tensor(expand(cells, batch, c.cellsPerSide(), c.scale()), batch, c.encoder().numPatches());
    }

    /** LUT-SimMIM's pair of masks from one permutation per sample. */
    public record Pair(Tensor view1, Tensor view2) {
    }

    /**
     * View 1 masks cells perm[0:M] (M = ceil(cells·ratio)); view 2 keeps perm[0:V] visible
     * (V = cells − M) and masks the rest, so its visible cells lie inside view 1's masked ones
     * and the two visible sets are disjoint. Needs V ≤ M (ratio ≥ 0.5).
     */
    public static Pair samplePair(Ops ops, Rng rng, int batch, SimMimConfig c) {
        int cells = c.cells(), m = c.maskedCells(), v = cells - m;
        if (v > m) {
            throw new IllegalArgumentException("LUT-SimMIM needs disjoint visible sets: " + v + " visible of " + cells + " cells exceeds the " + m + " masked (ratio " + c.maskRatio() + " < 0.5)");
        }
        int[] perm = permutations(rng, batch, cells);
        float[] m1 = expand(cellMask(perm, batch, cells, 0, m, true), batch, c.cellsPerSide(), c.scale());
        float[] m2 = expand(cellMask(perm, batch, cells, 0, v, false), batch, c.cellsPerSide(), c.scale());
        int l = c.encoder().numPatches();
        return new Pair(ops.tensor(m1, batch, l), ops.tensor(m2, batch, l));
    }
}
