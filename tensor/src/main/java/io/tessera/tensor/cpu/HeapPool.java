package io.tessera.tensor.cpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Storage;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Recycles heap arrays by exact length, so a training step that allocates the same
 * intermediates every iteration reuses them instead of producing garbage. Bounded per length;
 * arrays beyond the bound are left to the collector.
 */
final class HeapPool {
    private static final int MAX_PER_SIZE = 64;
    private final Map<Long, ArrayDeque<Storage>> free = new HashMap<>();
    private long reused, created;

    synchronized Storage take(DType dtype, int size, boolean zeroed) {
        ArrayDeque<Storage> q = free.get(key(dtype, size));
        Storage s = q == null ? null : q.pollLast();
        if (s == null) {
            created++;
            return switch (dtype) {
                case F32 -> new Storage.F32(new float[size]);
                case F64 -> new Storage.F64(new double[size]);
                case I32 -> new Storage.I32(new int[size]);
            };
        }
        reused++;
        if (zeroed) {
            switch (s) {
                case Storage.F32 f -> Arrays.fill(f.data(), 0f);
                case Storage.F64 f -> Arrays.fill(f.data(), 0.0);
                case Storage.I32 f -> Arrays.fill(f.data(), 0);
                default -> throw new IllegalStateException("device storage in a heap pool");
            }
        }
        return s;
    }

    synchronized void give(Storage s) {
        ArrayDeque<Storage> q = free.computeIfAbsent(key(s.dtype(), s.capacity()), k -> new ArrayDeque<>());
        if (q.size() < MAX_PER_SIZE) q.addLast(s);
    }

    synchronized long reused() {
        return reused;
    }

    synchronized long created() {
        return created;
    }

    private static long key(DType t, int size) {
        return ((long) t.ordinal() << 32) | size;
    }
}
