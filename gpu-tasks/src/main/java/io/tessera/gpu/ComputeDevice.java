/*
 * What task graphs need from a device, whatever its runtime: device arrays with host mirrors,
 * kernels built from the .kc sources, the plans frozen on it, and the commands a plan enqueues
 * (copies, launches, their timing). OpenClDevice and CudaDevice are the two; a TaskGraph written
 * against this class runs on either. Closing a device closes the plans and arrays still open on it.
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Device;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/** An opened GPU device (OpenCL or CUDA) that task graphs run on. Not thread-safe. */
public abstract sealed class ComputeDevice implements AutoCloseable permits OpenClDevice, CudaDevice {
    private final Set<DeviceArray> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<ExecutionPlan> plans = Collections.newSetFromMap(new IdentityHashMap<>());

    ComputeDevice() {
    }

    /** The kernel of a catalog entry, built (or taken from the cache) with {@code defines}. */
    public Kernel kernel(Kernels entry, Defines defines) {
        return kernel(entry.source(), entry.function(), defines);
    }

    /**
     * A kernel function of {@code source} built for this device with {@code defines}.
     *
     * @throws KernelBuildException with the compiler's log when the source does not compile
     * @throws NativeException      when the built program has no such function
     */
    public abstract Kernel kernel(KernelSource source, String function, Defines defines);

    /** Where the device was opened, e.g. "opencl:0:1" or "cuda:0". */
    public abstract String location();

    /** This device as the tensor library names it. */
    public abstract Device tensorDevice();

    // ---- arrays ---------------------------------------------------------------------------

    /** A device array of {@code n} floats with a host mirror (zero-filled on the host only). */
    public DeviceArray floats(String name, int n) {
        return track(new DeviceArray(this, name, DType.F32, n, false));
    }

    /** A device array holding a copy of {@code values} in its host mirror (not yet on the device). */
    public DeviceArray floats(String name, float[] values) {
        return floats(name, values.length).set(values);
    }

    /** A device array of {@code n} ints with a host mirror. */
    public DeviceArray ints(String name, int n) {
        return track(new DeviceArray(this, name, DType.I32, n, false));
    }

    DeviceArray track(DeviceArray a) {
        arrays.add(a);
        return a;
    }

    /** The device buffer of a new array (its host mirror given for host-backed arrays). */
    abstract MemorySegment createBuffer(DeviceArray a, MemorySegment host);

    /** Frees a buffer {@link #createBuffer} made. */
    abstract void freeBuffer(MemorySegment mem);

    void releaseBuffer(DeviceArray a, MemorySegment mem) {
        arrays.remove(a);
        freeBuffer(mem);
    }

    // ---- plans ----------------------------------------------------------------------------

    /** The copies, launches and timings a plan enqueues on this device's queue or stream. */
    abstract PlanCommands commands();

    /** "opencl" or "cuda", as profiles name it. */
    abstract String runtime();

    /** The platform (OpenCL) or driver (CUDA) the device belongs to, for profiles. */
    abstract String platformName();

    /** The device's name, for profiles and messages. */
    abstract String deviceName();

    abstract void checkOpen();

    void register(ExecutionPlan plan) {
        checkOpen();
        plans.add(plan);
    }

    void unregister(ExecutionPlan plan) {
        plans.remove(plan);
    }

    /** Closes the plans, then the arrays still open on this device; returns the first failure (or null). */
    RuntimeException closePlansAndArrays() {
        RuntimeException first = null;
        for (ExecutionPlan p : new ArrayList<>(plans)) {
            try {
                p.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        for (DeviceArray a : new ArrayList<>(arrays)) {
            try {
                a.close();
            } catch (RuntimeException e) {
                first = first == null ? e : first;
            }
        }
        return first;
    }

    @Override
    public abstract void close();
}
