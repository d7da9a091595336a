package io.tessera.cli.bench;

import io.tessera.tensor.DType;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Storage;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.cpu.simd.SimdGemm;
import org.ejml.concurrency.EjmlConcurrency;
import org.ejml.data.FMatrixRMaj;
import org.ejml.dense.row.CommonOps_FDRM;
import org.ejml.dense.row.CommonOps_MT_FDRM;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code tessera bench gemm}: float32 matrix-product throughput (GFLOPS = 2·M·N·K·batch / s) of
 * Tessera's Vector API SGEMM beside OpenBLAS (cblas_sgemm through FFM) and EJML (FDRM), with one
 * thread and with all threads, on square sizes and on the transposed shapes of ViT training.
 * A measurement tool, not a test: it checks only that Tessera and the yardstick agree.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = "Float32 GEMM GFLOPS: Tessera (Vector API) vs OpenBLAS (FFM) vs EJML, 1 thread and all threads. "
                + "Last line: gemm_vs_openblas <geometric mean of Tessera/OpenBLAS over square sizes >= 512, all threads>.")
public final class GemmBench implements Callable<Integer> {

    @Option(names = "--threads", description = "The 'all threads' count (default: available processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--sizes", split = ",", description = "Square sizes (default: 256,512,1024,2048).")
    int[] sizes = {256, 512, 1024, 2048};

    @Option(names = "--quick", description = "Small sizes only (a smoke test of the command).")
    boolean quick;

    @Option(names = "--square-only", description = "Skip the ViT-shaped (transposed, batched) products.")
    boolean squareOnly;

    @Option(names = "--no-openblas", description = "Do not load OpenBLAS (Tessera alone, no spinning BLAS threads).")
    boolean noOpenblas;

    @Option(names = "--no-ejml", description = "Skip EJML (its large products take seconds each).")
    boolean noEjml;

    @Option(names = "--vector-bits", description = "Tessera's vector width in bits (default: the platform's preferred).")
    Integer vectorBits;

    @Option(names = "--seconds", description = "Timed seconds per measurement, after warm-up (default: 1.0).")
    double seconds = 1.0;

    @Spec
    CommandSpec spec;

    /** Rounds of turns per measurement. */
    private static final int ROUNDS = 3;
    /** Idle time before each block of runs (longer than OpenBLAS's default spin of about 0.1 s). */
    private static final long PAUSE_MS = 300;

    /** One product: batch × (M × K)·(K × N), with A or B stored transposed. */
    record Product(String name, int batch, int m, int n, int k, boolean transA, boolean transB, boolean square) {
        double flops() {
            return 2.0 * batch * m * n * k;
        }
    }

    /** One row of the table. */
    record Row(Product p, int threads, double tessera, double openblas, double ejml, double check) {
    }

    /** For runs without the CLI: {@code java ... io.tessera.cli.bench.GemmBench --quick}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new GemmBench()).execute(args));
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (threads < 1 || !(seconds > 0) || Arrays.stream(sizes).anyMatch(x -> x < 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "bench gemm: --threads (" + threads
                    + "), --seconds (" + seconds + ") and every --sizes entry " + Arrays.toString(sizes)
                    + " must be positive");
        }
        List<Product> products = products();
        OpenBlas blas = noOpenblas ? null : OpenBlas.load();
        int[] counts = threads > 1 ? new int[] {1, threads} : new int[] {1};
        out.printf(Locale.ROOT, "gemm float32: best timed run after warm-up (%.1f s per contender, in 3 rounds in which Tessera and OpenBLAS take turns, 0.3 s idle before each block); GFLOPS = 2*batch*M*N*K / s; ratio = Tessera / OpenBLAS%n", seconds);
        out.println(noOpenblas ? "openblas: skipped (--no-openblas)"
                : blas == null ? "openblas: " + OpenBlas.missingMessage() : "openblas: " + blas.origin());
        out.println(noEjml ? "ejml: skipped (--no-ejml)" : "ejml: 0.44 CommonOps_FDRM (1 thread), CommonOps_MT_FDRM (n threads)");
        out.flush();
        List<Row> rows = new ArrayList<>();
        for (int t : counts) {
            try (CpuBackend be = vectorBits == null ? new CpuBackend(t) : new CpuBackend(t, vectorBits)) {
                warmUp(be);
                out.printf("tessera: %s%n", be.name());
                for (Product p : products) {
                    rows.add(measure(p, t, be, blas));
                    out.print(format(rows.getLast(), rows.size() == 1));
                    out.flush();
                }
            }
        }
        out.println();
        out.println("summary (rows grouped by product):");
        boolean first = true;
        for (Product p : products) {
            for (Row r : rows) {
                if (r.p() == p) {
                    out.print(format(r, first));
                    first = false;
                }
            }
        }
        out.println(summary(rows, counts[counts.length - 1]));
        out.flush();
        return 0;
    }

    private List<Product> products() {
        List<Product> ps = new ArrayList<>();
        int[] sq = quick ? new int[] {64, 128, 200} : sizes;
        for (int s : sq) ps.add(new Product("square NN " + s, 1, s, s, s, false, false, true));
        if (squareOnly) return ps;
        int rowsX = quick ? 256 : 4096, d = quick ? 96 : 768, bh = quick ? 4 : 192, t = quick ? 17 : 197, dh = quick ? 16 : 64;
        ps.add(new Product("linear fwd NT x(" + rowsX + "," + d + ")·W(" + d + "," + d + ")ᵀ", 1, rowsX, d, d, false, true, false));
        ps.add(new Product("linear dX  NN dy(" + rowsX + "," + d + ")·W(" + d + "," + d + ")", 1, rowsX, d, d, false, false, false));
        ps.add(new Product("linear dW  TN dy(" + rowsX + "," + d + ")ᵀ·x(" + rowsX + "," + d + ")", 1, d, d, rowsX, true, false, false));
        ps.add(new Product("attn q·kᵀ  NT " + bh + "×(" + t + "," + dh + ")·(" + t + "," + dh + ")ᵀ", bh, t, t, dh, false, true, false));
        ps.add(new Product("attn p·v   NN " + bh + "×(" + t + "," + t + ")·(" + t + "," + dh + ")", bh, t, dh, t, false, false, false));
        ps.add(new Product("attn dv    TN " + bh + "×(" + t + "," + t + ")ᵀ·(" + t + "," + dh + ")", bh, t, dh, t, true, false, false));
        return ps;
    }

    /**
     * Compiles the kernels before anything is timed: small products with edge tiles, more than
     * one depth block (the beta = 1 path) and every transpose combination, until the JIT settles.
     */
    private static void warmUp(CpuBackend be) {
        int m = 150, n = 70, k = 300;
        float[] a = random(1, m * k), b = random(2, k * n), c = new float[m * n];
        long until = System.nanoTime() + 2_000_000_000L;
        for (int i = 0; i < 3000 && System.nanoTime() < until; i++) {
            boolean ta = (i & 1) != 0, tb = (i & 2) != 0;
            SimdGemm.sgemm(be.simd(), ta, tb, m, n, k, 1f, a, 0, ta ? m : k, b, 0, tb ? k : n, (i & 4) == 0 ? 0f : 0.5f, c, 0, n);
        }
    }

    private Row measure(Product p, int t, CpuBackend be, OpenBlas blas) {
        int aRows = p.transA() ? p.k() : p.m(), aCols = p.transA() ? p.m() : p.k();
        int bRows = p.transB() ? p.n() : p.k(), bCols = p.transB() ? p.k() : p.n();
        float[] a = random(11, p.batch() * aRows * aCols), b = random(12, p.batch() * bRows * bCols);
        float[] c = new float[p.batch() * p.m() * p.n()];
        Tensor ta = tensor(be, a, p.batch(), aRows, aCols), tb = tensor(be, b, p.batch(), bRows, bCols);
        Tensor tc = tensor(be, c, p.batch(), p.m(), p.n());
        Runnable ours = () -> SimdGemm.matmul(be.simd(), tc, ta, tb, p.transA(), p.transB(), 1, 0);
        double tessera, openblas = Double.NaN, check = Double.NaN;
        if (blas == null) {
            tessera = p.flops() / best(ours)[0] * 1e-9;
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment na = arena.allocateFrom(ValueLayout.JAVA_FLOAT, a);
                MemorySegment nb = arena.allocateFrom(ValueLayout.JAVA_FLOAT, b);
                MemorySegment nc = arena.allocate(ValueLayout.JAVA_FLOAT, c.length);
                long sa = 4L * aRows * aCols, sb = 4L * bRows * bCols, scs = 4L * p.m() * p.n();
                blas.setThreads(t);
                double[] times = best(ours, () -> {
                    for (int i = 0; i < p.batch(); i++) {
                        blas.sgemm(p.transA(), p.transB(), p.m(), p.n(), p.k(), 1f, na.asSlice(i * sa, sa), aCols,
                                nb.asSlice(i * sb, sb), bCols, 0f, nc.asSlice(i * scs, scs), p.n());
                    }
                });
                tessera = p.flops() / times[0] * 1e-9;
                openblas = p.flops() / times[1] * 1e-9;
                check = relativeDifference(c, nc.toArray(ValueLayout.JAVA_FLOAT));
            }
        }
        double ejml = noEjml ? Double.NaN : p.flops() / ejml(p, t, a, b, aRows, aCols, bRows, bCols) * 1e-9;
        if (check > 1e-4) {
            throw new IllegalStateException("gemm " + p.name() + ": Tessera and OpenBLAS differ (relative "
                    + check + "); the benchmark numbers would be meaningless");
        }
        return new Row(p, t, tessera, openblas, ejml, check);
    }

    private double ejml(Product p, int t, float[] a, float[] b, int aRows, int aCols, int bRows, int bCols) {
        FMatrixRMaj[] ma = new FMatrixRMaj[p.batch()], mb = new FMatrixRMaj[p.batch()], mc = new FMatrixRMaj[p.batch()];
        for (int i = 0; i < p.batch(); i++) {
            ma[i] = new FMatrixRMaj(aRows, aCols, true, Arrays.copyOfRange(a, i * aRows * aCols, (i + 1) * aRows * aCols));
            mb[i] = new FMatrixRMaj(bRows, bCols, true, Arrays.copyOfRange(b, i * bRows * bCols, (i + 1) * bRows * bCols));
            mc[i] = new FMatrixRMaj(p.m(), p.n());
        }
        EjmlConcurrency.setMaxThreads(t);
        return best(() -> {
            for (int i = 0; i < p.batch(); i++) {
                if (t == 1) {
                    if (p.transA() && p.transB()) CommonOps_FDRM.multTransAB(ma[i], mb[i], mc[i]);
                    else if (p.transA()) CommonOps_FDRM.multTransA(ma[i], mb[i], mc[i]);
                    else if (p.transB()) CommonOps_FDRM.multTransB(ma[i], mb[i], mc[i]);
                    else CommonOps_FDRM.mult(ma[i], mb[i], mc[i]);
                } else {
                    if (p.transA() && p.transB()) CommonOps_MT_FDRM.multTransAB(ma[i], mb[i], mc[i]);
                    else if (p.transA()) CommonOps_MT_FDRM.multTransA(ma[i], mb[i], mc[i]);
                    else if (p.transB()) CommonOps_MT_FDRM.multTransB(ma[i], mb[i], mc[i]);
                    else CommonOps_MT_FDRM.mult(ma[i], mb[i], mc[i]);
                }
            }
        })[0];
    }

    /**
     * Seconds of the fastest timed run of each contender. The contenders take turns in rounds
     * (a block of runs each, three rounds), so that load from other processes falls on all of
     * them alike; a pause precedes every block because OpenBLAS's idle threads keep spinning on
     * the cores for a while after a call and would slow whoever runs next.
     */
    private double[] best(Runnable... rs) {
        long block = (long) (seconds * 1e9) / ROUNDS;
        double[] best = new double[rs.length];
        Arrays.fill(best, Double.MAX_VALUE);
        for (int round = 0; round < ROUNDS; round++) {
            for (int i = 0; i < rs.length; i++) {
                pause();
                long start = System.nanoTime();
                if (round == 0) { // warm-up: a few runs, at most half a block
                    for (int w = 0; w < 3 && System.nanoTime() - start < block / 2; w++) rs[i].run();
                    start = System.nanoTime();
                }
                for (int run = 0; run < 1000; run++) {
                    long s = System.nanoTime();
                    rs[i].run();
                    long e = System.nanoTime();
                    best[i] = Math.min(best[i], (e - s) * 1e-9);
                    if (e - start >= block || e - s > 2 * block) break;
                }
            }
        }
        return best;
    }

    private void pause() {
        if (quick) return; // a smoke test, not a measurement
        try {
            Thread.sleep(PAUSE_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("bench gemm interrupted", e);
        }
    }

    private static String format(Row r, boolean header) {
        StringBuilder sb = new StringBuilder();
        if (header) {
            sb.append(String.format(Locale.ROOT, "%-48s %7s %10s %10s %10s %8s%n", "product", "threads", "tessera",
                    "openblas", "ejml", "ratio"));
        }
        sb.append(String.format(Locale.ROOT, "%-48s %7d %10s %10s %10s %8s%n", r.p().name(), r.threads(),
                num(r.tessera()), num(r.openblas()), num(r.ejml()),
                Double.isNaN(r.openblas()) ? "n/a" : String.format(Locale.ROOT, "%.2f", r.tessera() / r.openblas())));
        return sb.toString();
    }

    private static String num(double gflops) {
        return Double.isNaN(gflops) ? "n/a" : String.format(Locale.ROOT, "%.1f", gflops);
    }

    /** The last line: geometric mean of Tessera/OpenBLAS over square sizes ≥ 512 at the largest thread count. */
    private static String summary(List<Row> rows, int allThreads) {
        double logSum = 0;
        int count = 0;
        boolean fallback = rows.stream().noneMatch(r -> r.p().square() && r.p().m() >= 512);
        for (Row r : rows) {
            if (!r.p().square() || r.threads() != allThreads || (!fallback && r.p().m() < 512)) continue;
            if (Double.isNaN(r.openblas())) return "gemm_vs_openblas n/a";
            logSum += Math.log(r.tessera() / r.openblas());
            count++;
        }
        if (count == 0) return "gemm_vs_openblas n/a";
        String note = fallback ? "(no square size >= 512 measured: mean over the smaller squares)\n" : "";
        return note + String.format(Locale.ROOT, "gemm_vs_openblas %.3f", Math.exp(logSum / count));
    }

    private static Tensor tensor(CpuBackend be, float[] data, int batch, int rows, int cols) {
        return new Tensor(be, Shape.of(batch, rows, cols), DType.F32, new Storage.F32(data), 0);
    }

    private static float[] random(long seed, int size) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[size];
        for (int i = 0; i < size; i++) v[i] = (float) (2 * r.nextDouble() - 1);
        return v;
    }

    private static double relativeDifference(float[] x, float[] y) {
        double num = 0, den = 0;
        for (int i = 0; i < x.length; i++) {
            double d = (double) x[i] - y[i];
            num += d * d;
            den += (double) y[i] * y[i];
        }
        return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
    }
}
