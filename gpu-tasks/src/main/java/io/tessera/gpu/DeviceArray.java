/*
 * A typed handle on a device buffer and its host mirror (off-heap memory): what a task graph
 * transfers and what kernels receive. F32 or I32 elements, on an OpenCL or a CUDA device. A
 * host-backed array (OpenCL only) is a CL_MEM_USE_HOST_PTR buffer over its host mirror (zero-copy where the device shares host
 * memory, e.g. PoCL). Data stays on the device between plans until the array is closed.
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** A device buffer of {@code length} F32 or I32 elements with a host mirror. Not thread-safe. */
public final class DeviceArray implements AutoCloseable {
    private final ComputeDevice owner;
    private final String name;
    private final DType dtype;
    private final int length;
    private final boolean hostBacked;
    private final Arena arena;
    private final MemorySegment host;
    private MemorySegment mem;

    DeviceArray(ComputeDevice owner, String name, DType dtype, int length, boolean hostBacked) {
        if (dtype != DType.F32 && dtype != DType.I32) {
            throw new IllegalArgumentException("device array " + name + ": dtype " + dtype + " is not supported on the device (F32 or I32)");
        }
        if (length < 1) {
            throw new IllegalArgumentException("device array " + name + " of " + length + " elements: expected at least 1");
        }
        this.owner = owner;
        this.name = name;
        this.dtype = dtype;
        this.length = length;
        this.hostBacked = hostBacked;
        this.arena = Arena.ofShared();
        this.host = arena.allocate((long) length * 4, hostBacked ? 4096 : 64);
        try {
            this.mem = owner.createBuffer(this, host);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    /** Number of elements. */
    public int length() {
        return length;
    }

    public long byteSize() {
        return (long) length * 4;
    }

    /** Whether the device buffer uses the host mirror's memory (CL_MEM_USE_HOST_PTR). */
    public boolean hostBacked() {
        return hostBacked;
    }

    /** The device that owns the buffer. */
    public ComputeDevice device() {
        return owner;
    }

    /** The host mirror (off-heap); transfers copy between it and the device buffer. */
    public MemorySegment host() {
        checkOpen();
        return host;
    }

    /** host mirror = {@code values} (F32 array). */
    public DeviceArray set(float[] values) {
        checkOpen();
        expect(DType.F32, values.length);
        MemorySegment.copy(values, 0, host, JAVA_FLOAT, 0, length);
        return this;
    }

    /** host mirror = {@code values} (I32 array). */
    public DeviceArray set(int[] values) {
        checkOpen();
        expect(DType.I32, values.length);
        MemorySegment.copy(values, 0, host, JAVA_INT, 0, length);
        return this;
    }

    /** A copy of the host mirror (F32 array). */
    public float[] toFloatArray() {
        checkOpen();
        expect(DType.F32, length);
        return host.toArray(JAVA_FLOAT);
    }

    /** A copy of the host mirror (I32 array). */
    public int[] toIntArray() {
        checkOpen();
        expect(DType.I32, length);
        return host.toArray(JAVA_INT);
    }

    public boolean isOpen() {
        return mem != null;
    }

    /** Releases the device buffer and the host mirror. */
    @Override
    public void close() {
        if (mem == null) return;
        MemorySegment m = mem;
        mem = null;
        try {
            owner.releaseBuffer(this, m);
        } finally {
            arena.close();
        }
    }

    MemorySegment mem() {
        checkOpen();
        return mem;
    }

    private void checkOpen() {
        if (mem == null) throw new IllegalStateException("device array " + this + " is closed");
    }

    private void expect(DType t, int n) {
        if (dtype != t || n != length) {
            throw new IllegalArgumentException("device array " + this + ": host access as " + t + "[" + n + "], expected "
                    + dtype + "[" + length + "]");
        }
    }

    @Override
    public String toString() {
        return name + " (" + dtype + "[" + length + "]" + (hostBacked ? ", host-backed" : "") + ")";
    }
}
