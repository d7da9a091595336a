package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A float32 fused multiply-add throughput probe at the platform's preferred vector width (the
 * width {@code new CpuBackend(threads)} uses; the species is a constant here, as a register-only
 * loop needs it to stay unboxed): twelve
 * independent accumulator chains (enough to hide FMA latency on two FMA ports), so the loop
 * runs at the core's FMA peak. Benchmarks compare kernel GFLOPS against it. It computes nothing
 * useful; it is not a kernel.
 */
public final class RowMathPeak {
    private static final int CHAINS = 12;

    private RowMathPeak() {
    }

    private static final VectorSpecies<Float> SP = FloatVector.SPECIES_PREFERRED;

    /** Floating-point operations (2 per lane per FMA) of one iteration of {@link #run}. */
    public static long flopsPerIteration() {
        return 2L * CHAINS * SP.length();
    }

    /** Bits per vector of the probe. */
    public static int bits() {
        return SP.vectorBitSize();
    }

    /**
     * Runs {@code iterations} rounds of a_i = a_i·m + c on twelve vectors and returns a
     * checksum (so the work cannot be optimised away). The values stay near 1: no overflow,
     * no subnormals.
     */
    public static float run(long iterations) {
        VectorSpecies<Float> sp = SP;
        FloatVector m = FloatVector.broadcast(sp, 0.999999f), c = FloatVector.broadcast(sp, 1e-6f);
        FloatVector a0 = FloatVector.broadcast(sp, 1.00f), a1 = FloatVector.broadcast(sp, 1.01f), a2 = FloatVector.broadcast(sp, 1.02f);
        FloatVector a3 = FloatVector.broadcast(sp, 1.03f), a4 = FloatVector.broadcast(sp, 1.04f), a5 = FloatVector.broadcast(sp, 1.05f);
        FloatVector a6 = FloatVector.broadcast(sp, 1.06f), a7 = FloatVector.broadcast(sp, 1.07f), a8 = FloatVector.broadcast(sp, 1.08f);
        FloatVector a9 = FloatVector.broadcast(sp, 1.09f), a10 = FloatVector.broadcast(sp, 1.10f), a11 = FloatVector.broadcast(sp, 1.11f);
        for (long i = 0; i < iterations; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        FloatVector s = a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11);
        float[] t = RowMath.lanes();
        s.intoArray(t, 0);
        return RowMath.sumLanes(t, sp.length());
    }
}
