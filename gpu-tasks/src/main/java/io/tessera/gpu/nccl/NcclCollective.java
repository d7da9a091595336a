/*
 * The Collective of W processes, one GPU each, over NCCL: ncclAllReduce and ncclBroadcast in place
 * on Tessera's CUDA device buffers, enqueued on the CUDA backend's own stream in its primary context,
 * so they run in order with the backend's kernels. Every NCCL call runs on one thread of the group
 * with that context current; the caller waits at most the group's timeout, while that thread polls
 * the stream and ncclCommGetAsyncError and aborts the communicator on an error or when the time is
 * up. Host arrays and host segments are staged through one device buffer the group owns.
 */
package io.tessera.gpu.nccl;

import io.tessera.gpu.CudaBackend;
import io.tessera.gpu.GpuUnavailableException;
import io.tessera.gpu.NativeException;
import io.tessera.tensor.DType;
import io.tessera.tensor.DeviceStorage;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.dist.Collective;
import io.tessera.tensor.dist.CollectiveChecks;
import io.tessera.tensor.dist.CollectiveTimeoutException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

/**
 * An NCCL communicator on one {@link CudaBackend} as a {@link Collective}. Open it with
 * {@link #open} after the backend, on every rank, and close it before the backend.
 *
 * <p>Where the data is: a device tensor of the backend ({@link #allReduceSum(Tensor)} and the other
 * tensor forms) and a segment of the backend's device memory ({@link CudaBackend#deviceSegment})
 * are reduced in place on the device; heap arrays, heap segments, host tensors and native host
 * segments are copied into a device buffer, reduced there and copied back (so LUT's SyncBatchNorm
 * sums and the logged losses work unchanged, at the price of two copies). Means are NCCL's
 * {@code ncclAvg} (NCCL 2.10 and newer), on the device. Device memory of another GPU is refused.
 *
 * <p>Every call waits for its own completion (the stream drained, no asynchronous error), at most the
 * timeout; a call that takes longer throws {@link CollectiveTimeoutException}, an asynchronous error
 * a {@link NativeException} naming the ncclResult_t, and both abort the communicator and leave the
 * group unusable: end the job.
 */
public final class NcclCollective implements Collective {
    /** The default wait for one collective and for the communicator's creation, as {@code MpiCollective}'s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
    /** The oldest NCCL this group runs on: 2.10 brought ncclAvg, the device-side mean. */
    public static final int MIN_MAJOR = 2, MIN_MINOR = 10;
    /** How much longer than the timeout the caller waits for a call that blocks inside NCCL itself. */
    private static final Duration GRACE = Duration.ofSeconds(5);

    private final Nccl nccl;
    private final CudaBackend.NativeStream device;
    private final Bootstrap bootstrap;
    private final ExecutorService executor;
    private final Duration timeout;
    private final int rank, worldSize;
    private final MemorySegment comm;
    private final Arena hostArena = Arena.ofShared();
    private MemorySegment hostStage;
    private long deviceStage, deviceStageBytes;
    private volatile String broken;
    /** Whether the NCCL thread may still be inside a call that never returned (the caller stopped waiting). */
    private volatile boolean stuck;
    private boolean closed;

    private NcclCollective(Nccl nccl, CudaBackend.NativeStream device, Bootstrap bootstrap, ExecutorService executor, Duration timeout,
                           int rank, int worldSize, MemorySegment comm) {
        this.nccl = nccl;
        this.device = device;
        this.bootstrap = bootstrap;
        this.executor = executor;
        this.timeout = timeout;
        this.rank = rank;
        this.worldSize = worldSize;
        this.comm = comm;
        this.hostStage = hostArena.allocate(256, 64);
    }

    /** {@link #open(CudaBackend, int, int, Bootstrap, Duration, Nccl)} with the library {@link Nccl#load()} finds. */
    public static NcclCollective open(CudaBackend backend, int rank, int worldSize, Bootstrap bootstrap, Duration timeout) {
        return open(backend, rank, worldSize, bootstrap, timeout, Nccl.load());
    }

    /**
     * Joins rank {@code rank} of {@code worldSize} on the backend's device: rank 0 makes the unique
     * id, {@code bootstrap} shares it, and every rank calls ncclCommInitRank on the group's thread
     * with the backend's context current. The bootstrap is closed with the group (or here, on failure).
     *
     * @throws GpuUnavailableException   when the library is older than {@value #MIN_MAJOR}.{@value #MIN_MINOR}
     * @throws NativeException           when NCCL refuses the communicator (e.g. two ranks on one GPU
     *                                   with an NCCL that does not allow it: ncclInvalidUsage)
     * @throws CollectiveTimeoutException when the ranks do not all join within {@code timeout}
     */
    public static NcclCollective open(CudaBackend backend, int rank, int worldSize, Bootstrap bootstrap, Duration timeout, Nccl nccl) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("NCCL: rank " + rank + " is not one of 0.." + (worldSize - 1) + " of a world of " + worldSize);
        }
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("NCCL: the timeout must be positive, got " + timeout);
        ExecutorService executor = null;
        try {
            if (!nccl.atLeast(MIN_MAJOR, MIN_MINOR)) {
                throw new GpuUnavailableException(Nccl.RUNTIME, "NCCL " + nccl.version() + " is older than " + MIN_MAJOR + "." + MIN_MINOR
                        + ", the first with ncclAvg, which Tessera's means use; install a newer NCCL");
            }
            CudaBackend.NativeStream dev = backend.nativeStream();
            executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "tessera-nccl-rank-" + rank);
                t.setDaemon(true);
                return t;
            });
            String where = "rank " + rank + " of " + worldSize + " on cuda:" + dev.ordinal();
            await(executor, timeout, "cuCtxSetCurrent", where, null, () -> {
                dev.cuda().setCurrent(dev.context());
                return null;
            });
            byte[] id = bootstrap.share(rank, worldSize, nccl::uniqueId, timeout);
            MemorySegment comm = await(executor, timeout, "ncclCommInitRank", where, null, () -> init(nccl, worldSize, id, rank, where));
            NcclCollective group = new NcclCollective(nccl, dev, bootstrap, executor, timeout, rank, worldSize, comm);
            group.checkPlacement();
            return group;
        } catch (RuntimeException e) {
            if (executor != null) executor.shutdownNow();
            try {
                bootstrap.close();
            } catch (RuntimeException c) {
                e.addSuppressed(c);
            }
            throw e;
        }
    }

    /** ncclCommInitRank, with a hint when NCCL refuses two ranks on one GPU. */
    static MemorySegment init(Nccl nccl, int worldSize, byte[] id, int rank, String where) {
        try {
            return nccl.commInitRank(worldSize, id, rank, where);
        } catch (NativeException e) {
            if (e.status() != NcclStatus.ncclInvalidUsage || !e.getMessage().contains("Duplicate GPU")) throw e;
            String context = e.getMessage().substring(e.getMessage().indexOf(": ") + 2);
            throw new NativeException(Nccl.RUNTIME, e.call(), e.status(), e.statusName(), context + "; this NCCL (" + nccl.version()
                    + ") puts one rank on each GPU: give each rank its own device (CUDA_VISIBLE_DEVICES, LOCAL_RANK), or use an NCCL that allows "
                    + "several ranks per GPU (2.30 and newer, with NCCL_MULTI_RANK_GPU_ENABLE=1)");
        }
    }

    /** The communicator must be rank {@code rank} of {@code worldSize} on the backend's device. */
    private void checkPlacement() {
        int[] got = call("ncclCommCuDevice", "", () -> new int[]{nccl.commCuDevice(comm), nccl.commUserRank(comm), nccl.commCount(comm)});
        if (got[0] != device.ordinal() || got[1] != rank || got[2] != worldSize) {
            String msg = "NCCL made rank " + got[1] + " of " + got[2] + " on cuda:" + got[0] + ", expected rank " + rank + " of " + worldSize
                    + " on cuda:" + device.ordinal() + " (the backend's context was not current on the NCCL thread)";
            close();
            throw new IllegalStateException(msg);
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return worldSize;
    }

    /** The longest one call may take. */
    public Duration timeout() {
        return timeout;
    }

    /** The NCCL library's version, e.g. "2.21.5". */
    public String libraryVersion() {
        return nccl.version();
    }

    /** The CUDA device ordinal the communicator runs on. */
    public int deviceOrdinal() {
        return device.ordinal();
    }

    // ---- host arrays: staged through the device buffer -------------------------------------------

    @Override
    public synchronized void allReduceSum(float[] data, int offset, int length) {
        reduceArray("allReduceSum", MemorySegment.ofArray(data), offset, length, DType.F32, Nccl.ncclSum, data.length);
    }

    @Override
    public synchronized void allReduceSum(double[] data, int offset, int length) {
        reduceArray("allReduceSum", MemorySegment.ofArray(data), offset, length, DType.F64, Nccl.ncclSum, data.length);
    }

    /** In place, the mean over the ranks: NCCL's ncclAvg on the staged copy. */
    @Override
    public synchronized void allReduceMean(float[] data, int offset, int length) {
        reduceArray("allReduceMean", MemorySegment.ofArray(data), offset, length, DType.F32, Nccl.ncclAvg, data.length);
    }

    /** In place, the mean over the ranks: NCCL's ncclAvg on the staged copy. */
    @Override
    public synchronized void allReduceMean(double[] data, int offset, int length) {
        reduceArray("allReduceMean", MemorySegment.ofArray(data), offset, length, DType.F64, Nccl.ncclAvg, data.length);
    }

    private void reduceArray(String op, MemorySegment array, int offset, int length, DType dtype, int ncclOp, int arrayLength) {
        usable(op);
        CollectiveChecks.span(op, arrayLength, offset, length);
        long es = dtype.byteSize();
        reduce(array.asSlice(offset * es, length * es), length, dtype, ncclOp);
    }

    @Override
    public synchronized void broadcast(float[] data, int offset, int length, int root) {
        broadcastArray(MemorySegment.ofArray(data), offset, length, DType.F32, root, data.length);
    }

    @Override
    public synchronized void broadcast(double[] data, int offset, int length, int root) {
        broadcastArray(MemorySegment.ofArray(data), offset, length, DType.F64, root, data.length);
    }

    private void broadcastArray(MemorySegment array, int offset, int length, DType dtype, int root, int arrayLength) {
        usable("broadcast");
        CollectiveChecks.span("broadcast", arrayLength, offset, length);
        CollectiveChecks.root("broadcast", root, worldSize);
        long es = dtype.byteSize();
        bcast(array.asSlice(offset * es, length * es), length, dtype, root);
    }

    // ---- segments: device memory in place, host memory staged ------------------------------------

    @Override
    public synchronized void allReduceSum(MemorySegment data, DType dtype) {
        usable("allReduceSum");
        reduce(data, CollectiveChecks.elements("allReduceSum", data, dtype), dtype, Nccl.ncclSum);
    }

    /** In place, the mean over the ranks: NCCL's ncclAvg (on the device for device memory). */
    @Override
    public synchronized void allReduceMean(MemorySegment data, DType dtype) {
        usable("allReduceMean");
        reduce(data, CollectiveChecks.elements("allReduceMean", data, dtype), dtype, Nccl.ncclAvg);
    }

    @Override
    public synchronized void broadcast(MemorySegment data, DType dtype, int root) {
        usable("broadcast");
        long n = CollectiveChecks.elements("broadcast", data, dtype);
        CollectiveChecks.root("broadcast", root, worldSize);
        bcast(data, n, dtype, root);
    }

    // ---- tensors: the backend's device tensors in place -------------------------------------------

    /** A device tensor of the backend in place on the device; a host tensor staged. */
    @Override
    public void allReduceSum(Tensor t) {
        if (t.storage() instanceof DeviceStorage) allReduceSum(deviceSegment(t), t.dtype());
        else Collective.super.allReduceSum(t);
    }

    /** A device tensor of the backend in place on the device (ncclAvg); a host tensor staged. */
    @Override
    public void allReduceMean(Tensor t) {
        if (t.storage() instanceof DeviceStorage) allReduceMean(deviceSegment(t), t.dtype());
        else Collective.super.allReduceMean(t);
    }

    /** A device tensor of the backend in place on the device; a host tensor staged. */
    @Override
    public void broadcast(Tensor t, int root) {
        if (t.storage() instanceof DeviceStorage) broadcast(deviceSegment(t), t.dtype(), root);
        else Collective.super.broadcast(t, root);
    }

    private static MemorySegment deviceSegment(Tensor t) {
        if (!(t.backend() instanceof CudaBackend cuda)) {
            throw new IllegalArgumentException("NCCL reduces CUDA device tensors and host data; tensor " + t.describe() + " is on " + t.device());
        }
        return cuda.deviceSegment(t);
    }

    @Override
    public synchronized void barrier() {
        usable("barrier");
        call("ncclAllReduce", "1 F32 element (barrier)", () -> {
            long dev = deviceBuffer(Float.BYTES);
            nccl.allReduce(dev, 1, Nccl.ncclFloat32, Nccl.ncclSum, comm, device.stream(), "barrier");
            complete("ncclAllReduce of 1 F32 element (barrier)");
            return null;
        });
    }

    // ---- the NCCL thread -----------------------------------------------------------------------------

    private void reduce(MemorySegment data, long count, DType dtype, int ncclOp) {
        String fn = "ncclAllReduce", what = count + " " + dtype + " elements" + (ncclOp == Nccl.ncclAvg ? " (ncclAvg)" : "");
        if (count == 0) return; // every rank has the same length: nobody calls NCCL
        int type = dtype == DType.F64 ? Nccl.ncclFloat64 : Nccl.ncclFloat32;
        call(fn, what, () -> {
            long bytes = data.byteSize();
            long dev = directPointer(data);
            if (dev != 0) {
                nccl.allReduce(dev, count, type, ncclOp, comm, device.stream(), what);
                complete(fn + " of " + what);
            } else {
                dev = deviceBuffer(bytes);
                MemorySegment host = hostBuffer(data);
                device.cuda().copyToDevice(dev, host, bytes, device.stream());
                nccl.allReduce(dev, count, type, ncclOp, comm, device.stream(), what);
                complete(fn + " of " + what);
                device.cuda().copyToHost(host, dev, bytes, device.stream());
                device.cuda().streamSynchronize(device.stream());
                if (host != data) data.copyFrom(host);
            }
            return null;
        });
    }

    private void bcast(MemorySegment data, long count, DType dtype, int root) {
        String fn = "ncclBroadcast", what = count + " " + dtype + " elements from rank " + root;
        if (count == 0) return;
        int type = dtype == DType.F64 ? Nccl.ncclFloat64 : Nccl.ncclFloat32;
        call(fn, what, () -> {
            long bytes = data.byteSize();
            long dev = directPointer(data);
            if (dev != 0) {
                nccl.broadcast(dev, count, type, root, comm, device.stream(), what);
                complete(fn + " of " + what);
            } else {
                dev = deviceBuffer(bytes);
                MemorySegment host = hostBuffer(data);
                if (rank == root) device.cuda().copyToDevice(dev, host, bytes, device.stream());
                nccl.broadcast(dev, count, type, root, comm, device.stream(), what);
                complete(fn + " of " + what);
                if (rank != root) {
                    device.cuda().copyToHost(host, dev, bytes, device.stream());
                    device.cuda().streamSynchronize(device.stream());
                    if (host != data) data.copyFrom(host);
                }
            }
            return null;
        });
    }

    /**
     * The device pointer of a segment of this device's memory, or 0 for host memory (heap, or
     * native memory CUDA does not know); device memory of another GPU is refused.
     */
    private long directPointer(MemorySegment data) {
        if (!data.isNative()) return 0;
        int ordinal = device.cuda().deviceOrdinalOf(data.address());
        if (ordinal < 0) return 0;
        if (ordinal != device.ordinal()) {
            throw new IllegalArgumentException("NCCL: the segment at 0x" + Long.toHexString(data.address()) + " is memory of cuda:" + ordinal
                    + ", this collective runs on cuda:" + device.ordinal());
        }
        return data.address();
    }

    /**
     * A native host segment this thread may pass to the driver as it is (a copy source and
     * destination), or else the host staging buffer holding a copy of it.
     */
    private MemorySegment hostBuffer(MemorySegment data) {
        if (data.isNative() && data.isAccessibleBy(Thread.currentThread())) return data;
        if (hostStage.byteSize() < data.byteSize()) hostStage = hostArena.allocate(Math.max(data.byteSize(), 2 * hostStage.byteSize()), 64);
        MemorySegment s = hostStage.asSlice(0, data.byteSize());
        s.copyFrom(data);
        return s;
    }

    /** The device staging buffer, grown (never shrunk) to at least {@code bytes}. */
    private long deviceBuffer(long bytes) {
        if (deviceStageBytes < bytes) {
            long size = Math.max(bytes, 2 * deviceStageBytes);
            long p = device.cuda().memAlloc(size);
            if (deviceStage != 0) device.cuda().memFree(deviceStage);
            deviceStage = p;
            deviceStageBytes = size;
        }
        return deviceStage;
    }

    /** Waits, on the NCCL thread, for the stream (and so the collective just enqueued) to finish; see {@link StreamWait}. */
    private void complete(String op) {
        String where = " on rank " + rank + " of " + worldSize + " (cuda:" + device.ordinal() + ")";
        StreamWait.await(new StreamWait.Probe() {
            @Override
            public boolean streamDone() {
                return device.cuda().streamDone(device.stream());
            }

            @Override
            public int asyncError() {
                return nccl.asyncError(comm);
            }

            @Override
            public void abort() {
                broken = op + " was aborted";
                nccl.commAbort(comm);
            }
        }, timeout.toNanos(), () -> new CollectiveTimeoutException(op, timeout, op + where + " did not complete within " + seconds(timeout)
                + ": a peer stopped, died or called another collective; the communicator was aborted, end the job"),
                result -> nccl.failure(result, op.substring(0, op.indexOf(' ') < 0 ? op.length() : op.indexOf(' ')),
                        op + where + " failed asynchronously (ncclCommGetAsyncError); the communicator was aborted, end the job"));
    }

    /**
     * Destroys the communicator on the group's thread (ncclCommDestroy waits for its pending work,
     * at most the timeout), or aborts it when the group is broken or destroying fails; then frees the
     * staging buffers and closes the bootstrap. Closing twice is a no-op.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        RuntimeException first = null;
        try {
            if (broken == null) {
                try {
                    call("ncclCommDestroy", "", () -> {
                        nccl.commDestroy(comm);
                        freeDeviceBuffer();
                        return null;
                    });
                } catch (CollectiveTimeoutException e) {
                    first = e; // the thread is stuck inside NCCL (stuck is set): leave it to the process's end
                } catch (RuntimeException e) {
                    first = e;
                    abortOnThread();
                }
            } else if (!stuck && !broken.endsWith("was aborted")) {
                abortOnThread();
            }
        } finally {
            executor.shutdown();
            if (broken == null) hostArena.close();
            try {
                bootstrap.close();
            } catch (RuntimeException e) {
                if (first == null) first = e;
                else first.addSuppressed(e);
            }
        }
        if (first != null) throw first;
    }

    private void abortOnThread() {
        try {
            await(executor, timeout, "ncclCommAbort", "", null, () -> {
                nccl.commAbort(comm);
                freeDeviceBuffer();
                return null;
            });
        } catch (RuntimeException e) {
            // the communicator is being discarded either way; the first failure is what the caller hears
        }
    }

    private void freeDeviceBuffer() {
        if (deviceStage != 0) {
            device.cuda().memFree(deviceStage);
            deviceStage = 0;
            deviceStageBytes = 0;
        }
    }

    private void usable(String op) {
        if (closed) throw new IllegalStateException(op + ": the NCCL collective is closed");
        if (broken != null) throw new IllegalStateException(op + ": the NCCL collective is unusable since " + broken);
    }

    private <T> T call(String call, String what, Callable<T> body) {
        return await(executor, timeout.plus(GRACE), call, what, this, body);
    }

    /**
     * Runs {@code body} on the NCCL thread and waits at most {@code limit}. On a timeout, an
     * interrupt, or a failure of a call that enqueued work, {@code group} (when there is one) is
     * marked unusable.
     */
    private static <T> T await(ExecutorService executor, Duration limit, String call, String what, NcclCollective group, Callable<T> body) {
        Future<T> f = executor.submit(body);
        String op = what.isEmpty() ? call : call + " of " + what;
        String where = group == null ? "" : " on rank " + group.rank + " of " + group.worldSize;
        try {
            return f.get(limit.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (group != null) {
                group.broken = op + " blocked for " + seconds(limit);
                group.stuck = true;
            }
            String hint = call.equals("ncclCommInitRank") ? ": not every rank joined (each must start, get the same unique id and, before NCCL 2.30, have its own GPU)"
                    : ": the call blocked inside NCCL (a peer stopped, died or called another collective)";
            throw new CollectiveTimeoutException(op, limit, op + where + " did not complete within " + seconds(limit) + hint + "; end the job");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (group != null) group.broken = "the thread waiting for " + op + " was interrupted";
            throw new IllegalStateException("interrupted while waiting for " + op + where + "; the group is unusable", e);
        } catch (ExecutionException e) {
            if (group != null && group.broken == null && e.getCause() instanceof NativeException) group.broken = op + " failed";
            throw Nccl.rethrow(e.getCause());
        }
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format(Locale.ROOT, "%.3f s", ms / 1000.0);
    }

    @Override
    public String toString() {
        return "NCCL " + nccl.version() + " rank " + rank + " of " + worldSize + " on cuda:" + device.ordinal();
    }
}
