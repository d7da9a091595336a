/*
 * Plan commands on CUDA: a kernel-parameter block per task built once (one 8-byte slot per
 * kernel argument and the array of pointers to them that cuLaunchKernel takes), copies and
 * launches on the device's one stream, each bracketed by two events.
 */
package io.tessera.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** CUDA's half of an execution plan. */
final class CudaPlanCommands implements PlanCommands {
    private final CudaDevice device;

    CudaPlanCommands(CudaDevice device) {
        this.device = device;
    }

    @Override
    public MemorySegment prepare(TaskGraph.Task t, String context, Arena arena) {
        device.makeCurrent();
        int given = TaskGraph.kernelArguments(t);
        int expected = device.cuda().parameterCount(t.kernel().handle());
        if (expected >= 0 && expected != given) {
            throw new IllegalArgumentException(context + " gives " + given
                    + " kernel arguments (an array is two: buffer and element offset), kernel " + t.kernel() + " takes " + expected);
        }
        MemorySegment values = arena.allocate(8L * Math.max(1, given), 8);
        MemorySegment params = arena.allocate(ADDRESS, Math.max(1, given));
        int index = 0;
        for (Arg arg : t.args()) {
            switch (arg) {
                case Arg.Array arr -> {
                    values.set(JAVA_LONG, 8L * index, arr.array().mem().address());
                    params.setAtIndex(ADDRESS, index, values.asSlice(8L * index++, 8));
                    values.set(JAVA_INT, 8L * index, 0);
                    params.setAtIndex(ADDRESS, index, values.asSlice(8L * index++, 8));
                }
                case Arg.I32 v -> {
                    values.set(JAVA_INT, 8L * index, v.value());
                    params.setAtIndex(ADDRESS, index, values.asSlice(8L * index++, 8));
                }
                case Arg.F32 v -> {
                    values.set(JAVA_FLOAT, 8L * index, v.value());
                    params.setAtIndex(ADDRESS, index, values.asSlice(8L * index++, 8));
                }
            }
        }
        return params;
    }

    @Override
    public void release(MemorySegment prepared) {
        // the parameter block lives in the plan's arena
    }

    @Override
    public Timed copy(DeviceArray array, boolean toDevice, boolean blocking) {
        device.makeCurrent();
        MemorySegment start = device.recordEvent();
        if (toDevice) device.cuda().copyToDevice(array.mem().address(), array.host(), array.byteSize(), device.stream());
        else device.cuda().copyToHost(array.host(), array.mem().address(), array.byteSize(), device.stream());
        Timed timed = new Timed(start, device.recordEvent());
        if (blocking) device.cuda().streamSynchronize(device.stream());
        return timed;
    }

    @Override
    public Timed launch(TaskGraph.Task t, MemorySegment prepared, String context) {
        device.makeCurrent();
        MemorySegment start = device.recordEvent();
        int st = CudaLauncher.launch(device.cuda(), t.kernel().handle(), t.grid(), device.stream(), prepared, context);
        if (st != 0) {
            device.cuda().eventDestroy(start);
            throw new NativeException(Cuda.RUNTIME, "cuLaunchKernel", st, device.cuda().errorName(st), context);
        }
        return new Timed(start, device.recordEvent());
    }

    @Override
    public void finish() {
        device.makeCurrent();
        device.cuda().streamSynchronize(device.stream());
    }

    @Override
    public long nanos(Timed timed) {
        return Math.round(device.cuda().elapsedMillis(timed.first(), timed.second()) * 1e6);
    }

    @Override
    public void release(Timed timed) {
        device.cuda().eventDestroy(timed.first());
        device.cuda().eventDestroy(timed.second());
    }
}
