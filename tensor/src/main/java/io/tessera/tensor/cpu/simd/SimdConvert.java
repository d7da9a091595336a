package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Float16;
import io.tessera.tensor.cpu.Parallel;

/**
 * float32 ↔ 16-bit conversions (the copies of autocast: operands rounded for a product, results
 * rounded back), split into fixed chunks over the thread pool. bfloat16 runs Vector API loops, bit
 * for bit {@link io.tessera.tensor.BFloat16#fromFloat} and {@link io.tessera.tensor.BFloat16#toFloat};
 * float16 narrowing runs the JDK's conversions, which the JIT compiles to the hardware's vector
 * half-precision conversions where it has them, with a range that holds a NaN (whose bits the JDK
 * leaves to the platform) converted by {@link Float16} instead; widening is {@link Float16#toFloat}.
 */
public final class SimdConvert {
    private static final int GRAIN = 1 << 15;

    /** The loops ({@link ConvertLoops}, one copy per width) over elements [lo, hi). */
    interface Loops {
        void toBf16(float[] src, int so, short[] dst, int dO, int lo, int hi);

        void fromBf16(short[] src, int so, float[] dst, int dO, int lo, int hi);

        /** dst = src rounded to bfloat16 values, float to float (src and dst may be the same array at the same offset). */
        void round(float[] src, int so, float[] dst, int dO, int lo, int hi);

        /** dst = float16 bits of src, bit for bit {@link Float16#fromFloat}. */
        void toF16(float[] src, int so, short[] dst, int dO, int lo, int hi);

        /** dst = src rounded to float16 values, float to float (in place allowed), bit for bit {@link Float16#round}. */
        void roundF16(float[] src, int so, float[] dst, int dO, int lo, int hi);
    }

    private static final Loops[] LOOPS = WidthCopies.all(Loops.class, "ConvertLoops", Loops[]::new);

    private SimdConvert() {
    }

    /** dst[dO + i] = bf16(src[so + i]) for i in [0, n), rounded to nearest even. */
    public static void toBf16(SimdContext sc, float[] src, int so, short[] dst, int dO, int n) {
        over(sc, n, (k, lo, hi) -> k.toBf16(src, so, dst, dO, lo, hi));
    }

    /** dst[dO + i] = src[so + i] rounded to the nearest bfloat16 value, for i in [0, n) (in place allowed). */
    public static void round(SimdContext sc, float[] src, int so, float[] dst, int dO, int n) {
        over(sc, n, (k, lo, hi) -> k.round(src, so, dst, dO, lo, hi));
    }

    /** dst[dO + i] = float(src[so + i]) for i in [0, n), exact. */
    public static void fromBf16(SimdContext sc, short[] src, int so, float[] dst, int dO, int n) {
        over(sc, n, (k, lo, hi) -> k.fromBf16(src, so, dst, dO, lo, hi));
    }

    /** dst[dO + i] = float16(src[so + i]) for i in [0, n), rounded to nearest even. */
    public static void toF16(SimdContext sc, float[] src, int so, short[] dst, int dO, int n) {
        over(sc, n, (k, lo, hi) -> k.toF16(src, so, dst, dO, lo, hi));
    }

    /** dst[dO + i] = src[so + i] rounded to the nearest float16 value, for i in [0, n) (in place allowed). */
    public static void roundF16(SimdContext sc, float[] src, int so, float[] dst, int dO, int n) {
        over(sc, n, (k, lo, hi) -> k.roundF16(src, so, dst, dO, lo, hi));
    }

    /** dst[dO + i] = float(src[so + i]) for i in [0, n), exact. */
    public static void fromF16(SimdContext sc, short[] src, int so, float[] dst, int dO, int n) {
        over(sc, n, (k, lo, hi) -> {
            for (int i = lo; i < hi; i++) dst[dO + i] = Float16.toFloat(src[so + i]);
        });
    }

    /** A loop over elements [lo, hi) with the loops of the context's vector width. */
    private interface Range {
        void run(Loops k, int lo, int hi);
    }

    /** Runs {@code body} over [0, n) in chunks of GRAIN on the context's thread pool. */
    private static void over(SimdContext sc, int n, Range body) {
        Loops k = LOOPS[WidthCopies.index(sc.species())];
        sc.parallel().forEach(Parallel.chunks(n, GRAIN), c -> body.run(k, c * GRAIN, Math.min(n, c * GRAIN + GRAIN)));
    }
}
