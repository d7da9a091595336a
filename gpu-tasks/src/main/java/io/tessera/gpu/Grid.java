/*
 * An NDRange launch grid: the global work size per dimension and the work-group (local) size.
 * Factories round the global size up to a multiple of the group size, so kernels bound-check
 * their tails; a null local size lets the runtime choose.
 */
package io.tessera.gpu;

import java.util.Arrays;

/** Global and local work sizes of one launch (1 to 3 dimensions). */
public final class Grid {
    private final long[] global;
    private final long[] local;

    private Grid(long[] global, long[] local) {
        if (global.length < 1 || global.length > 3 || (local != null && local.length != global.length)) {
            throw new IllegalArgumentException("grid " + Arrays.toString(global) + " / " + Arrays.toString(local)
                    + ": expected 1 to 3 dimensions, local of the same rank");
        }
        for (int d = 0; d < global.length; d++) {
            if (global[d] < 1 || (local != null && (local[d] < 1 || global[d] % local[d] != 0))) {
                throw new IllegalArgumentException("grid " + Arrays.toString(global) + " / " + Arrays.toString(local)
                        + ": sizes must be positive and global a multiple of local");
            }
        }
        this.global = global;
        this.local = local;
    }

    /** At least {@code n} work-items in groups of {@code local} (global = ⌈n/local⌉·local). */
    public static Grid cover(int n, int local) {
        return new Grid(new long[]{roundUp(n, local)}, new long[]{local});
    }

    /** At least (nx, ny) work-items in groups of (lx, ly). */
    public static Grid cover(int nx, int ny, int lx, int ly) {
        return new Grid(new long[]{roundUp(nx, lx), roundUp(ny, ly)}, new long[]{lx, ly});
    }

    /** {@code counts[d]} groups of {@code local[d]} work-items in each dimension. */
    public static Grid groups(int[] counts, int[] local) {
        if (counts.length != local.length) {
            throw new IllegalArgumentException("grid groups " + Arrays.toString(counts) + " and local " + Arrays.toString(local) + " differ in rank");
        }
        long[] g = new long[counts.length], l = new long[local.length];
        for (int d = 0; d < counts.length; d++) {
            g[d] = (long) counts[d] * local[d];
            l[d] = local[d];
        }
        return new Grid(g, l);
    }

    /** One group of {@code groupSize} work-items per row: the layout of the row kernels (softmax, layernorm). */
    public static Grid rows(int n, int groupSize) {
        return groups(new int[]{n}, new int[]{groupSize});
    }

    /** Exactly {@code global} work-items, group size chosen by the runtime. */
    public static Grid exact(long... global) {
        return new Grid(global.clone(), null);
    }

    public long[] global() {
        return global.clone();
    }

    /** The local size, or null when the runtime chooses. */
    public long[] local() {
        return local == null ? null : local.clone();
    }

    public int dimensions() {
        return global.length;
    }

    /** ⌈a / b⌉ for positive b: work-groups (tiles, chunks) needed to cover a items in groups of b. */
    static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    private static long roundUp(int n, int local) {
        if (n < 1 || local < 1) throw new IllegalArgumentException("grid over " + n + " items in groups of " + local + ": both must be positive");
        return (long) (n + local - 1) / local * local;
    }

    @Override
    public String toString() {
        return "global " + Arrays.toString(global) + (local == null ? "" : " local " + Arrays.toString(local));
    }
}
