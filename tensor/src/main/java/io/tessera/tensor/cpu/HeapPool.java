package io.tessera.tensor.cpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Storage;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Recycles heap arrays by exact length, so a training step that allocates the same
 * intermediates every iteration reuses them instead of producing garbage. A step of a ViT
 * releases hundreds of arrays of a few sizes, so the pool is bounded by the bytes it holds (a
 * quarter of the maximum heap by default), not by a count per size; arrays beyond the budget
 * are left to the collector.
 */
final class HeapPool {
    private final long budgetBytes;
    private final Map<Long, ArrayDeque<Storage>> free = new HashMap<>();
    private long heldBytes, reused, created;

    HeapPool() {
        this(Runtime.getRuntime().maxMemory() / 4);
    }

    HeapPool(long budgetBytes) {
        this.budgetBytes = budgetBytes;
    }

    synchronized Storage take(DType dtype, int size, boolean zeroed) {
        ArrayDeque<Storage> q = free.get(key(dtype, size));
        Storage s = q == null ? null : q.pollLast();
        if (s == null) {
            created++;
            return switch (dtype) {
                case F32 -> new Storage.F32(new float[size]);
                case F64 -> new Storage.F64(new double[size]);
                case I32 -> new Storage.I32(new int[size]);
                case BF16 -> new Storage.BF16(new short[size]);
                case F16 -> new Storage.F16(new short[size]);
            };
        }
        reused++;
        heldBytes -= (long) size * dtype.byteSize();
        if (zeroed) {
            switch (s) {
                case Storage.F32 f -> Arrays.fill(f.data(), 0f);
                case Storage.F64 f -> Arrays.fill(f.data(), 0.0);
                case Storage.I32 f -> Arrays.fill(f.data(), 0);
                case Storage.BF16 f -> Arrays.fill(f.data(), (short) 0);
                case Storage.F16 f -> Arrays.fill(f.data(), (short) 0);
                default -> throw new IllegalStateException("device storage in a heap pool");
            }
        }
        return s;
    }

    synchronized void give(Storage s) {
        long bytes = (long) s.capacity() * s.dtype().byteSize();
        if (heldBytes + bytes > budgetBytes) return;
        free.computeIfAbsent(key(s.dtype(), s.capacity()), k -> new ArrayDeque<>()).addLast(s);
        heldBytes += bytes;
    }

    synchronized long heldBytes() {
        return heldBytes;
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
