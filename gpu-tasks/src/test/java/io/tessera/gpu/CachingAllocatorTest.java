/*
 * The caching allocator with a stand-in for the driver (no device needed): size classes, reuse
 * of released buffers of the same class, the counters, giving the cache back, and one retry
 * after emptying the cache when the driver reports that the device is out of memory.
 */
package io.tessera.gpu;

import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CachingAllocatorTest {
    /** A driver that hands out fake addresses, can be told to fail, and records frees. */
    private static final class FakeDriver {
        long next = 0x1000, capacity = Long.MAX_VALUE, used;
        final List<Long> freed = new ArrayList<>();
        int calls;

        MemorySegment allocate(long bytes) {
            calls++;
            if (used + bytes > capacity) throw new NativeException("cuda", "cuMemAlloc_v2", 2, "CUDA_ERROR_OUT_OF_MEMORY", bytes + " bytes");
            used += bytes;
            MemorySegment m = MemorySegment.ofAddress(next);
            next += bytes;
            return m;
        }

        void free(MemorySegment m, long bytes) {
            freed.add(m.address());
            used -= bytes;
        }
    }

    @Test
    void sizeClassesArePagesThenEighthsOfAPowerOfTwo() {
        assertThat(CachingAllocator.sizeClass(1)).isEqualTo(4096);
        assertThat(CachingAllocator.sizeClass(4097)).isEqualTo(8192);
        assertThat(CachingAllocator.sizeClass(1 << 20)).isEqualTo(1 << 20);
        assertThat(CachingAllocator.sizeClass((1 << 20) + 1)).isEqualTo((1 << 20) + (1 << 17));
        assertThat(CachingAllocator.sizeClass(100_000_000L)).isEqualTo(100_663_296L); // 2^26 + 5·2^23
    }

    @Test
    void aReleasedBufferIsReusedForTheSameSizeClass() {
        FakeDriver d = new FakeDriver();
        CachingAllocator a = new CachingAllocator(d::allocate, m -> d.free(m, 4096));
        MemorySegment first = a.take(100);
        a.give(first, 100);
        assertThat(a.take(4000)).isEqualTo(first);
        assertThat(a.take(4000)).isNotEqualTo(first);
        assertThat(a.driverAllocations()).isEqualTo(2);
        assertThat(a.reuses()).isEqualTo(1);
        assertThat(a.liveBytes()).isEqualTo(8192);
        assertThat(a.peakLiveBytes()).isEqualTo(8192);
    }

    @Test
    void outOfMemoryEmptiesTheCacheAndTriesOnce() {
        FakeDriver d = new FakeDriver();
        d.capacity = 3 * 4096;
        CachingAllocator a = new CachingAllocator(d::allocate, m -> d.free(m, 4096));
        MemorySegment x = a.take(4096), y = a.take(4096);
        a.give(x, 4096);
        a.give(y, 4096);
        MemorySegment big = a.take(2 * 4096); // a different class: the cached pages must go back first
        assertThat(big).isNotNull();
        assertThat(d.freed).containsExactlyInAnyOrder(x.address(), y.address());
        assertThat(a.cachedBytes()).isZero();
        assertThatThrownBy(() -> a.take(8 * 4096)).isInstanceOf(NativeException.class).hasMessageContaining("CUDA_ERROR_OUT_OF_MEMORY");
    }
}
