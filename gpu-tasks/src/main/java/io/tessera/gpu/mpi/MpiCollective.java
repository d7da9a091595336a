/*
 * The Collective of the processes an MPI launcher (mpirun, srun) started: MPI_COMM_WORLD of Open
 * MPI, called through FFM (Mpi). Every MPI call, MPI_Init_thread and MPI_Finalize included, runs on
 * one daemon thread (MPI_THREAD_FUNNELED), and the caller waits for it at most the group's timeout:
 * a peer that stopped or died cannot hang the caller forever. After a timeout the group is
 * unusable and the job should end.
 */
package io.tessera.gpu.mpi;

import io.tessera.gpu.GpuUnavailableException;
import io.tessera.tensor.DType;
import io.tessera.tensor.dist.Collective;
import io.tessera.tensor.dist.CollectiveChecks;
import io.tessera.tensor.dist.CollectiveTimeoutException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * MPI_COMM_WORLD as a {@link Collective}. Open it once per process (MPI allows one initialisation)
 * with {@link #open}, use it from any thread (calls are serialised), and close it before the
 * process ends (MPI_Finalize; a rank that exits without it makes mpirun fail the job).
 *
 * <p>Heap arrays are staged through one native buffer that the group owns; a native segment that
 * is aligned and reachable from the MPI thread is handed to MPI as it is. A sum over more than
 * 2³¹ − 1 elements is split into several MPI calls (MPI's count is a C int).
 */
public final class MpiCollective implements Collective {
    /** The default wait for one collective: ten minutes, as long as a slow peer may reasonably lag (a checkpoint write). */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    /** The most elements one MPI call moves. */
    private static final int MAX_COUNT = Integer.MAX_VALUE;
    private static final AtomicBoolean INITIALISED = new AtomicBoolean();

    private final Mpi mpi;
    private final ExecutorService executor;
    private final Thread mpiThread;
    private final Duration timeout;
    private final int rank, worldSize;
    private final String version;
    private final Arena stagingArena = Arena.ofShared();
    private MemorySegment staging;
    /** Why the group can no longer be used (a call timed out or was interrupted), or null. */
    private String broken;
    private boolean closed;

    private MpiCollective(Mpi mpi, ExecutorService executor, Thread mpiThread, Duration timeout, int rank, int worldSize, String version) {
        this.mpi = mpi;
        this.executor = executor;
        this.mpiThread = mpiThread;
        this.timeout = timeout;
        this.rank = rank;
        this.worldSize = worldSize;
        this.version = version;
        this.staging = stagingArena.allocate(64, 64);
    }

    /** {@link #open(Optional, Duration)} with libmpi found by soname and {@link #DEFAULT_TIMEOUT}. */
    public static MpiCollective open() {
        return open(Optional.empty(), DEFAULT_TIMEOUT);
    }

    /** {@link #open(Optional, Duration)} with libmpi found by soname. */
    public static MpiCollective open(Duration timeout) {
        return open(Optional.empty(), timeout);
    }

    /**
     * Loads Open MPI, initialises it (MPI_Init_thread at MPI_THREAD_FUNNELED, on the group's own
     * thread), makes errors on MPI_COMM_WORLD return instead of aborting (MPI_ERRORS_RETURN), and
     * reads this process's rank and the world size.
     *
     * @param library an explicit libmpi path; empty: libmpi.so.40 by soname, then the usual places
     * @param timeout the longest any one call (initialisation included) may block
     * @throws GpuUnavailableException     when libmpi is absent or not Open MPI, or lacks MPI_THREAD_FUNNELED
     * @throws IllegalStateException       when MPI was already initialised in this process
     * @throws CollectiveTimeoutException  when initialisation does not complete in {@code timeout}
     * @throws io.tessera.gpu.NativeException when an MPI call fails, naming its error class
     */
    public static MpiCollective open(Optional<Path> library, Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("an MPI timeout is positive, got " + timeout);
        Mpi mpi = Mpi.load(library);
        if (!INITIALISED.compareAndSet(false, true)) {
            throw new IllegalStateException("MPI was already initialised in this process and allows it once: share the one MpiCollective");
        }
        AtomicReference<Thread> thread = new AtomicReference<>();
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = Thread.ofPlatform().daemon().name("tessera-mpi").unstarted(r);
            thread.set(t);
            return t;
        });
        int[] world = await(executor, timeout, "MPI_Init_thread", "initialisation",
                "are all ranks started by the same mpirun or srun, and can they reach each other?", null, () -> {
                    if (mpi.initialized()) {
                        throw new IllegalStateException("MPI was already initialised in this process by other code; MpiCollective must initialise it");
                    }
                    int provided = mpi.initThread(Mpi.MPI_THREAD_FUNNELED);
                    if (provided < Mpi.MPI_THREAD_FUNNELED) {
                        mpi.finalizeMpi();
                        throw new GpuUnavailableException(Mpi.RUNTIME, "this MPI library provides thread level " + provided
                                + ", below MPI_THREAD_FUNNELED; MPI calls from a JVM need at least that");
                    }
                    mpi.returnErrorsOnWorld();
                    return new int[] {mpi.worldRank(), mpi.worldSize()};
                });
        String version = await(executor, timeout, "MPI_Get_library_version", "", "", null, mpi::libraryVersion);
        return new MpiCollective(mpi, executor, thread.get(), timeout, world[0], world[1], version);
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    /** The longest one call may block. */
    public Duration timeout() {
        return timeout;
    }

    /** The MPI library's version line, e.g. "Open MPI v4.1.4, package: Debian OpenMPI, ...". */
    public String libraryVersion() {
        return version;
    }

    // ---- collectives ---------------------------------------------------------------------------

    @Override
    public synchronized void allReduceSum(float[] data, int offset, int length) {
        usable("allReduceSum");
        CollectiveChecks.span("allReduceSum", data.length, offset, length);
        MemorySegment s = stage((long) length * Float.BYTES);
        MemorySegment.copy(data, offset, s, JAVA_FLOAT, 0, length);
        reduce(s, length, DType.F32);
        MemorySegment.copy(s, JAVA_FLOAT, 0, data, offset, length);
    }

    @Override
    public synchronized void allReduceSum(double[] data, int offset, int length) {
        usable("allReduceSum");
        CollectiveChecks.span("allReduceSum", data.length, offset, length);
        MemorySegment s = stage((long) length * Double.BYTES);
        MemorySegment.copy(data, offset, s, JAVA_DOUBLE, 0, length);
        reduce(s, length, DType.F64);
        MemorySegment.copy(s, JAVA_DOUBLE, 0, data, offset, length);
    }

    @Override
    public synchronized void allReduceSum(MemorySegment data, DType dtype) {
        usable("allReduceSum");
        long n = CollectiveChecks.elements("allReduceSum", data, dtype);
        if (direct(data, dtype)) {
            reduce(data, n, dtype);
        } else {
            MemorySegment s = stage(data.byteSize());
            s.copyFrom(data);
            reduce(s, n, dtype);
            data.copyFrom(s);
        }
    }

    /**
     * The engine's own figure, for benchmarks: on the MPI thread, {@code warmup} untimed and then
     * {@code iters} timed calls of {@code MPI_Allreduce(MPI_IN_PLACE, data, n, type, MPI_SUM,
     * MPI_COMM_WORLD)} on {@code data} as it is, each after an untimed MPI_Barrier. Nothing is
     * staged and no call crosses threads inside the timed span; the whole loop runs under the
     * group's timeout. Collective: every rank calls it with the same length, dtype and counts.
     *
     * @param data read and written: a native F32 or F64 segment, aligned to its element
     * @return the nanoseconds of each timed call on this rank, in order
     * @throws IllegalArgumentException for a heap or misaligned segment, or negative counts
     */
    public synchronized long[] timeAllReduceSum(MemorySegment data, DType dtype, int warmup, int iters) {
        usable("timeAllReduceSum");
        long n = CollectiveChecks.elements("timeAllReduceSum", data, dtype);
        if (warmup < 0 || iters < 1) throw new IllegalArgumentException("timeAllReduceSum: warmup ≥ 0 and iters ≥ 1, got " + warmup + " and " + iters);
        if (!direct(data, dtype)) {
            throw new IllegalArgumentException("timeAllReduceSum times MPI on a native segment aligned to " + dtype.byteSize() + " bytes and shared with the MPI thread");
        }
        String what = (warmup + iters) + " × " + n + " " + dtype + " elements";
        return call("MPI_Allreduce", what, () -> {
            MemorySegment type = mpi.datatype(dtype == DType.F64);
            long[] nanos = new long[iters];
            for (int i = -warmup; i < iters; i++) {
                mpi.barrier();
                long t0 = System.nanoTime();
                forEachChunk(data, n, dtype, (chunk, c) -> mpi.allReduceSum(chunk, c, type, what));
                long t = System.nanoTime() - t0;
                if (i >= 0) nanos[i] = t;
            }
            return nanos;
        });
    }

    @Override
    public synchronized void broadcast(float[] data, int offset, int length, int root) {
        usable("broadcast");
        CollectiveChecks.span("broadcast", data.length, offset, length);
        CollectiveChecks.root("broadcast", root, worldSize);
        MemorySegment s = stage((long) length * Float.BYTES);
        if (rank == root) MemorySegment.copy(data, offset, s, JAVA_FLOAT, 0, length);
        bcast(s, length, DType.F32, root);
        if (rank != root) MemorySegment.copy(s, JAVA_FLOAT, 0, data, offset, length);
    }

    @Override
    public synchronized void broadcast(double[] data, int offset, int length, int root) {
        usable("broadcast");
        CollectiveChecks.span("broadcast", data.length, offset, length);
        CollectiveChecks.root("broadcast", root, worldSize);
        MemorySegment s = stage((long) length * Double.BYTES);
        if (rank == root) MemorySegment.copy(data, offset, s, JAVA_DOUBLE, 0, length);
        bcast(s, length, DType.F64, root);
        if (rank != root) MemorySegment.copy(s, JAVA_DOUBLE, 0, data, offset, length);
    }

    @Override
    public synchronized void broadcast(MemorySegment data, DType dtype, int root) {
        usable("broadcast");
        long n = CollectiveChecks.elements("broadcast", data, dtype);
        CollectiveChecks.root("broadcast", root, worldSize);
        if (direct(data, dtype)) {
            bcast(data, n, dtype, root);
        } else {
            MemorySegment s = stage(data.byteSize());
            if (rank == root) s.copyFrom(data);
            bcast(s, n, dtype, root);
            if (rank != root) data.copyFrom(s);
        }
    }

    @Override
    public synchronized void barrier() {
        usable("barrier");
        call("MPI_Barrier", "", () -> {
            mpi.barrier();
            return null;
        });
    }

    /**
     * MPI_Finalize on the group's thread, then that thread ends. After a timeout the group skips
     * MPI_Finalize (it would block behind the stuck call) and leaves its buffer to the process's end.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (broken != null) {
            executor.shutdownNow();
            return;
        }
        try {
            call("MPI_Finalize", "", () -> {
                mpi.finalizeMpi();
                return null;
            });
        } finally {
            executor.shutdown();
            if (broken == null) stagingArena.close();
        }
    }

    /** Runs {@code body} with the binding on the MPI thread, under the group's timeout (for tests of the binding's error path). */
    synchronized <T> T onMpiThread(String call, Function<Mpi, T> body) {
        usable(call);
        return call(call, "", () -> body.apply(mpi));
    }

    // ---- the MPI thread ------------------------------------------------------------------------

    private void reduce(MemorySegment buffer, long count, DType dtype) {
        String what = count + " " + dtype + " elements";
        call("MPI_Allreduce", what, () -> {
            forEachChunk(buffer, count, dtype, (chunk, c) -> mpi.allReduceSum(chunk, c, mpi.datatype(dtype == DType.F64), what));
            return null;
        });
    }

    private void bcast(MemorySegment buffer, long count, DType dtype, int root) {
        String what = count + " " + dtype + " elements from rank " + root;
        call("MPI_Bcast", what, () -> {
            forEachChunk(buffer, count, dtype, (chunk, c) -> mpi.broadcast(chunk, c, mpi.datatype(dtype == DType.F64), root, what));
            return null;
        });
    }

    private interface ChunkCall {
        void run(MemorySegment chunk, int count);
    }

    /** One MPI call per run of at most MAX_COUNT elements; one call with count 0 for an empty buffer. */
    private static void forEachChunk(MemorySegment buffer, long count, DType dtype, ChunkCall body) {
        long es = dtype.byteSize(), done = 0;
        do {
            int c = (int) Math.min(MAX_COUNT, count - done);
            body.run(buffer.asSlice(done * es, c * es), c);
            done += c;
        } while (done < count);
    }

    /** Whether a segment can go to MPI as it is: native, aligned to its element, and reachable from the MPI thread. */
    private boolean direct(MemorySegment data, DType dtype) {
        return data.isNative() && data.address() % dtype.byteSize() == 0 && data.isAccessibleBy(mpiThread);
    }

    /** The staging buffer, grown (never shrunk) to at least {@code bytes}. */
    private MemorySegment stage(long bytes) {
        if (staging.byteSize() < bytes) staging = stagingArena.allocate(Math.max(bytes, 2 * staging.byteSize()), 64);
        return staging.asSlice(0, bytes);
    }

    private void usable(String op) {
        if (closed) throw new IllegalStateException(op + ": the MPI collective is closed");
        if (broken != null) throw new IllegalStateException(op + ": the MPI collective is unusable since " + broken);
    }

    private <T> T call(String call, String what, Callable<T> body) {
        return await(executor, timeout, call, what, "a peer stopped, died or called another collective", this, body);
    }

    /**
     * Runs {@code body} on the MPI thread and waits at most {@code timeout}. On a timeout or an
     * interrupt, {@code group} (when there is one) is marked unusable: the call may still be
     * running and still write its buffer.
     */
    private static <T> T await(ExecutorService executor, Duration timeout, String call, String what, String hint, MpiCollective group, Callable<T> body) {
        Future<T> f = executor.submit(body);
        String op = what.isEmpty() ? call : call + " of " + what;
        String where = group == null ? "" : " on rank " + group.rank + " of " + group.worldSize;
        try {
            return f.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            String msg = op + where + " did not complete within " + seconds(timeout) + (hint.isEmpty() ? "" : ": " + hint)
                    + "; the group is unusable, end the job";
            if (group != null) group.broken = op + " timed out after " + seconds(timeout);
            throw new CollectiveTimeoutException(op, timeout, msg);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (group != null) group.broken = "the thread waiting for " + op + " was interrupted";
            throw new IllegalStateException("interrupted while waiting for " + op + where + "; the group is unusable", e);
        } catch (ExecutionException e) {
            throw Mpi.rethrow(e.getCause());
        }
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(Locale.ROOT, "%.3f s", ms / 1000.0);
    }

    @Override
    public String toString() {
        return "MPI rank " + rank + " of " + worldSize + " (" + version + ")";
    }
}
