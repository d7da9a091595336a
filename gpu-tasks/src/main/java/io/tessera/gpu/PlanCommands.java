/*
 * The runtime half of an execution plan: how a task's kernel and arguments are prepared once,
 * and how copies and launches are enqueued on the device's one queue (OpenCL) or stream (CUDA),
 * each returning a timing handle read after the queue drains. ExecutionPlan holds the order and
 * the bookkeeping; ClPlanCommands and CudaPlanCommands hold the calls.
 */
package io.tessera.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/** Enqueues a plan's commands on one device. */
interface PlanCommands {

    /** What times one command: an OpenCL event (second is NULL), or a CUDA start and end event. */
    record Timed(MemorySegment first, MemorySegment second) {
    }

    /**
     * Prepares {@code task} for repeated launches: checks its argument count against the
     * kernel and binds the arguments (an array binds its buffer and element offset 0).
     *
     * @param arena lives as long as the plan (for argument blocks)
     * @return the runtime's prepared launch (a cl_kernel, or a CUDA kernel-parameter block)
     * @throws IllegalArgumentException when the argument count does not match the kernel
     */
    MemorySegment prepare(TaskGraph.Task task, String context, Arena arena);

    /** Releases what {@link #prepare} made (the arena is the caller's). */
    void release(MemorySegment prepared);

    /** Enqueues a copy between {@code array}'s host mirror and its device buffer. */
    Timed copy(DeviceArray array, boolean toDevice, boolean blocking);

    /** Enqueues a prepared task over its grid. */
    Timed launch(TaskGraph.Task task, MemorySegment prepared, String context);

    /** Blocks until every enqueued command has finished. */
    void finish();

    /** The time a finished command took on the device, in nanoseconds. */
    long nanos(Timed timed);

    /** Releases a timing handle. */
    void release(Timed timed);
}
