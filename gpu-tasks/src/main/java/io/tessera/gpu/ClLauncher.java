/*
 * Kernel launches of the OpenCL backend: one cl_kernel per (source, function, defines), made
 * once and reused; arguments bound from a compact list (a tensor becomes two kernel arguments,
 * its buffer and its element offset; a null tensor becomes a NULL buffer and offset 0); launches
 * enqueued on the device's one in-order queue without waiting. With profiling on, each launch
 * keeps its event and the time per kernel is summed when the profile is read.
 */
package io.tessera.gpu;

import io.tessera.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Builds, binds and enqueues the backend's kernels. Not thread-safe. */
final class ClLauncher implements Launcher {

    private record Key(String file, String function, Defines defines) {
    }

    private final OpenClDevice device;
    private final OpenCl cl;
    private final MemorySegment queue;
    private final Map<Key, Fn> kernels = new HashMap<>();
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment value = arena.allocate(8, 8);
    private final MemorySegment eventOut = arena.allocate(ADDRESS);
    private final List<String> pendingNames = new ArrayList<>();
    private final List<MemorySegment> pendingEvents = new ArrayList<>();
    private final Map<String, long[]> times = new LinkedHashMap<>();
    private boolean profiling;
    private long launches;

    ClLauncher(OpenClDevice device) {
        this.device = device;
        this.cl = device.cl();
        this.queue = device.queue();
    }

    @Override
    public Fn fn(KernelSource source, String function, Defines defines) {
        Key key = new Key(source.file(), function, defines);
        Fn f = kernels.get(key);
        if (f == null) {
            Kernel k = device.kernel(source, function, defines);
            f = new Fn(k.toString(), cl.createKernel(k.handle(), function));
            kernels.put(key, f);
        }
        return f;
    }

    @Override
    public long maxGroupSize(Fn fn) {
        return cl.kernelWorkGroupSize(fn.handle(), device.deviceId());
    }

    @Override
    public void launch(Fn fn, Grid grid, Object... args) {
        int index = 0;
        for (Object a : args) {
            switch (a) {
                case null -> {
                    cl.setKernelArg(fn.handle(), index++, ADDRESS.byteSize(), MemorySegment.NULL, fn.name());
                    value.set(JAVA_INT, 0, 0);
                    cl.setKernelArg(fn.handle(), index++, 4, value, fn.name());
                }
                case Tensor t -> {
                    if (!(t.storage() instanceof GpuStorage s)) {
                        throw new IllegalArgumentException(fn.name() + ": argument " + t.describe() + " is not on " + device.info().name());
                    }
                    value.set(ADDRESS, 0, s.mem());
                    cl.setKernelArg(fn.handle(), index++, ADDRESS.byteSize(), value, fn.name());
                    value.set(JAVA_INT, 0, t.offset());
                    cl.setKernelArg(fn.handle(), index++, 4, value, fn.name());
                }
                case Integer i -> {
                    value.set(JAVA_INT, 0, i);
                    cl.setKernelArg(fn.handle(), index++, 4, value, fn.name());
                }
                case Float f -> {
                    value.set(JAVA_FLOAT, 0, f);
                    cl.setKernelArg(fn.handle(), index++, 4, value, fn.name());
                }
                case Double d -> {
                    value.set(JAVA_FLOAT, 0, d.floatValue());
                    cl.setKernelArg(fn.handle(), index++, 4, value, fn.name());
                }
                case Long l -> {
                    value.set(JAVA_LONG, 0, l);
                    cl.setKernelArg(fn.handle(), index++, 8, value, fn.name());
                }
                default -> throw new IllegalArgumentException(fn.name() + ": unsupported kernel argument " + a.getClass().getSimpleName());
            }
        }
        launches++;
        try {
            cl.enqueueNDRangeKernel(queue, fn.handle(), grid.global(), grid.local(), profiling ? eventOut : MemorySegment.NULL, fn.name());
        } catch (NativeException e) { // the grid is named only on failure, not formatted on every launch
            throw new NativeException(e.runtime(), e.call(), e.status(), e.statusName(), fn.name() + " " + grid);
        }
        if (profiling) {
            pendingNames.add(fn.name());
            pendingEvents.add(eventOut.get(ADDRESS, 0));
        }
    }

    @Override
    public void external(String name, java.util.function.Consumer<MemorySegment> enqueue) {
        launches++;
        if (profiling) {
            enqueue.accept(eventOut);
            pendingNames.add(name);
            pendingEvents.add(eventOut.get(ADDRESS, 0));
        } else {
            enqueue.accept(MemorySegment.NULL);
        }
    }

    /** The device's command queue. */
    MemorySegment queue() {
        return queue;
    }

    @Override
    public void profiling(boolean on) {
        profiling = on;
    }

    @Override
    public List<GpuBackend.KernelTime> drainProfile() {
        cl.finish(queue);
        for (int i = 0; i < pendingEvents.size(); i++) {
            MemorySegment e = pendingEvents.get(i);
            long ns = cl.profilingInfo(e, OpenCl.CL_PROFILING_COMMAND_END) - cl.profilingInfo(e, OpenCl.CL_PROFILING_COMMAND_START);
            cl.releaseEvent(e);
            long[] t = times.computeIfAbsent(pendingNames.get(i), k -> new long[2]);
            t[0]++;
            t[1] += ns;
        }
        pendingEvents.clear();
        pendingNames.clear();
        List<GpuBackend.KernelTime> out = new ArrayList<>();
        times.forEach((k, t) -> out.add(new GpuBackend.KernelTime(k, t[0], t[1])));
        times.clear();
        return out;
    }

    @Override
    public long launches() {
        return launches;
    }

    @Override
    public void finish() {
        cl.finish(queue);
    }

    @Override
    public void close() {
        for (MemorySegment e : pendingEvents) cl.releaseEvent(e);
        pendingEvents.clear();
        for (Fn f : kernels.values()) cl.releaseKernel(f.handle());
        kernels.clear();
        arena.close();
    }
}
