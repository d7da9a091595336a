package io.tessera.cli.bench;

import io.tessera.tensor.cpu.Parallel;
import io.tessera.tensor.cpu.simd.RowMathPeak;

/**
 * The two ceilings a CPU kernel can hit, measured on this machine in the same run as the
 * kernels: main-memory bandwidth (STREAM-like copy and triad over float arrays far larger than
 * the last-level cache, best of several runs, as STREAM reports) and float32 FMA peak (a Vector
 * API loop with twelve independent accumulators at the backend's vector width). Not a
 * replacement for STREAM or a vendor's peak figures; good enough to say how far a kernel is
 * from the roof.
 */
public final class MachineLimits {
    /** The measured ceilings for one thread count. Bandwidths in GB/s (1e9 bytes), peak in GFLOPS. */
    public record Limits(int threads, double copyGBs, double triadGBs, double fmaGflops, int vectorBits) {
    }

    private MachineLimits() {
    }

    /**
     * Measures copy and triad bandwidth and FMA peak on {@code threads} threads. {@code quick}
     * uses smaller arrays (still 2× a 32 MiB cache) and shorter runs.
     */
    public static Limits measure(int threads, boolean quick) {
        try (Parallel par = new Parallel(threads)) {
            int n = quick ? 16 << 20 : 32 << 20; // floats per array: 64 or 128 MiB
            double[] bw = bandwidth(par, threads, n, quick ? 3 : 6);
            double peak = fmaPeak(par, threads, quick ? 0.1 : 0.25);
            return new Limits(threads, bw[0], bw[1], peak, RowMathPeak.bits());
        }
    }

    /** {copy GB/s, triad GB/s}: b = a (8 bytes per element), a = b + s·c (12 bytes per element). */
    private static double[] bandwidth(Parallel par, int threads, int n, int runs) {
        float[] a = new float[n], b = new float[n], c = new float[n];
        int chunks = threads, per = (n + chunks - 1) / chunks;
        par.forEach(chunks, ch -> {
            for (int i = ch * per, end = Math.min(n, i + per); i < end; i++) {
                a[i] = 1f;
                b[i] = 2f;
                c[i] = 0.5f;
            }
        });
        double bestCopy = Double.MAX_VALUE, bestTriad = Double.MAX_VALUE;
        for (int r = 0; r < runs; r++) {
            long t0 = System.nanoTime();
            par.forEach(chunks, ch -> copy(a, b, ch * per, Math.min(n, ch * per + per)));
            long t1 = System.nanoTime();
            par.forEach(chunks, ch -> triad(a, b, c, 0.5f, ch * per, Math.min(n, ch * per + per)));
            long t2 = System.nanoTime();
            bestCopy = Math.min(bestCopy, (t1 - t0) * 1e-9);
            bestTriad = Math.min(bestTriad, (t2 - t1) * 1e-9);
        }
        if (a[n / 2] < 0) throw new IllegalStateException("bandwidth probe produced an impossible value");
        return new double[] {8.0 * n / bestCopy / 1e9, 12.0 * n / bestTriad / 1e9};
    }

    private static void copy(float[] a, float[] b, int from, int to) {
        for (int i = from; i < to; i++) b[i] = a[i];
    }

    private static void triad(float[] a, float[] b, float[] c, float s, int from, int to) {
        for (int i = from; i < to; i++) a[i] = b[i] + s * c[i];
    }

    /** GFLOPS of {@code threads} concurrent FMA loops, each sized to run about {@code seconds}. */
    private static double fmaPeak(Parallel par, int threads, double seconds) {
        float sink = 0;
        long warm = System.nanoTime() + (long) (Math.max(0.5, 2 * seconds) * 1e9);
        for (int i = 0; i < 50 || System.nanoTime() < warm; i++) sink += RowMathPeak.run(20_000); // let the JIT finish the loop
        long probe = 2_000_000;
        long t0 = System.nanoTime();
        sink += RowMathPeak.run(probe);
        double perIter = Math.max(1e-12, (System.nanoTime() - t0) * 1e-9 / probe);
        long iters = Math.max(probe, (long) (seconds / perIter));
        float[] sinks = new float[threads];
        double best = 0;
        for (int r = 0; r < 3; r++) {
            long s = System.nanoTime();
            par.forEach(threads, i -> sinks[i] = RowMathPeak.run(iters));
            double wall = (System.nanoTime() - s) * 1e-9;
            best = Math.max(best, (double) threads * iters * RowMathPeak.flopsPerIteration() / wall / 1e9);
        }
        for (float f : sinks) sink += f;
        if (Float.isNaN(sink)) throw new IllegalStateException("FMA probe produced NaN");
        return best;
    }
}
