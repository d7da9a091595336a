package io.tessera.cli.bench;

import io.tessera.tensor.DType;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.spi.Backend;
import io.tessera.tensor.spi.UnaryOp;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code tessera bench ops}: times the CPU backend's fused kernels (LayerNorm, softmax, GELU,
 * attention forward and backward) at Vision Transformer sizes on 1 thread and on all threads,
 * and prints each rate next to the machine's limits measured in the same run (memory
 * bandwidth for the memory-bound ops, FMA peak for attention). Not a JMH benchmark: each figure
 * is the median over several timed samples after a warm-up.
 */
@Command(name = "ops", mixinStandardHelpOptions = true,
        description = "Benchmark the fused CPU kernels (LayerNorm, softmax, GELU, attention) at ViT sizes "
                + "against this machine's memory bandwidth and FMA peak.")
public final class OpsBench implements Callable<Integer> {
    @Option(names = "--threads", description = "Threads for the multi-threaded runs (default: all cores, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--quick", description = "Smaller sizes and shorter timings (a smoke run).")
    boolean quick;

    @Spec
    CommandSpec spec;

    /** A ViT shape: batch, tokens (with cls), width, heads. */
    record Vit(String name, int b, int t, int d, int h) {
        int dh() {
            return d / h;
        }
    }

    /** What a rate is measured against. */
    enum Roof { MEMORY, FMA }

    /** One timed kernel call: its label, size, the amount of work per call and the call itself. */
    record Work(String op, String size, Roof roof, double perCall, Runnable call) {
    }

    /** One result row. */
    record Row(String op, String size, int threads, double msPerCall, double rate, Roof roof, double limit, String note) {
    }

    /** Runs the benchmark on its own (outside {@code tessera bench}); the exit code is picocli's. */
    public static void main(String[] args) {
        System.exit(new CommandLine(new OpsBench()).execute(args));
    }

    @Override
    public Integer call() {
        if (threads < 1) throw new CommandLine.ParameterException(spec.commandLine(), "--threads must be at least 1, got " + threads);
        PrintWriter out = spec.commandLine().getOut();
        int[] counts = threads == 1 ? new int[] {1} : new int[] {1, threads};
        List<Vit> vits = quick
                ? List.of(new Vit("ViT-Ti/4 32px", 8, 65, 192, 3))
                : List.of(new Vit("ViT-Ti/4 32px", 64, 65, 192, 3), new Vit("ViT-B/16 224px", 8, 197, 768, 12));
        out.printf(Locale.ROOT, "bench ops: %s, %d core(s) available, JVM %s, load average %s%n", quick ? "quick" : "full",
                Runtime.getRuntime().availableProcessors(), Runtime.version(), loadAverage());
        MachineLimits.Limits[] limits = new MachineLimits.Limits[counts.length];
        for (int i = 0; i < counts.length; i++) {
            limits[i] = MachineLimits.measure(counts[i], quick);
            out.printf(Locale.ROOT, "limits, %d thread(s): copy %.1f GB/s, triad %.1f GB/s, FMA peak %.1f GFLOPS (f32, %d-bit vectors)%n",
                    counts[i], limits[i].copyGBs(), limits[i].triadGBs(), limits[i].fmaGflops(), limits[i].vectorBits());
        }
        out.flush();
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            try (CpuBackend be = new CpuBackend(counts[i])) {
                for (Vit v : vits) {
                    for (Work w : workloads(be, v)) rows.add(time(w, counts[i], limits[i]));
                }
            }
        }
        print(out, rows);
        out.printf(Locale.ROOT, "load average at the end: %s%n", loadAverage());
        out.printf(Locale.ROOT, "%nmethod: each time is the median of %d samples, each sample ≥ %d ms of back-to-back calls after a warm-up%n"
                        + "that runs until the JIT is idle and the time per call stops improving;%n"
                        + "memory-bound rows count the bytes of every tensor read and written once (GB/s = 1e9 B/s) and compare with the%n"
                        + "triad bandwidth on the same thread count (working sets that fit in cache may exceed it); attention counts%n"
                        + "4·B·H·T·S·Dh flops forward and 8·B·H·T·S·Dh backward against the FMA peak. Limits: best of several runs.%n",
                samples(), (int) (sampleSeconds() * 1000));
        return 0;
    }

    /** The 1-minute system load average (a busy machine makes every figure pessimistic), or "n/a". */
    private static String loadAverage() {
        double l = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return l < 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", l);
    }

    private int samples() {
        return quick ? 3 : 9;
    }

    private double sampleSeconds() {
        return quick ? 0.005 : 0.03;
    }

    // ---- workloads --------------------------------------------------------------------------

    private static Tensor randn(Backend be, long seed, int... dims) {
        Shape s = Shape.of(dims);
        Rng rng = new Rng(seed);
        float[] d = new float[s.size()];
        for (int i = 0; i < d.length; i++) d[i] = (float) rng.nextGaussian();
        Tensor t = new Tensor(be, s, DType.F32, be.allocate(DType.F32, s.size(), false), 0);
        be.write(t, d);
        return t;
    }

    private static Tensor zeros(Backend be, int... dims) {
        Shape s = Shape.of(dims);
        return new Tensor(be, s, DType.F32, be.allocate(DType.F32, s.size(), true), 0);
    }

    private static List<Work> workloads(Backend be, Vit v) {
        List<Work> w = new ArrayList<>();
        int n = v.b() * v.t(), d = v.d();
        String tag = " " + v.name();
        // LayerNorm on the residual stream x: (B·T, D)
        Tensor x = randn(be, 1, n, d), y = zeros(be, n, d), wt = randn(be, 2, d), bs = randn(be, 3, d);
        Tensor mean = zeros(be, n), rstd = zeros(be, n), dy = randn(be, 4, n, d), dx = zeros(be, n, d);
        Tensor dw = zeros(be, d), db = zeros(be, d);
        String lnSize = "N=" + n + " D=" + d + tag;
        w.add(new Work("layerNorm fwd", lnSize, Roof.MEMORY, 4.0 * (2L * n * d + 2L * d + 2L * n),
                () -> be.layerNorm(y, mean, rstd, x, wt, bs, 1e-6)));
        be.layerNorm(y, mean, rstd, x, wt, bs, 1e-6);
        w.add(new Work("layerNorm bwd", lnSize, Roof.MEMORY, 4.0 * (4L * n * d + 5L * d + 2L * n),
                () -> be.layerNormBackward(dx, dw, db, dy, x, wt, mean, rstd)));
        // softmax over attention scores: (B·H·T, T)
        int rows = v.b() * v.h() * v.t();
        Tensor s = randn(be, 5, rows, v.t()), p = zeros(be, rows, v.t()), dp = randn(be, 6, rows, v.t()), ds = zeros(be, rows, v.t());
        String smSize = "N=" + rows + " D=" + v.t() + tag;
        w.add(new Work("softmax fwd", smSize, Roof.MEMORY, 4.0 * 2 * rows * v.t(), () -> be.softmax(p, s)));
        be.softmax(p, s);
        w.add(new Work("softmax bwd", smSize, Roof.MEMORY, 4.0 * 4 * rows * v.t(), () -> be.softmaxBackward(ds, dp, p)));
        // GELU on the MLP hidden layer: (B·T, 4D)
        Tensor hIn = randn(be, 7, n, 4 * d), hOut = zeros(be, n, 4 * d);
        w.add(new Work("gelu fwd", "N=" + n + " D=" + 4 * d + tag, Roof.MEMORY, 4.0 * 2 * n * 4 * d,
                () -> be.unary(UnaryOp.GELU, hOut, hIn)));
        // attention per head: q, k, v (B, H, T, Dh)
        int dh = v.dh();
        Tensor q = randn(be, 8, v.b(), v.h(), v.t(), dh), k = randn(be, 9, v.b(), v.h(), v.t(), dh), vv = randn(be, 10, v.b(), v.h(), v.t(), dh);
        Tensor o = zeros(be, v.b(), v.h(), v.t(), dh), probs = zeros(be, v.b(), v.h(), v.t(), v.t());
        Tensor dout = randn(be, 11, v.b(), v.h(), v.t(), dh);
        Tensor dq = zeros(be, v.b(), v.h(), v.t(), dh), dk = zeros(be, v.b(), v.h(), v.t(), dh), dv = zeros(be, v.b(), v.h(), v.t(), dh);
        double scale = 1 / Math.sqrt(dh), pairs = (double) v.b() * v.h() * v.t() * v.t() * dh;
        String atSize = "B=" + v.b() + " H=" + v.h() + " T=S=" + v.t() + " Dh=" + dh + tag;
        w.add(new Work("attention fwd", atSize, Roof.FMA, 4 * pairs, () -> be.attention(o, probs, q, k, vv, scale)));
        be.attention(o, probs, q, k, vv, scale);
        w.add(new Work("attention bwd", atSize, Roof.FMA, 8 * pairs, () -> be.attentionBackward(dq, dk, dv, dout, q, k, vv, probs, scale)));
        return w;
    }

    // ---- timing -----------------------------------------------------------------------------

    private Row time(Work w, int threadCount, MachineLimits.Limits lim) {
        double limit = w.roof() == Roof.MEMORY ? lim.triadGBs() : lim.fmaGflops();
        try {
            w.call().run();
        } catch (UnsupportedOperationException e) {
            return new Row(w.op(), w.size(), threadCount, Double.NaN, Double.NaN, w.roof(), limit, "kernel not in this build");
        }
        double perCall = warmUp(w);
        int batch = (int) Math.max(1, Math.ceil(sampleSeconds() / Math.max(perCall, 1e-9)));
        double[] sample = new double[samples()];
        for (int i = 0; i < sample.length; i++) {
            long s = System.nanoTime();
            for (int c = 0; c < batch; c++) w.call().run();
            sample[i] = (System.nanoTime() - s) * 1e-9 / batch;
        }
        Arrays.sort(sample);
        double median = sample[sample.length / 2];
        return new Row(w.op(), w.size(), threadCount, median * 1e3, w.perCall() / median / 1e9, w.roof(), limit, "");
    }

    /**
     * Calls the kernel in windows of at least {@code window} seconds until a window passes in
     * which the JIT compiled nothing and which was no more than 3% faster than the best before
     * it (on a busy machine the compiler threads can take seconds to finish a kernel), at most
     * {@code limit} seconds in all. Returns the last window's seconds per call.
     */
    private double warmUp(Work w) {
        java.lang.management.CompilationMXBean jit = java.lang.management.ManagementFactory.getCompilationMXBean();
        boolean jitTimes = jit != null && jit.isCompilationTimeMonitoringSupported();
        double window = quick ? 0.1 : 0.25, limit = quick ? 5 : 15, best = Double.MAX_VALUE, last;
        long end = System.nanoTime() + (long) (limit * 1e9);
        do {
            long compiled = jitTimes ? jit.getTotalCompilationTime() : 0;
            int calls = 0;
            long t0 = System.nanoTime(), stop = t0 + (long) (window * 1e9);
            do {
                w.call().run();
                calls++;
            } while (System.nanoTime() < stop || calls < 2);
            last = (System.nanoTime() - t0) * 1e-9 / calls;
            boolean jitIdle = !jitTimes || jit.getTotalCompilationTime() == compiled;
            if (jitIdle && last > 0.97 * best) break;
            best = Math.min(best, last);
        } while (System.nanoTime() < end);
        return last;
    }

    private static void print(PrintWriter out, List<Row> rows) {
        int opW = "op".length(), sizeW = "size".length();
        for (Row r : rows) {
            opW = Math.max(opW, r.op().length());
            sizeW = Math.max(sizeW, r.size().length());
        }
        String fmt = "%-" + opW + "s  %-" + sizeW + "s  %3s  %10s  %14s  %14s  %8s%n";
        out.println();
        out.printf(Locale.ROOT, fmt, "op", "size", "thr", "ms/call", "rate", "limit", "of limit");
        for (Row r : rows) {
            String unit = r.roof() == Roof.MEMORY ? " GB/s" : " GFLOPS";
            if (!r.note().isEmpty()) {
                out.printf(Locale.ROOT, fmt, r.op(), r.size(), r.threads(), "-", r.note(), String.format(Locale.ROOT, "%.1f", r.limit()) + unit, "-");
                continue;
            }
            out.printf(Locale.ROOT, fmt, r.op(), r.size(), r.threads(), String.format(Locale.ROOT, "%.3f", r.msPerCall()),
                    String.format(Locale.ROOT, "%.1f", r.rate()) + unit, String.format(Locale.ROOT, "%.1f", r.limit()) + unit,
                    String.format(Locale.ROOT, "%.0f%%", 100 * r.rate() / r.limit()));
        }
        out.flush();
    }
}
