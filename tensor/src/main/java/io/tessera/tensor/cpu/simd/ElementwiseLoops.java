package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.DType;
import io.tessera.tensor.Tensor;

/**
 * Fixed work splitting shared by the Vector API kernels of this package: a flat range is cut
 * into chunks of {@link #CHUNK} elements whose boundaries depend only on the problem size, and
 * run in parallel only when the work is large. Not a scheduler of its own: it hands chunks to
 * {@link io.tessera.tensor.cpu.Parallel}.
 */
final class ElementwiseLoops {
    /** Elements per chunk (a multiple of every vector width). */
    static final int CHUNK = 16384;
    /** Below this many elements a kernel runs on the calling thread. */
    static final int PARALLEL_MIN = 32768;

    private ElementwiseLoops() {
    }

    /** The work for flat elements [from, to). */
    @FunctionalInterface
    interface Range {
        void run(int from, int to);
    }

    /** Runs {@code body} over [0, n) in chunks of {@link #CHUNK}, in parallel when n is large. */
    static void forRange(SimdContext sc, int n, Range body) {
        forItems(sc, n, CHUNK, n, body);
    }

    /**
     * Runs {@code body} over items [0, items) in fixed groups of {@code grain} items, in parallel
     * when the total {@code work} (in elements touched) is large.
     */
    static void forItems(SimdContext sc, int items, int grain, long work, Range body) {
        if (items <= 0) return;
        int g = Math.max(1, grain);
        int chunks = (int) (((long) items + g - 1) / g);
        if (chunks == 1 || work <= PARALLEL_MIN || sc.parallel().threads() == 1) {
            body.run(0, items);
            return;
        }
        sc.parallel().forEach(chunks, c -> body.run(c * g, (int) Math.min(items, (long) (c + 1) * g)));
    }

    /** True when every non-null tensor given is a host F32 tensor. */
    static boolean allF32(Tensor... ts) {
        for (Tensor t : ts) if (t != null && t.dtype() != DType.F32) return false;
        return true;
    }

    /** Throws unless {@code a} and {@code b} have the same number of elements. */
    static void sameSize(String op, Tensor a, Tensor b) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException(op + ": " + a.describe() + " and " + b.describe() + " differ in size");
        }
    }
}
