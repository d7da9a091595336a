/*
 * The caching allocator of the GPU backends. Buffers are rounded up to a size class (multiples
 * of 4 KiB up to 1 MiB, then of 1/8 of the power of two below) and kept on a free list per class
 * when released, so a training step reuses the previous step's buffers instead of calling the
 * driver. When the driver reports an allocation failure, the cached buffers are given back and
 * the allocation is tried once more before the failure reaches the caller (with its status name).
 */
package io.tessera.gpu;

import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/** Size-class free lists over a runtime's allocate and free calls. Not thread-safe. */
final class CachingAllocator {
    private static final long PAGE = 4096;

    private final LongFunction<MemorySegment> driverAllocate;
    private final Consumer<MemorySegment> driverFree;
    private final Map<Long, ArrayDeque<MemorySegment>> free = new HashMap<>();
    private long cachedBytes, liveBytes, peakLiveBytes, driverAllocations, reuses;

    /**
     * @param driverAllocate the runtime's allocation of a buffer of the given bytes (throws
     *                       {@link NativeException} when the device is out of memory)
     * @param driverFree     the runtime's release of a buffer
     */
    CachingAllocator(LongFunction<MemorySegment> driverAllocate, Consumer<MemorySegment> driverFree) {
        this.driverAllocate = driverAllocate;
        this.driverFree = driverFree;
    }

    /** The size class of a request of {@code bytes}. */
    static long sizeClass(long bytes) {
        long b = Math.max(bytes, 1);
        if (b <= (1L << 20)) return (b + PAGE - 1) / PAGE * PAGE;
        long step = Long.highestOneBit(b - 1) >> 3;
        return (b + step - 1) / step * step;
    }

    /** A buffer of at least {@code bytes}; its actual size is {@link #sizeClass}(bytes). */
    MemorySegment take(long bytes) {
        long size = sizeClass(bytes);
        ArrayDeque<MemorySegment> q = free.get(size);
        MemorySegment m = q == null ? null : q.pollLast();
        if (m != null) {
            reuses++;
            cachedBytes -= size;
        } else {
            m = create(size);
        }
        liveBytes += size;
        peakLiveBytes = Math.max(peakLiveBytes, liveBytes);
        return m;
    }

    private MemorySegment create(long size) {
        try {
            driverAllocations++;
            return driverAllocate.apply(size);
        } catch (NativeException e) {
            if (cachedBytes == 0) throw e;
            emptyCache();
            return driverAllocate.apply(size);
        }
    }

    /** Keeps {@code mem} (taken with a request of {@code bytes}) for reuse. */
    void give(MemorySegment mem, long bytes) {
        long size = sizeClass(bytes);
        liveBytes -= size;
        cachedBytes += size;
        free.computeIfAbsent(size, k -> new ArrayDeque<>()).addLast(mem);
    }

    /** Releases every cached buffer to the driver. */
    void emptyCache() {
        for (ArrayDeque<MemorySegment> q : free.values()) {
            for (MemorySegment m : q) driverFree.accept(m);
        }
        free.clear();
        cachedBytes = 0;
    }

    long liveBytes() {
        return liveBytes;
    }

    long cachedBytes() {
        return cachedBytes;
    }

    long peakLiveBytes() {
        return peakLiveBytes;
    }

    long driverAllocations() {
        return driverAllocations;
    }

    long reuses() {
        return reuses;
    }
}
