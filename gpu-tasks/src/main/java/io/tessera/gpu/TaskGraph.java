/*
 * A task graph in the TornadoVM style, with typed handles: declare copies to the device (once,
 * every execution, on demand), tasks (a kernel, its launch grid, its arguments), copies back,
 * and data that stays on the device across graphs; then freeze it into an ExecutionPlan.
 * Declarations are checked when frozen: every array a task reads must reach the device by a
 * declared copy, by an earlier task, or by being declared device-resident.
 */
package io.tessera.gpu;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A mutable declaration of copies and kernel launches on one device. */
public final class TaskGraph {

    /** One kernel launch. */
    public record Task(int index, Kernel kernel, Grid grid, List<Arg> args) {
        public Task {
            args = List.copyOf(args);
        }

        /** "index:function", how the profile and messages name the task. */
        public String label() {
            return index + ":" + kernel.function();
        }
    }

    private final String name;
    private final Map<DeviceArray, Transfer> toDevice = new LinkedHashMap<>();
    private final Map<DeviceArray, Transfer> toHost = new LinkedHashMap<>();
    private final Set<DeviceArray> resident = Collections.newSetFromMap(new IdentityHashMap<>());
    private final List<Task> tasks = new ArrayList<>();

    /** @param name the graph's name, for profiles and messages */
    public TaskGraph(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Copies {@code arrays} from their host mirrors to the device, at the times {@code mode} says, before the tasks. */
    public TaskGraph transferToDevice(Transfer mode, DeviceArray... arrays) {
        for (DeviceArray a : arrays) {
            if (toDevice.containsKey(a) || resident.contains(a)) {
                throw new IllegalArgumentException("task graph " + name + ": array " + a + " is already declared for the device");
            }
            toDevice.put(a, mode);
        }
        return this;
    }

    /** Launches {@code kernel} over {@code grid} with {@code args} (in the kernel's argument order). */
    public TaskGraph task(Kernel kernel, Grid grid, Arg... args) {
        tasks.add(new Task(tasks.size(), kernel, grid, List.of(args)));
        return this;
    }

    /** Copies {@code arrays} from the device to their host mirrors, at the times {@code mode} says, after the tasks. */
    public TaskGraph transferToHost(Transfer mode, DeviceArray... arrays) {
        for (DeviceArray a : arrays) {
            if (toHost.containsKey(a)) {
                throw new IllegalArgumentException("task graph " + name + ": array " + a + " is already copied to the host");
            }
            toHost.put(a, mode);
        }
        return this;
    }

    /**
     * Declares {@code arrays} device-resident: this graph reads what an earlier graph or an
     * on-demand copy left on the device, without copying it in; what it writes stays there.
     */
    public TaskGraph onDevice(DeviceArray... arrays) {
        for (DeviceArray a : arrays) {
            if (toDevice.containsKey(a)) {
                throw new IllegalArgumentException("task graph " + name + ": array " + a + " is copied to the device, it cannot also be device-resident");
            }
            resident.add(a);
        }
        return this;
    }

    /**
     * Checks the declarations and freezes them into a plan on their device.
     *
     * @throws IllegalArgumentException when a task reads an array nothing puts on the device,
     *                                  a kernel gets the wrong number of arguments, or arrays
     *                                  and kernels live on different devices
     */
    public ExecutionPlan freeze() {
        if (tasks.isEmpty()) throw new IllegalArgumentException("task graph " + name + " has no tasks");
        ComputeDevice device = tasks.getFirst().kernel().device();
        Set<DeviceArray> onDevice = Collections.newSetFromMap(new IdentityHashMap<>());
        onDevice.addAll(toDevice.keySet());
        onDevice.addAll(resident);
        for (DeviceArray a : allArrays()) {
            if (a.device() != device) {
                throw new IllegalArgumentException("task graph " + name + ": array " + a + " lives on " + a.device() + ", the tasks run on " + device);
            }
            if (!a.isOpen()) throw new IllegalArgumentException("task graph " + name + ": array " + a + " is closed");
        }
        for (Task t : tasks) {
            if (t.kernel().device() != device) {
                throw new IllegalArgumentException("task graph " + name + ": task " + t.label() + " runs on " + t.kernel().device() + ", the first on " + device);
            }
            for (int i = 0; i < t.args().size(); i++) {
                if (t.args().get(i) instanceof Arg.Array(DeviceArray a, Arg.Access access) && access.reads() && !onDevice.contains(a)) {
                    throw new IllegalArgumentException("task graph " + name + ": task " + t.label() + " reads array " + a + " (argument " + i
                            + ") but nothing puts it on the device: declare transferToDevice, onDevice, or write it in an earlier task");
                }
            }
            for (Arg arg : t.args()) {
                if (arg instanceof Arg.Array(DeviceArray a, Arg.Access access) && access.writes()) onDevice.add(a);
            }
        }
        for (DeviceArray a : toHost.keySet()) {
            if (!onDevice.contains(a)) {
                throw new IllegalArgumentException("task graph " + name + ": array " + a + " is copied to the host but no task writes it and it is not on the device");
            }
        }
        return new ExecutionPlan(name, device, List.copyOf(tasks), new LinkedHashMap<>(toDevice), new LinkedHashMap<>(toHost));
    }

    /** Kernel arguments a task binds: an array is two (buffer and element offset), a scalar one. */
    static int kernelArguments(Task t) {
        int n = 0;
        for (Arg arg : t.args()) n += arg instanceof Arg.Array ? 2 : 1;
        return n;
    }

    private List<DeviceArray> allArrays() {
        List<DeviceArray> all = new ArrayList<>(toDevice.keySet());
        all.addAll(toHost.keySet());
        all.addAll(resident);
        for (Task t : tasks) {
            for (Arg arg : t.args()) if (arg instanceof Arg.Array(DeviceArray a, Arg.Access ignored)) all.add(a);
        }
        return all;
    }
}
