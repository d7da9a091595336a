/*
 * The tile configuration of attention.kc: BQ query rows and BK key rows per tile for a head
 * width DH, on NT work-items per group, for the forward kernel or the backward ones. The tiles
 * are the largest powers of two (at most 64) whose local arrays fit in LOCAL_FLOATS, so one
 * choice serves every device (and gives the same summation order, hence the same bits, on each).
 * These sizes shape the code, so they are -D defines and key the program cache.
 */
package io.tessera.gpu;

/**
 * Tiling of the fused attention kernels.
 *
 * @param dh       the head width Dh
 * @param bq       query rows per tile
 * @param bk       key rows per tile
 * @param nt       work-items per group (a power of two, at least bq)
 * @param backward the backward kernels' layout (four staged tiles) rather than the forward one (two)
 */
record AttentionTiling(int dh, int bq, int bk, int nt, boolean backward) {
    /** Local memory of one kernel, in floats: 30 KB, under the 32 KB every OpenCL device has. */
    static final int LOCAL_FLOATS = 7680;
    /** Work-items per group unless the device allows fewer. */
    static final int GROUP = 128;
    /** The largest tile side tried. */
    static final int MAX_TILE = 64;

    AttentionTiling {
        if (dh < 1 || bq < 1 || bk < 1 || nt < bq || Integer.bitCount(nt) != 1) {
            throw new IllegalArgumentException("attention tiling DH=" + dh + " BQ=" + bq + " BK=" + bk + " NT=" + nt
                    + ": expected positive sizes and NT a power of two ≥ BQ");
        }
    }

    /**
     * The tiling for head width {@code dh} on groups of at most {@code maxGroup} work-items: start
     * from 64 x 64 and halve the larger side (BK on a tie) until the local arrays fit.
     *
     * @throws IllegalArgumentException when even 1 x 1 tiles do not fit (Dh above {@link #maxWidth})
     */
    static AttentionTiling choose(int dh, boolean backward, long maxGroup) {
        int nt = Integer.highestOneBit((int) Math.max(1, Math.min(GROUP, maxGroup)));
        int bq = Math.min(MAX_TILE, nt), bk = MAX_TILE;
        while (localFloats(dh, bq, bk, backward) > LOCAL_FLOATS && (bq > 1 || bk > 1)) {
            if (bq > bk) bq /= 2;
            else bk /= 2;
        }
        if (localFloats(dh, bq, bk, backward) > LOCAL_FLOATS) {
            throw new IllegalArgumentException("attention: head width Dh = " + dh + " is too wide for the fused attention kernels (at most "
                    + maxWidth() + "); use the composed attention engine");
        }
        return new AttentionTiling(dh, bq, bk, nt, backward);
    }

    /** The widest head both the forward and the backward kernels take (1 x 1 tiles). */
    static int maxWidth() {
        int dh = 1;
        while (localFloats(dh + 1, 1, 1, true) <= LOCAL_FLOATS) dh++;
        return dh;
    }

    /** The floats of local memory the kernels declare: staged rows are padded to Dh + 1. */
    static int localFloats(int dh, int bq, int bk, boolean backward) {
        long row = dh + 1L;
        long n = backward ? 2 * (bq + bk) * row + 2L * bq * bk + 2L * bq : (bq + bk) * row + (long) bq * bk + 3L * bq;
        return (int) Math.min(Integer.MAX_VALUE, n);
    }

    /** The same tiles on fewer work-items (BQ lowered to at most {@code nt}). */
    AttentionTiling withGroup(int nt) {
        return new AttentionTiling(dh, Math.min(bq, nt), bk, nt, backward);
    }

    /** The -D defines of this variant. */
    Defines defines() {
        return Defines.of("DH", dh).with("BQ", bq).with("BK", bk).with("NT", nt).with("BACKWARD", backward ? 1 : 0);
    }

    /** Groups over (B·H heads, tiles of BQ queries): the forward and dq kernels. */
    Grid queryGrid(int heads, int t) {
        return Grid.groups(new int[]{heads, Grid.ceilDiv(t, bq)}, new int[]{nt, 1});
    }

    /** Groups over (B·H heads, tiles of BK keys): the dk, dv kernel. */
    Grid keyGrid(int heads, int s) {
        return Grid.groups(new int[]{heads, Grid.ceilDiv(s, bk)}, new int[]{nt, 1});
    }
}
