/*
 * Plan commands on OpenCL: a cl_kernel per task with its arguments set once, copies and
 * NDRange launches on the device's in-order profiling queue, each with its own event.
 */
package io.tessera.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** OpenCL's half of an execution plan. */
final class ClPlanCommands implements PlanCommands {
    private final OpenClDevice device;

    ClPlanCommands(OpenClDevice device) {
        this.device = device;
    }

    @Override
    public MemorySegment prepare(TaskGraph.Task t, String context, Arena arena) {
        MemorySegment k = device.cl().createKernel(t.kernel().handle(), t.kernel().function());
        try {
            int expected = device.cl().kernelNumArgs(k);
            int given = TaskGraph.kernelArguments(t);
            if (expected != given) {
                throw new IllegalArgumentException(context + " gives " + given
                        + " kernel arguments (an array is two: buffer and element offset), kernel " + t.kernel() + " takes " + expected);
            }
            try (Arena a = Arena.ofConfined()) {
                int index = 0;
                for (Arg arg : t.args()) {
                    switch (arg) {
                        case Arg.Array arr -> {
                            device.cl().setKernelArg(k, index++, ADDRESS.byteSize(), a.allocateFrom(ADDRESS, arr.array().mem()), context + " (array " + arr.array() + ")");
                            device.cl().setKernelArg(k, index++, 4, a.allocateFrom(JAVA_INT, 0), context + " (offset of " + arr.array() + ")");
                        }
                        case Arg.I32 v -> device.cl().setKernelArg(k, index++, 4, a.allocateFrom(JAVA_INT, v.value()), context);
                        case Arg.F32 v -> device.cl().setKernelArg(k, index++, 4, a.allocateFrom(JAVA_FLOAT, v.value()), context);
                    }
                }
            }
            return k;
        } catch (RuntimeException e) {
            device.cl().releaseKernel(k);
            throw e;
        }
    }

    @Override
    public void release(MemorySegment prepared) {
        device.cl().releaseKernel(prepared);
    }

    @Override
    public Timed copy(DeviceArray array, boolean toDevice, boolean blocking) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = a.allocate(ADDRESS);
            if (toDevice) device.cl().enqueueWriteBuffer(device.queue(), array.mem(), blocking, 0, array.byteSize(), array.host(), ev);
            else device.cl().enqueueReadBuffer(device.queue(), array.mem(), blocking, 0, array.byteSize(), array.host(), ev);
            return new Timed(ev.get(ADDRESS, 0), MemorySegment.NULL);
        }
    }

    @Override
    public Timed launch(TaskGraph.Task t, MemorySegment prepared, String context) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ev = a.allocate(ADDRESS);
            device.cl().enqueueNDRangeKernel(device.queue(), prepared, t.grid().global(), t.grid().local(), ev, context);
            return new Timed(ev.get(ADDRESS, 0), MemorySegment.NULL);
        }
    }

    @Override
    public void finish() {
        device.cl().finish(device.queue());
    }

    @Override
    public long nanos(Timed timed) {
        return device.cl().profilingInfo(timed.first(), OpenCl.CL_PROFILING_COMMAND_END) - device.cl().profilingInfo(timed.first(), OpenCl.CL_PROFILING_COMMAND_START);
    }

    @Override
    public void release(Timed timed) {
        device.cl().releaseEvent(timed.first());
    }
}
