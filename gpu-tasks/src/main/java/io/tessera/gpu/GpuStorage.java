/*
 * Tensor storage on a GPU: one buffer from the backend's caching allocator, as an opaque handle
 * (a cl_mem on OpenCL, the device pointer's address on CUDA). Tensors view it at an element
 * offset (parameter views into a flat store, leading-axis slices); kernels receive the buffer
 * and the offset as two arguments.
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Device;
import io.tessera.tensor.DeviceStorage;

import java.lang.foreign.MemorySegment;

/** A device buffer holding {@code capacity} elements of {@code dtype} (F32, I32, or BF16 in 2 bytes each). */
final class GpuStorage implements DeviceStorage {
    private final Device device;
    private final DType dtype;
    private final int capacity;
    private final long bytes;
    private MemorySegment mem;

    GpuStorage(Device device, DType dtype, int capacity, long bytes, MemorySegment mem) {
        this.device = device;
        this.dtype = dtype;
        this.capacity = capacity;
        this.bytes = bytes;
        this.mem = mem;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    /** The bytes requested for the buffer (whole 4-byte words, at least capacity · the dtype's size). */
    long bytes() {
        return bytes;
    }

    /** The buffer handle (cl_mem, or the CUDA device pointer as an address); throws once the storage went back to the allocator. */
    MemorySegment mem() {
        if (mem == null) throw new IllegalStateException("device storage of " + capacity + " " + dtype + " on " + device + " was released");
        return mem;
    }

    /** Detaches the buffer (the allocator keeps it for reuse) and returns it. */
    MemorySegment detach() {
        MemorySegment m = mem();
        mem = null;
        return m;
    }

    @Override
    public String toString() {
        return dtype + "[" + capacity + "] on " + device;
    }
}
