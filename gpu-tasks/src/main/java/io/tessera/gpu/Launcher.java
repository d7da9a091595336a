/*
 * What the kernel families (GpuTensorOps, GpuRowOps) need from a runtime: kernel functions
 * built from the .kc sources, their largest group size, and launches on the backend's one
 * in-order queue (OpenCL) or stream (CUDA) that do not wait. Arguments follow the kernel
 * convention: a tensor binds its buffer and its int element offset, a null tensor a null buffer
 * and offset 0; Integer binds an int, Float or Double a float, Long a 64-bit long. Work that a
 * vendor library enqueues on the same queue goes through external(), so the profile names it.
 */
package io.tessera.gpu;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.function.Consumer;

/** Builds, binds and enqueues kernels on one device queue. Not thread-safe. */
interface Launcher extends AutoCloseable {

    /** A built kernel function ready to launch: its name for messages and profiles, and the runtime's handle. */
    record Fn(String name, MemorySegment handle) {
    }

    /** The kernel of catalog entry {@code entry} built with {@code defines}. */
    default Fn fn(Kernels entry, Defines defines) {
        return fn(entry.source(), entry.function(), defines);
    }

    /** The kernel {@code function} of {@code source} built with {@code defines}. */
    Fn fn(KernelSource source, String function, Defines defines);

    /** The largest work-group (block) size {@code fn} can be launched with on this device. */
    long maxGroupSize(Fn fn);

    /** Binds {@code args} in order and enqueues {@code fn} over {@code grid}, without waiting. */
    void launch(Fn fn, Grid grid, Object... args);

    /**
     * Enqueues work that a library launches on this queue (a vendor BLAS call), counted and
     * timed under {@code name} like a kernel. {@code enqueue} receives where to store the
     * command's event when the runtime times library calls through their own event (OpenCL
     * under profiling), else NULL.
     */
    void external(String name, Consumer<MemorySegment> enqueue);

    /** Turns per-launch timing on or off (off discards nothing already recorded). */
    void profiling(boolean on);

    /** Waits for the queue and returns the kernel time summed per kernel since the last call. */
    List<GpuBackend.KernelTime> drainProfile();

    /** Launches enqueued since the launcher was made. */
    long launches();

    /** Blocks until every enqueued command has finished. */
    void finish();

    @Override
    void close();
}
