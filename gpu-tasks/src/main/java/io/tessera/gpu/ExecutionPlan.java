/*
 * A frozen task graph, ready to run repeatedly: each task's kernel prepared once with its
 * arguments bound (a cl_kernel on OpenCL, a parameter block on CUDA), the declared copies, and
 * the profile of the latest execution. An execution enqueues the due copies in, the launches and
 * the due copies out on the device's one queue or stream without waiting in between, then waits
 * once. Close it to release the prepared kernels.
 */
package io.tessera.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** An executable, closeable task graph. Not thread-safe. */
public final class ExecutionPlan implements AutoCloseable {
    private final String name;
    private final ComputeDevice device;
    private final PlanCommands commands;
    private final List<TaskGraph.Task> tasks;
    private final Map<DeviceArray, Transfer> toDevice;
    private final Map<DeviceArray, Transfer> toHost;
    private final Arena arena = Arena.ofShared();
    private final List<MemorySegment> prepared = new ArrayList<>();
    private int executions;
    private long wallNanos;
    private List<Profile.TaskTime> taskTimes = List.of();
    private final List<Profile.CopyTime> copyTimes = new ArrayList<>();
    private boolean closed;

    /** One enqueued command, timed once the queue drains. */
    private record Issued(PlanCommands.Timed timed, TaskGraph.Task task, DeviceArray array, String direction) {
    }

    ExecutionPlan(String name, ComputeDevice device, List<TaskGraph.Task> tasks, Map<DeviceArray, Transfer> toDevice, Map<DeviceArray, Transfer> toHost) {
        this.name = name;
        this.device = device;
        this.commands = device.commands();
        this.tasks = tasks;
        this.toDevice = toDevice;
        this.toHost = toHost;
        device.register(this);
        try {
            for (TaskGraph.Task t : tasks) prepared.add(commands.prepare(t, "task graph " + name + ": task " + t.label(), arena));
        } catch (RuntimeException e) {
            close();
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
        List<Issued> issued = new ArrayList<>();
        try {
            for (Map.Entry<DeviceArray, Transfer> e : toDevice.entrySet()) {
                if (!due(e.getValue(), first)) continue;
                issued.add(new Issued(commands.copy(e.getKey(), true, false), null, e.getKey(), "to_device"));
            }
            for (int i = 0; i < tasks.size(); i++) {
                TaskGraph.Task t = tasks.get(i);
                String context = "task " + t.label() + " (" + t.kernel() + ") in graph " + name + ", " + t.grid();
                issued.add(new Issued(commands.launch(t, prepared.get(i), context), t, null, null));
            }
            for (Map.Entry<DeviceArray, Transfer> e : toHost.entrySet()) {
                if (!due(e.getValue(), first)) continue;
                issued.add(new Issued(commands.copy(e.getKey(), false, false), null, e.getKey(), "to_host"));
            }
            commands.finish();
        } catch (RuntimeException e) {
            try {
                commands.finish();
            } catch (RuntimeException suppressed) {
                e.addSuppressed(suppressed);
            }
            release(issued);
            throw e;
        }
        wallNanos = System.nanoTime() - started;
        record(issued);
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
                long ns = commands.nanos(i.timed());
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
        for (Issued i : issued) commands.release(i.timed());
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
        PlanCommands.Timed timed = commands.copy(array, direction.equals("to_device"), true);
        try {
            commands.finish();
            copyTimes.add(new Profile.CopyTime(array.name(), direction, array.byteSize(), commands.nanos(timed), true));
        } finally {
            commands.release(timed);
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
        return new Profile(name, device.runtime(), device.platformName(), device.deviceName(), executions, wallNanos, taskTimes, copyTimes);
    }

    public ComputeDevice device() {
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

    /** Releases the plan's prepared kernels; arrays stay open (they belong to the caller). */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        device.unregister(this);
        try {
            for (MemorySegment k : prepared) commands.release(k);
        } finally {
            prepared.clear();
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "plan " + name + " (" + tasks.size() + " tasks on " + device + ")";
    }
}
