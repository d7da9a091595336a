package io.tessera.tensor.cpu;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.RecursiveAction;
import java.util.function.IntConsumer;

/**
 * Runs numbered chunks of work on a fixed pool of threads. Determinism comes from the caller:
 * chunk boundaries depend only on the problem size, never on the thread count, and a chunk's
 * result never depends on which thread ran it, so 1 thread and N threads give identical bits.
 */
public final class Parallel implements AutoCloseable {
    private final int threads;
    private final ForkJoinPool pool;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code body.accept(i)} for i in [0, chunks), in parallel when worthwhile. */
    public void forEach(int chunks, IntConsumer body) {
        if (chunks <= 0) return;
        if (pool == null || chunks == 1) {
            for (int i = 0; i < chunks; i++) body.accept(i);
            return;
        }
        if (ForkJoinTask.inForkJoinPool() && ForkJoinTask.getPool() == pool) {
            new Range(body, 0, chunks).compute();
        } else {
            pool.invoke(new Range(body, 0, chunks));
        }
    }

    /** Chunk count for {@code n} items of about {@code grain} items each (at least 1). */
    public static int chunks(long n, long grain) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (n + grain - 1) / grain));
    }

    private static final class Range extends RecursiveAction {
        private final IntConsumer body;
        private final int lo, hi;

        Range(IntConsumer body, int lo, int hi) {
            this.body = body;
            this.lo = lo;
            this.hi = hi;
        }

        @Override
        protected void compute() {
            if (hi - lo == 1) {
                body.accept(lo);
                return;
            }
            int mid = (lo + hi) >>> 1;
            invokeAll(new Range(body, lo, mid), new Range(body, mid, hi));
        }
    }

    @Override
    public void close() {
        if (pool != null) pool.shutdownNow();
    }
}
