package io.tessera.cli.bench;

import io.tessera.gpu.mpi.MpiCollective;
import io.tessera.nn.checkpoint.Json;
import io.tessera.tensor.DType;
import io.tessera.tensor.dist.LaunchEnvironment;
import io.tessera.tensor.io.AtomicFiles;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * {@code tessera bench allreduce}: the in-place sum of a float32 gradient over the processes of an
 * MPI job, through Tessera's {@link io.tessera.tensor.dist.Collective} path as the trainer calls it
 * (a heap {@code float[]} staged through the group's native buffer) and, in the same run,
 * interleaved call by call, the engine's own figure: {@code MPI_Allreduce} on a native segment
 * with nothing staged ({@link MpiCollective#timeAllReduceSum}). Bandwidths follow nccl-tests:
 * algbw = bytes / time, busbw = algbw · 2(W − 1)/W. Ends with {@code allreduce_vs_mpi <ratio>}:
 * MPI's time over Tessera's at the largest size (1: no overhead; below 1: the staging costs).
 */
@Command(name = "allreduce", mixinStandardHelpOptions = true,
        description = {"Time the all-reduce (sum, F32, in place) of a ViT-B-sized gradient among the processes of an MPI job, through Tessera's",
                "Collective (heap float[], staged) and as raw MPI_Allreduce on a native segment, interleaved in one run. Start it under",
                "mpirun -np W (W ≥ 2); rank 0 prints median and p90 per call (the slowest rank's time of each call, after a barrier),",
                "algbw and busbw = algbw·2(W−1)/W, and last: allreduce_vs_mpi <ratio> (MPI's time / Tessera's at the largest size).",
                "Example: mpirun -np 2 java … io.tessera.cli.Main bench allreduce --iters 20"})
public final class AllReduceBench implements Callable<Integer> {
    /** The trainable parameters of ViT-B/16 at 224 px with a 1000-class head (timm's vit_base_patch16_224): the gradient one step reduces. */
    static final long VIT_B_ELEMENTS = 86_567_656L;
    /** The reduced values the output shows per path, for a reader (or a test) to check. */
    private static final int SHOWN = 8;
    /** Period of the verification pattern; keeps every sum an exact small float. */
    private static final int PERIOD = 1021;

    @Option(names = "--elements", description = "Floats to reduce (default " + VIT_B_ELEMENTS + ", ViT-B/16's parameters).")
    long elements = VIT_B_ELEMENTS;

    @Option(names = "--sizes", split = ",", paramLabel = "N,N,…", description = "A sweep of element counts instead of --elements, e.g. 1024,1048576,16777216,86567656.")
    List<Long> sizes;

    @Option(names = "--iters", defaultValue = "20", description = "Timed calls per path and size (default ${DEFAULT-VALUE}).")
    int iters;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed calls per path and size first (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the figures as JSON (schema tessera.bench.allreduce/1), atomically, from rank 0.")
    Path json;

    /** One path's figures at one size; times in milliseconds, bandwidths in GB/s (1e9 bytes). */
    record Timing(double medianMs, double p90Ms, double minMs, double algbw, double busbw, float[] firstValues) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("median_ms", medianMs);
            m.put("p90_ms", p90Ms);
            m.put("min_ms", minMs);
            m.put("algbw_gbs", algbw);
            m.put("busbw_gbs", busbw);
            double[] first = new double[firstValues.length];
            for (int i = 0; i < first.length; i++) first[i] = firstValues[i];
            m.put("first_values", first);
            return m;
        }
    }

    /** Both paths at one size. */
    record Row(long elements, Timing tessera, Timing mpi) {
        /** MPI's median time over Tessera's. */
        double ratio() {
            return mpi.medianMs() / tessera.medianMs();
        }
    }

    @Override
    public Integer call() throws Exception {
        List<Long> counts = sizes != null && !sizes.isEmpty() ? sizes : List.of(elements);
        for (long n : counts) {
            if (n < 1 || n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("an all-reduce size is 1 to " + (Integer.MAX_VALUE - 8) + " floats (one Java array), got " + n);
        }
        if (iters < 1 || warmup < 0) throw new IllegalArgumentException("--iters must be ≥ 1 and --warmup ≥ 0, got " + iters + " and " + warmup);
        Map<String, String> environment = System.getenv();
        LaunchEnvironment env = LaunchEnvironment.fromEnvironment(environment);
        if (!env.distributed()) {
            throw new IllegalArgumentException("bench allreduce measures an all-reduce among processes and needs at least 2 ranks; this is a " + env
                    + ": start it with mpirun -np 2 (or more) java … io.tessera.cli.Main bench allreduce");
        }
        if (env.launcher() == LaunchEnvironment.Launcher.TORCHRUN) {
            throw new IllegalArgumentException("torchrun started this process, but bench allreduce measures MPI: start it with mpirun -np " + env.worldSize());
        }
        try (MpiCollective world = MpiCollective.open()) {
            boolean writer = world.rank() == 0;
            String transport = transport(environment, world.worldSize());
            if (writer) {
                System.out.printf(Locale.ROOT, "all-reduce (sum, F32, in place) among %d processes (%s): %s; transport: %s%n", world.worldSize(),
                        env.launcher().name().toLowerCase(Locale.ROOT), world.libraryVersion(), transport);
                System.out.printf(Locale.ROOT, "per call: median and p90 of %d calls after %d warm-up calls, each call's time the slowest rank's, each after a barrier; "
                        + "bandwidths from the median, busbw = algbw·2(W−1)/W (nccl-tests)%n", iters, warmup);
                System.out.printf(Locale.ROOT, "%11s %10s | %-44s | %-44s | %s%n", "elements", "bytes", "tessera: Collective, heap float[] (staged)",
                        "mpi: MPI_Allreduce, native segment", "mpi/tessera");
            }
            List<Row> rows = new ArrayList<>();
            for (long n : counts) {
                Row r = measure(world, (int) n);
                rows.add(r);
                if (writer) {
                    System.out.printf(Locale.ROOT, "%11d %7.1f MB | %s | %s | %.3f%n", n, n * 4e-6, cells(r.tessera()), cells(r.mpi()), r.ratio());
                }
            }
            Row last = rows.stream().max((a, b) -> Long.compare(a.elements(), b.elements())).orElseThrow();
            if (writer) {
                System.out.println("verified: both paths' sums equal Σ over ranks on every element of every size (first values of the largest: "
                        + values(last.tessera().firstValues()) + ")");
                if (json != null) AtomicFiles.writeString(json, Json.write(toJson(world, env, transport, rows)) + "\n");
                System.out.printf(Locale.ROOT, "allreduce_vs_mpi %.3f%n", last.ratio());
            }
        }
        return 0;
    }

    /**
     * Both paths at {@code n} floats: each is first checked on a known pattern (rank r holds
     * (i mod 1021) + (r + 1)/4, exact in float), then timed on zeros (a sum of zeros stays zero),
     * alternating which path goes first from call to call so that both see the same machine.
     */
    private Row measure(MpiCollective world, int n) {
        int rank = world.rank(), w = world.worldSize();
        float[] heap = new float[n];
        try (Arena arena = Arena.ofShared()) {
            MemorySegment seg = arena.allocate((long) n * Float.BYTES, 64);
            fill(heap, rank);
            world.allReduceSum(heap, 0, n);
            float[] oursFirst = verify(world, "tessera", i -> heap[i], n);
            for (int i = 0; i < n; i++) seg.setAtIndex(JAVA_FLOAT, i, pattern(i, rank));
            world.timeAllReduceSum(seg, DType.F32, 0, 1);
            float[] mpiFirst = verify(world, "mpi", i -> seg.getAtIndex(JAVA_FLOAT, i), n);
            Arrays.fill(heap, 0f);
            seg.fill((byte) 0);
            long[] ours = new long[iters], raw = new long[iters];
            for (int i = -warmup; i < iters; i++) {
                long a, b;
                if ((i & 1) == 0) {
                    a = timeCollective(world, heap);
                    b = world.timeAllReduceSum(seg, DType.F32, 0, 1)[0];
                } else {
                    b = world.timeAllReduceSum(seg, DType.F32, 0, 1)[0];
                    a = timeCollective(world, heap);
                }
                if (i >= 0) {
                    ours[i] = a;
                    raw[i] = b;
                }
            }
            long bytes = (long) n * Float.BYTES;
            return new Row(n, timing(world, ours, bytes, w, oursFirst), timing(world, raw, bytes, w, mpiFirst));
        }
    }

    private static long timeCollective(MpiCollective world, float[] heap) {
        world.barrier();
        long t0 = System.nanoTime();
        world.allReduceSum(heap, 0, heap.length);
        return System.nanoTime() - t0;
    }

    private static float pattern(int i, int rank) {
        return (i % PERIOD) + (rank + 1) / 4f;
    }

    private static void fill(float[] a, int rank) {
        for (int i = 0; i < a.length; i++) a[i] = pattern(i, rank);
    }

    private interface FloatAt {
        float at(int i);
    }

    /**
     * Every element against W·(i mod 1021) + W(W + 1)/8; the count of wrong elements is summed over
     * the ranks, so every rank fails together (none is left waiting in the next call).
     */
    private static float[] verify(MpiCollective world, String path, FloatAt reduced, int n) {
        int w = world.worldSize();
        float offset = w * (w + 1) / 8f;
        long wrong = 0;
        String first = null;
        for (int i = 0; i < n; i++) {
            float want = (float) w * (i % PERIOD) + offset, got = reduced.at(i);
            if (got != want) {
                if (first == null) first = "element " + i + " is " + got + ", expected " + want;
                wrong++;
            }
        }
        double[] total = {wrong};
        world.allReduceSum(total, 0, 1);
        if (total[0] != 0) {
            throw new IllegalStateException(String.format(Locale.ROOT, "the %s all-reduce of %d floats is wrong on %.0f elements over the ranks%s", path, n, total[0],
                    first == null ? "" : " (on rank " + world.rank() + ": " + first + ")"));
        }
        float[] shown = new float[Math.min(SHOWN, n)];
        for (int i = 0; i < shown.length; i++) shown[i] = reduced.at(i);
        return shown;
    }

    /** Each call's time is the slowest rank's (every rank's times summed into its own slot of one buffer), then median and p90. */
    private Timing timing(MpiCollective world, long[] nanos, long bytes, int w, float[] first) {
        double[] all = new double[w * iters];
        for (int i = 0; i < iters; i++) all[world.rank() * iters + i] = nanos[i];
        world.allReduceSum(all, 0, all.length);
        Histogram h = new Histogram(3_600_000_000_000L, 3);
        for (int i = 0; i < iters; i++) {
            double slowest = 0;
            for (int r = 0; r < w; r++) slowest = Math.max(slowest, all[r * iters + i]);
            h.recordValue(Math.max(1, (long) slowest));
        }
        double median = h.getValueAtPercentile(50) / 1e6, p90 = h.getValueAtPercentile(90) / 1e6, min = h.getMinValue() / 1e6;
        double algbw = bytes / (median / 1e3) / 1e9;
        return new Timing(median, p90, min, algbw, algbw * 2.0 * (w - 1) / w, first);
    }

    private static String cells(Timing t) {
        return String.format(Locale.ROOT, "%9.3f ms p90 %9.3f  %6.2f / %6.2f GB/s", t.medianMs(), t.p90Ms(), t.algbw(), t.busbw());
    }

    private static String values(float[] v) {
        StringBuilder b = new StringBuilder();
        for (float x : v) b.append(b.isEmpty() ? "" : ", ").append(x);
        return b.toString();
    }

    /**
     * What Open MPI was told to use: every parameter of its point-to-point and collective layers
     * (pml, btl, mtl, coll) that the environment sets (mpirun's {@code --mca btl self,vader} arrives
     * as {@code OMPI_MCA_btl}), else its own choice; and whether every rank runs on one node.
     */
    static String transport(Map<String, String> env, int worldSize) {
        List<String> parts = new ArrayList<>();
        for (String k : new java.util.TreeSet<>(env.keySet())) {
            if (!k.startsWith("OMPI_MCA_")) continue;
            String name = k.substring("OMPI_MCA_".length()), v = env.get(k);
            boolean layer = name.equals("pml") || name.equals("btl") || name.equals("mtl") || name.equals("coll")
                    || name.startsWith("pml_") || name.startsWith("btl_") || name.startsWith("mtl_") || name.startsWith("coll_");
            if (layer && v != null && !v.isBlank()) parts.add(name + "=" + v.strip());
        }
        String chosen = parts.isEmpty() ? "Open MPI's own choice (no pml, btl, mtl or coll parameter set)" : "--mca " + String.join(", ", parts);
        String local = env.get("OMPI_COMM_WORLD_LOCAL_SIZE");
        if (local != null && local.strip().equals(String.valueOf(worldSize))) chosen += "; all " + worldSize + " ranks on one node";
        else if (local != null && !local.isBlank()) chosen += "; " + local.strip() + " of " + worldSize + " ranks on this node";
        return chosen;
    }

    private Map<String, Object> toJson(MpiCollective world, LaunchEnvironment env, String transport, List<Row> rows) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("schema", "tessera.bench.allreduce/1");
        m.put("operation", "allreduce sum, in place");
        m.put("dtype", "F32");
        m.put("library", world.libraryVersion());
        m.put("launcher", env.launcher().name().toLowerCase(Locale.ROOT));
        m.put("world_size", (long) world.worldSize());
        m.put("transport", transport);
        m.put("warmup", (long) warmup);
        m.put("iters", (long) iters);
        m.put("time_rule", "per call the slowest rank's time, each call after a barrier; median and p90 over iters");
        m.put("busbw_rule", "algbw * 2 (W - 1) / W");
        m.put("verification", "rank r holds (i mod " + PERIOD + ") + (r + 1) / 4; every element of both paths' sums compared exactly");
        List<Object> rs = new ArrayList<>();
        for (Row r : rows) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("elements", r.elements());
            x.put("bytes", r.elements() * Float.BYTES);
            x.put("tessera", r.tessera().toMap());
            x.put("mpi", r.mpi().toMap());
            x.put("allreduce_vs_mpi", r.ratio());
            rs.add(x);
        }
        m.put("results", rs);
        return m;
    }
}
