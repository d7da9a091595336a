/*
 * A frozen task graph, ready to run repeatedly: one OpenCL kernel object per task with its
 * arguments set once, the declared copies, and the profile of the latest execution. An
 * execution enqueues the due copies in, the launches and the due copies out on the device's
 * in-order queue without waiting in between, then waits once. Close it to release the kernels.
 */
package io.tessera.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** An executable, closeable task graph. Not thread-safe. */
public final class ExecutionPlan implements AutoCloseable {
    private final String name;
    private final OpenClDevice device;
    private final OpenCl cl;
    private final List<TaskGraph.Task> tasks;
    private final Map<DeviceArray, Transfer> toDevice;
    private final Map<DeviceArray, Transfer> toHost;
    private final List<MemorySegment> kernels = new ArrayList<>();
    private int executions;
    private long wallNanos;
    private List<Profile.TaskTime> taskTimes = List.of();
    private final List<Profile.CopyTime> copyTimes = new ArrayList<>();
    private boolean closed;

    /** One enqueued command whose event is read after the queue drains. */
    private record Issued(MemorySegment eventSlot, TaskGraph.Task task, DeviceArray array, String direction) {
    }

    ExecutionPlan(String name, OpenClDevice device, List<TaskGraph.Task> tasks, Map<DeviceArray, Transfer> toDevice, Map<DeviceArray, Transfer> toHost) {
        this.name = name;
        this.device = device;
        this.cl = device.cl();
        this.tasks = tasks;
        this.toDevice = toDevice;
        this.toHost = toHost;
        device.register(this);
        try {
            for (TaskGraph.Task t : tasks) kernels.add(createKernel(t));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private MemorySegment createKernel(TaskGraph.Task t) {
        MemorySegment k = cl.createKernel(t.kernel().program(), t.kernel().function());
        try {
            int expected = cl.kernelNumArgs(k);
            int given = 0;
            for (Arg arg : t.args()) given += arg instanceof Arg.Array ? 2 : 1;
            if (expected != given) {
                throw new IllegalArgumentException("task graph " + name + ": task " + t.label() + " gives " + given
                        + " kernel arguments (an array is two: buffer and element offset), kernel " + t.kernel() + " takes " + expected);
            }
            try (Arena a = Arena.ofConfined()) {
                int index = 0;
                for (int i = 0; i < t.args().size(); i++) {
                    String context = "task " + t.label() + " in graph " + name;
                    switch (t.args().get(i)) {
                        case Arg.Array arr -> {
                            cl.setKernelArg(k, index++, ADDRESS.byteSize(), a.allocateFrom(ADDRESS, arr.array().mem()), context + " (array " + arr.array() + ")");
                            cl.setKernelArg(k, index++, 4, a.allocateFrom(JAVA_INT, 0), context + " (offset of " + arr.array() + ")");
                        }
                        case Arg.I32 v -> cl.setKernelArg(k, index++, 4, a.allocateFrom(JAVA_INT, v.value()), context);
                        case Arg.F32 v -> cl.setKernelArg(k, index++, 4, a.allocateFrom(JAVA_FLOAT, v.value()), context);
                    }
                }
            }
            return k;
        } catch (RuntimeException e) {
            cl.releaseKernel(k);
            throw e;
        }
    }

    /**
     * Runs the graph once: due copies to the device (FIRST_EXECUTION on the first run,
     * EVERY_EXECUTION always), the tasks in order, due copies to the host; returns when all
     * have completed.
     *
     * @throws NativeException when the runtime rejects a copy or a launch
     */
    public ExecutionPlan execute() {
        checkOpen();
        boolean first = executions == 0;
        long started = System.nanoTime();
        MemorySegment queue = device.queue();
        List<Issued> issued = new ArrayList<>();
        try (Arena a = Arena.ofConfined()) {
            try {
                for (Map.Entry<DeviceArray, Transfer> e : toDevice.entrySet()) {
                    if (!due(e.getValue(), first)) continue;
                    DeviceArray arr = e.getKey();
                    MemorySegment ev = a.allocate(ADDRESS);
                    cl.enqueueWriteBuffer(queue, arr.mem(), false, 0, arr.byteSize(), arr.host(), ev);
                    issued.add(new Issued(ev, null, arr, "to_device"));
                }
                for (int i = 0; i < tasks.size(); i++) {
                    TaskGraph.Task t = tasks.get(i);
                    MemorySegment ev = a.allocate(ADDRESS);
                    cl.enqueueNDRangeKernel(queue, kernels.get(i), t.grid().global(), t.grid().local(), ev,
                            "task " + t.label() + " (" + t.kernel() + ") in graph " + name + ", " + t.grid());
                    issued.add(new Issued(ev, t, null, null));
                }
                for (Map.Entry<DeviceArray, Transfer> e : toHost.entrySet()) {
                    if (!due(e.getValue(), first)) continue;
                    DeviceArray arr = e.getKey();
                    MemorySegment ev = a.allocate(ADDRESS);
                    cl.enqueueReadBuffer(queue, arr.mem(), false, 0, arr.byteSize(), arr.host(), ev);
                    issued.add(new Issued(ev, null, arr, "to_host"));
                }
                cl.finish(queue);
            } catch (RuntimeException e) {
                try {
                    cl.finish(queue);
                } catch (RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
                release(issued);
                throw e;
            }
            wallNanos = System.nanoTime() - started;
            record(issued);
        }
        executions++;
        return this;
    }

    private static boolean due(Transfer mode, boolean first) {
        return mode == Transfer.EVERY_EXECUTION || (mode == Transfer.FIRST_EXECUTION && first);
    }

    private void record(List<Issued> issued) {
        List<Profile.TaskTime> times = new ArrayList<>();
        copyTimes.clear();
        try {
            for (Issued i : issued) {
                MemorySegment ev = i.eventSlot().get(ADDRESS, 0);
                long ns = cl.profilingInfo(ev, OpenCl.CL_PROFILING_COMMAND_END) - cl.profilingInfo(ev, OpenCl.CL_PROFILING_COMMAND_START);
                if (i.task() != null) {
                    TaskGraph.Task t = i.task();
                    times.add(new Profile.TaskTime(t.label(), t.kernel().function(), t.kernel().file(), t.kernel().defines().toString(),
                            t.grid().global(), t.grid().local(), ns));
                } else {
                    copyTimes.add(new Profile.CopyTime(i.array().name(), i.direction(), i.array().byteSize(), ns, false));
                }
            }
        } finally {
            release(issued);
        }
        taskTimes = times;
    }

    private void release(List<Issued> issued) {
        for (Issued i : issued) cl.releaseEvent(i.eventSlot().get(ADDRESS, 0));
    }

    /** Copies an ON_DEMAND array's host mirror to the device now (blocking). */
    public ExecutionPlan transferToDevice(DeviceArray array) {
        onDemand(array, toDevice, "to_device");
        return this;
    }

    /** Copies an ON_DEMAND array from the device to its host mirror now (blocking). */
    public ExecutionPlan transferToHost(DeviceArray array) {
        onDemand(array, toHost, "to_host");
        return this;
    }

    private void onDemand(DeviceArray array, Map<DeviceArray, Transfer> declared, String direction) {
        checkOpen();
        if (declared.get(array) != Transfer.ON_DEMAND) {
            throw new IllegalArgumentException("plan " + name + ": array " + array + " is not declared for ON_DEMAND copies " + direction.replace('_', ' '));
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = a.allocate(ADDRESS);
            if (direction.equals("to_device")) {
                cl.enqueueWriteBuffer(device.queue(), array.mem(), true, 0, array.byteSize(), array.host(), ev);
            } else {
                cl.enqueueReadBuffer(device.queue(), array.mem(), true, 0, array.byteSize(), array.host(), ev);
            }
            MemorySegment e = ev.get(ADDRESS, 0);
            try {
                long ns = cl.profilingInfo(e, OpenCl.CL_PROFILING_COMMAND_END) - cl.profilingInfo(e, OpenCl.CL_PROFILING_COMMAND_START);
                copyTimes.add(new Profile.CopyTime(array.name(), direction, array.byteSize(), ns, true));
            } finally {
                cl.releaseEvent(e);
            }
        }
    }

    /** How many times {@link #execute()} has completed. */
    public int executions() {
        return executions;
    }

    /**
     * The profile of the latest execution, with the on-demand copies made since it began.
     *
     * @throws IllegalStateException before the first execution
     */
    public Profile profile() {
        if (executions == 0) throw new IllegalStateException("plan " + name + " has not been executed yet");
        OpenClDevice.Info info = device.info();
        return new Profile(name, OpenCl.RUNTIME, info.platform(), info.name(), executions, wallNanos, taskTimes, copyTimes);
    }

    public OpenClDevice device() {
        return device;
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("plan " + name + " is closed");
        device.checkOpen();
        for (TaskGraph.Task t : tasks) {
            for (Arg arg : t.args()) {
                if (arg instanceof Arg.Array(DeviceArray a, Arg.Access ignored) && !a.isOpen()) {
                    throw new IllegalStateException("plan " + name + ": task " + t.label() + " uses array " + a + ", which is closed");
                }
            }
        }
        for (DeviceArray a : toDevice.keySet()) if (!a.isOpen()) throw new IllegalStateException("plan " + name + ": array " + a + " is closed");
        for (DeviceArray a : toHost.keySet()) if (!a.isOpen()) throw new IllegalStateException("plan " + name + ": array " + a + " is closed");
    }

    /** Releases the plan's kernel objects; arrays stay open (they belong to the caller). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        device.unregister(this);
        for (MemorySegment k : kernels) cl.releaseKernel(k);
        kernels.clear();
    }

    @Override
    public String toString() {
        return "plan " + name + " (" + tasks.size() + " tasks on " + device + ")";
    }
}
