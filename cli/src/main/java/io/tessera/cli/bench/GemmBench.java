package io.tessera.cli.bench;

import io.tessera.cli.Main;
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

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code tessera bench gemm}: float32 matrix-product throughput (GFLOPS = 2·M·N·K·batch / s) of
 * Tessera's Vector API SGEMM beside OpenBLAS (cblas_sgemm through FFM) and EJML (FDRM), with one
 * thread and with all threads, on square sizes and on the transposed shapes of ViT training.
 * Both engines are named exactly (OpenBLAS's core, build and threads; Tessera's vector width,
 * tile and threads); when an environment variable forces OpenBLAS's kernel, the measurement runs
 * again in a child JVM without it ({@link UnforcedChild}), so the ratio is against OpenBLAS as
 * the machine runs it. A measurement tool, not a test: it checks only that the two agree.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true,
        description = "Float32 GEMM GFLOPS: Tessera (Vector API) vs OpenBLAS (FFM) vs EJML, 1 thread and all threads, "
                + "min/median/max over rounds. When OPENBLAS_CORETYPE or OPENBLAS_L2_SIZE is set, the measurement runs in a "
                + "child JVM without them (OpenBLAS as the machine runs it unforced). "
                + "Last line: gemm_vs_openblas <geometric mean of the median ratio Tessera/OpenBLAS over square sizes >= 512, all threads>.")
public final class GemmBench implements Callable<Integer> {

    @Option(names = "--threads", description = "The 'all threads' count (default: available processors).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--sizes", split = ",", description = "Square sizes (default: 256,512,1024,2048).")
    int[] sizes = {256, 512, 1024, 2048};

    @Option(names = "--quick", description = "Small sizes and at most 0.1 s per contender and row (a smoke test of the command, not a measurement).")
    boolean quick;

    @Option(names = "--square-only", description = "Skip the ViT-shaped (transposed, batched) products.")
    boolean squareOnly;

    @Option(names = "--no-openblas", description = "Do not load OpenBLAS (Tessera alone, no spinning BLAS threads).")
    boolean noOpenblas;

    @Option(names = "--no-ejml", description = "Skip EJML (its large products take seconds each).")
    boolean noEjml;

    @Option(names = "--vector-bits", description = "Tessera's vector width in bits (default: the platform's preferred).")
    Integer vectorBits;

    @Option(names = "--seconds", description = "Timed seconds per contender and row, spread over the rounds, after warm-up (default: 1.0).")
    double seconds = 1.0;

    @Option(names = "--rounds", description = "Rounds per row in which the contenders take turns; min/median/max are over rounds (default: 5).")
    int rounds = 5;

    @Option(names = "--keep-openblas-env", description = "Measure in this process even when an OPENBLAS_* variable forces a kernel "
            + "(the ratio is then against the forced kernel, and says so).")
    boolean keepOpenblasEnv;

    /** Set on the child JVM that {@link UnforcedChild} starts (internal). */
    @Option(names = UnforcedChild.MARKER, hidden = true)
    boolean unforcedChild;

    @Spec
    CommandSpec spec;

    /** The most seconds per contender and row that {@code --quick} spends. */
    private static final double QUICK_SECONDS = 0.1;
    /** Idle time before each block of runs (longer than OpenBLAS's default spin of about 0.1 s). */
    private static final long PAUSE_MS = 300;

    /** One product: batch × (M × K)·(K × N), with A or B stored transposed. */
    record Product(String name, int batch, int m, int n, int k, boolean transA, boolean transB, boolean square) {
        double flops() {
            return 2.0 * batch * m * n * k;
        }
    }

    /** Min, median and max of a figure over rounds (NaN when not measured). */
    record Spread(double min, double median, double max) {
        static final Spread NONE = new Spread(Double.NaN, Double.NaN, Double.NaN);

        static Spread of(double[] values) {
            double[] v = values.clone();
            Arrays.sort(v);
            int n = v.length;
            double median = n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
            return new Spread(v[0], median, v[n - 1]);
        }

        boolean measured() {
            return !Double.isNaN(median);
        }
    }

    /**
     * One row of the table: GFLOPS over rounds, the ratio of the medians and the range of the
     * per-round ratios (the contenders take turns, so round r of both saw similar load).
     */
    record Row(Product p, int threads, Spread tessera, Spread openblas, double ejml, Spread pairedRatio, double check) {
        double ratio() {
            return tessera.median() / openblas.median();
        }
    }

    /** For runs without the CLI: {@code java ... io.tessera.cli.bench.GemmBench --quick}. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new GemmBench()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (threads < 1 || !(seconds > 0) || rounds < 1 || Arrays.stream(sizes).anyMatch(x -> x < 1)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "bench gemm: --threads (" + threads
                    + "), --seconds (" + seconds + "), --rounds (" + rounds + ") and every --sizes entry "
                    + Arrays.toString(sizes) + " must be positive");
        }
        OpenBlas blas = noOpenblas ? null : OpenBlas.load();
        Map<String, String> forcing = UnforcedChild.forcing(System.getenv());
        out.println(blas == null ? (noOpenblas ? "openblas: skipped (--no-openblas)" : "openblas: " + OpenBlas.missingMessage())
                : "openblas: " + describe(blas));
        if (blas != null && !forcing.isEmpty() && !keepOpenblasEnv) {
            out.println("warning: " + UnforcedChild.list(forcing) + " force OpenBLAS's kernel choice in this process (core "
                    + blas.corename() + "); measuring in a child JVM with them removed, so that the ratio is against "
                    + "OpenBLAS as this machine runs it unforced (--keep-openblas-env measures the forced kernel instead)");
            out.flush();
            return UnforcedChild.run(childArgs(), forcing.keySet(), out);
        }
        printEnvironment(out, blas, forcing);
        List<Product> products = products();
        int[] counts = threads > 1 ? new int[] {1, threads} : new int[] {1};
        out.printf(Locale.ROOT, "gemm float32: %d rounds per row in which Tessera and OpenBLAS take turns (%.2f s per contender, "
                + "%.0f ms idle before each turn); per round the fastest run; GFLOPS = 2*batch*M*N*K / s as min/median/max "
                + "over rounds; ratio = median Tessera / median OpenBLAS, with the range of the per-round ratios%n",
                rounds, timed(), quick ? 0.0 : (double) PAUSE_MS);
        out.println(noEjml ? "ejml: skipped (--no-ejml)" : "ejml: 0.44 CommonOps_FDRM (1 thread), CommonOps_MT_FDRM (n threads), fastest round");
        out.flush();
        List<Row> rows = new ArrayList<>();
        for (int t : counts) {
            try (CpuBackend be = vectorBits == null ? new CpuBackend(t) : new CpuBackend(t, vectorBits)) {
                warmUp(be);
                out.printf("tessera: %s, %s, %d thread(s)%n", be.name(), SimdGemm.describe(be.simd()), be.threads());
                for (Product p : products) {
                    rows.add(measure(p, t, be, blas));
                    out.print(format(rows.getLast(), rows.size() == 1));
                    out.flush();
                }
            }
        }
        printSummary(out, products, rows, counts[counts.length - 1], blas, forcing);
        return 0;
    }

    /** "libopenblas.so.0: OpenBLAS 0.3.21 DYNAMIC_ARCH ...; core Cooperlake; 2 threads at load". */
    private static String describe(OpenBlas blas) {
        return blas.origin() + ": " + blas.config() + "; core " + blas.corename() + "; " + blas.threads()
                + " thread(s) at load (each row sets its own)";
    }

    /** Which OPENBLAS_* variables this process runs under, and whether they were removed by a parent. */
    private void printEnvironment(PrintWriter out, OpenBlas blas, Map<String, String> forcing) {
        if (blas == null) return;
        if (unforcedChild) {
            out.println("openblas environment: child JVM, " + String.join(", ", UnforcedChild.FORCING)
                    + " removed by the parent: the kernel OpenBLAS picks for this CPU");
        } else if (forcing.isEmpty()) {
            out.println("openblas environment: unforced (no " + String.join(", ", UnforcedChild.FORCING) + ")");
        } else {
            out.println("warning: " + UnforcedChild.list(forcing) + " force OpenBLAS's kernel; measured as forced "
                    + "(--keep-openblas-env): the ratio is against core " + blas.corename() + ", not the machine's own choice");
        }
        Map<String, String> others = UnforcedChild.otherOpenblasVariables(System.getenv());
        if (!others.isEmpty()) out.println("openblas environment also has " + UnforcedChild.list(others) + " (no kernel choice)");
    }

    private void printSummary(PrintWriter out, List<Product> products, List<Row> rows, int allThreads, OpenBlas blas,
                              Map<String, String> forcing) {
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
        if (blas != null) {
            out.println("against: OpenBLAS core " + blas.corename() + (unforcedChild ? " (unforced, child JVM)"
                    : forcing.isEmpty() ? " (unforced)" : " (FORCED by " + UnforcedChild.list(forcing) + ")"));
        }
        out.println(summary(rows, allThreads));
        out.flush();
    }

    /** This command's options as arguments for the child JVM (the marker is added by {@link UnforcedChild}). */
    private List<String> childArgs() {
        List<String> a = new ArrayList<>(List.of("bench", "gemm", "--threads", Integer.toString(threads),
                "--seconds", Double.toString(seconds), "--rounds", Integer.toString(rounds)));
        if (quick) a.add("--quick");
        else a.addAll(List.of("--sizes", String.join(",", Arrays.stream(sizes).mapToObj(Integer::toString).toList())));
        if (squareOnly) a.add("--square-only");
        if (noEjml) a.add("--no-ejml");
        if (vectorBits != null) a.addAll(List.of("--vector-bits", vectorBits.toString()));
        return a;
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
        int m = 148, n = 70, k = 300; // ragged in both directions: 24 whole row slivers and a 4-row edge
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
        Spread tessera, openblas = Spread.NONE, paired = Spread.NONE;
        double check = Double.NaN;
        if (blas == null) {
            tessera = gflops(p, rounds(ours)[0]);
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment na = arena.allocateFrom(ValueLayout.JAVA_FLOAT, a);
                MemorySegment nb = arena.allocateFrom(ValueLayout.JAVA_FLOAT, b);
                MemorySegment nc = arena.allocate(ValueLayout.JAVA_FLOAT, c.length);
                long sa = 4L * aRows * aCols, sb = 4L * bRows * bCols, scs = 4L * p.m() * p.n();
                blas.setThreads(t);
                if (blas.threads() != t) {
                    throw new IllegalStateException("bench gemm: openblas_set_num_threads(" + t + ") left OpenBLAS at "
                            + blas.threads() + " threads (a build with fewer MAX_THREADS?); the rows would compare unequal thread counts");
                }
                double[][] times = rounds(ours, () -> {
                    for (int i = 0; i < p.batch(); i++) {
                        blas.sgemm(p.transA(), p.transB(), p.m(), p.n(), p.k(), 1f, na.asSlice(i * sa, sa), aCols,
                                nb.asSlice(i * sb, sb), bCols, 0f, nc.asSlice(i * scs, scs), p.n());
                    }
                });
                tessera = gflops(p, times[0]);
                openblas = gflops(p, times[1]);
                double[] ratios = new double[rounds];
                for (int r = 0; r < rounds; r++) ratios[r] = times[1][r] / times[0][r];
                paired = Spread.of(ratios);
                check = relativeDifference(c, nc.toArray(ValueLayout.JAVA_FLOAT));
            }
        }
        double ejml = noEjml ? Double.NaN : gflops(p, ejml(p, t, a, b, aRows, aCols, bRows, bCols)).max();
        if (check > 1e-4) {
            throw new IllegalStateException("gemm " + p.name() + ": Tessera and OpenBLAS differ (relative "
                    + check + "); the benchmark numbers would be meaningless");
        }
        return new Row(p, t, tessera, openblas, ejml, paired, check);
    }

    private static Spread gflops(Product p, double[] seconds) {
        double[] g = new double[seconds.length];
        for (int i = 0; i < g.length; i++) g[i] = p.flops() / seconds[i] * 1e-9;
        return Spread.of(g);
    }

    private double[] ejml(Product p, int t, float[] a, float[] b, int aRows, int aCols, int bRows, int bCols) {
        FMatrixRMaj[] ma = new FMatrixRMaj[p.batch()], mb = new FMatrixRMaj[p.batch()], mc = new FMatrixRMaj[p.batch()];
        for (int i = 0; i < p.batch(); i++) {
            ma[i] = new FMatrixRMaj(aRows, aCols, true, Arrays.copyOfRange(a, i * aRows * aCols, (i + 1) * aRows * aCols));
            mb[i] = new FMatrixRMaj(bRows, bCols, true, Arrays.copyOfRange(b, i * bRows * bCols, (i + 1) * bRows * bCols));
            mc[i] = new FMatrixRMaj(p.m(), p.n());
        }
        EjmlConcurrency.setMaxThreads(t);
        return rounds(() -> {
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
     * Seconds of the fastest run of each contender in each round: times[contender][round]. The
     * contenders take turns in rounds (a block of runs each), so that load from other processes
     * falls on all of them alike; a pause precedes every block because OpenBLAS's idle threads
     * keep spinning on the cores for a while after a call and would slow whoever runs next. The
     * first round starts with a few untimed runs.
     */
    private double[][] rounds(Runnable... rs) {
        long block = (long) (timed() * 1e9) / rounds;
        double[][] times = new double[rs.length][rounds];
        for (double[] t : times) Arrays.fill(t, Double.MAX_VALUE);
        for (int round = 0; round < rounds; round++) {
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
                    times[i][round] = Math.min(times[i][round], (e - s) * 1e-9);
                    if (e - start >= block || e - s > 2 * block) break;
                }
            }
        }
        return times;
    }

    /** Timed seconds per contender and row: {@code --seconds}, capped for {@code --quick}. */
    private double timed() {
        return quick ? Math.min(seconds, QUICK_SECONDS) : seconds;
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
            sb.append(String.format(Locale.ROOT, "%-48s %7s %19s %19s %8s %17s%n", "product", "threads",
                    "tessera min/med/max", "openblas min/med/max", "ejml", "ratio (rounds)"));
        }
        String ratio = r.openblas().measured()
                ? String.format(Locale.ROOT, "%.2f (%.2f-%.2f)", r.ratio(), r.pairedRatio().min(), r.pairedRatio().max()) : "n/a";
        sb.append(String.format(Locale.ROOT, "%-48s %7d %19s %19s %8s %17s%n", r.p().name(), r.threads(),
                spread(r.tessera()), spread(r.openblas()), num(r.ejml()), ratio));
        return sb.toString();
    }

    private static String spread(Spread s) {
        return s.measured() ? num(s.min()) + "/" + num(s.median()) + "/" + num(s.max()) : "n/a";
    }

    private static String num(double gflops) {
        return Double.isNaN(gflops) ? "n/a" : String.format(Locale.ROOT, "%.1f", gflops);
    }

    /**
     * The last line: geometric mean of the median ratios Tessera/OpenBLAS over square sizes ≥ 512
     * at the largest thread count (over the smaller squares when none is that large).
     */
    static String summary(List<Row> rows, int allThreads) {
        double logSum = 0;
        int count = 0;
        boolean fallback = rows.stream().noneMatch(r -> r.p().square() && r.p().m() >= 512);
        for (Row r : rows) {
            if (!r.p().square() || r.threads() != allThreads || (!fallback && r.p().m() < 512)) continue;
            if (!r.openblas().measured()) return "gemm_vs_openblas n/a";
            logSum += Math.log(r.ratio());
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
    /**
     * The measurement again in a child JVM — the same java (from {@code java.home}), JVM flags
     * and class path, the same arguments plus {@link #MARKER} — with the variables that force
     * OpenBLAS's kernel removed from its environment, its output relayed line by line. Only the
     * child's environment changes; this process and its tests keep theirs.
     */
    static final class UnforcedChild {
        /** The hidden option that tells the child it is one (it then never spawns another). */
        static final String MARKER = "--unforced-child";
        /** Variables that pin OpenBLAS to a kernel family or its blocking (shared with the PyTorch runner). */
        static final List<String> FORCING = TorchReference.FORCING;

        private UnforcedChild() {
        }

        /** The forcing variables that {@code env} sets, in {@link #FORCING} order. */
        static Map<String, String> forcing(Map<String, String> env) {
            Map<String, String> set = new LinkedHashMap<>();
            for (String v : FORCING) if (env.get(v) != null) set.put(v, env.get(v));
            return set;
        }

        /** Other OPENBLAS_* variables (threads, verbosity), sorted by name: reported, not removed. */
        static Map<String, String> otherOpenblasVariables(Map<String, String> env) {
            Map<String, String> other = new TreeMap<>();
            env.forEach((k, v) -> {
                if (k.startsWith("OPENBLAS_") && !FORCING.contains(k)) other.put(k, v);
            });
            return other;
        }

        /** "OPENBLAS_CORETYPE=Haswell, OPENBLAS_L2_SIZE=512". */
        static String list(Map<String, String> vars) {
            List<String> parts = new ArrayList<>();
            vars.forEach((k, v) -> parts.add(k + "=" + v));
            return String.join(", ", parts);
        }

        /** Runs {@code tessera <args> --unforced-child} without {@code remove}; returns its exit code. */
        static int run(List<String> args, Collection<String> remove, PrintWriter out) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(jvmFlags(ManagementFactory.getRuntimeMXBean().getInputArguments()));
            cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
            cmd.addAll(args);
            cmd.add(MARKER);
            out.println("child JVM: " + String.join(" ", cmd.subList(0, cmd.indexOf("-cp"))) + " -cp <this class path> "
                    + String.join(" ", cmd.subList(cmd.indexOf("-cp") + 2, cmd.size())) + " (without " + String.join(", ", remove) + ")");
            out.flush();
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
            remove.forEach(pb.environment()::remove);
            Process p = pb.start();
            String last = "";
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; last = line) {
                    out.println(line);
                    out.flush();
                }
            }
            int code = p.waitFor();
            if (code != 0) {
                throw new IllegalStateException("bench gemm: the child JVM without " + String.join(", ", remove)
                        + " exited with code " + code + " (last line: " + last + ")");
            }
            return code;
        }

        /**
         * This JVM's flags for the child: module and native-access options, memory and -XX
         * settings, system properties; debugger and agent options are left out (a second JVM
         * would fight over their ports), and the Vector API module is added if missing.
         */
        static List<String> jvmFlags(List<String> input) {
            List<String> flags = new ArrayList<>();
            for (String f : input) {
                if (f.startsWith("-agentlib") || f.startsWith("-agentpath") || f.startsWith("-javaagent")
                        || f.startsWith("-Xdebug") || f.startsWith("-Xrunjdwp")) continue;
                flags.add(f);
            }
            if (flags.stream().noneMatch(f -> f.startsWith("--add-modules") && f.contains("jdk.incubator.vector"))) {
                flags.add("--add-modules=jdk.incubator.vector");
            }
            if (flags.stream().noneMatch(f -> f.startsWith("--enable-native-access"))) flags.add("--enable-native-access=ALL-UNNAMED");
            return flags;
        }
    }
}
