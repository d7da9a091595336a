package io.tessera.tensor.dist;

import io.tessera.tensor.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * W ranks of a {@link Collective} as W threads of one JVM, for tests of collective code without a
 * launcher: each thread runs the body with its own rank, and the ranks meet at a barrier in every
 * call. Sums are taken in rank order (rank 0's value first) in the buffer's precision, as a
 * reduction over two processes would. A rank that fails breaks the barrier, so the others fail at
 * their next collective instead of waiting; a rank that waits longer than the timeout fails.
 * Published in the tensor test-jar for the other modules' tests.
 */
public final class InProcessGroup {
    private final int worldSize;
    private final long timeoutMillis;
    private final CyclicBarrier barrier;
    private final Object[] slots;

    private InProcessGroup(int worldSize, long timeoutMillis) {
        this.worldSize = worldSize;
        this.timeoutMillis = timeoutMillis;
        this.barrier = new CyclicBarrier(worldSize);
        this.slots = new Object[worldSize];
    }

    /** The body of one rank. */
    @FunctionalInterface
    public interface Body<T> {
        T run(Collective rank) throws Exception;
    }

    /**
     * Runs {@code body} on {@code worldSize} threads, rank r with rank r's collective; returns the
     * results in rank order, or throws the first rank's failure (as an {@link AssertionError}
     * carrying it) once every thread has ended.
     */
    public static <T> List<T> run(int worldSize, Body<T> body) {
        if (worldSize < 1) throw new IllegalArgumentException("a group has at least one rank, got " + worldSize);
        InProcessGroup g = new InProcessGroup(worldSize, 60_000);
        List<AtomicReference<T>> results = new ArrayList<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < worldSize; r++) {
            AtomicReference<T> out = new AtomicReference<>();
            results.add(out);
            Collective c = g.new Rank(r);
            threads.add(Thread.ofPlatform().name("rank-" + r).start(() -> {
                try {
                    out.set(body.run(c));
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                    g.barrier.reset(); // the others' waits end with BrokenBarrierException
                }
            }));
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while the ranks ran", e);
            }
        }
        if (failure.get() != null) throw new AssertionError("a rank failed: " + failure.get(), failure.get());
        return results.stream().map(AtomicReference::get).toList();
    }

    private void await(int rank, String op) {
        try {
            barrier.await(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(op + " on rank " + rank + " was interrupted", e);
        } catch (BrokenBarrierException e) {
            throw new IllegalStateException(op + " on rank " + rank + ": another rank failed", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException(op + " on rank " + rank + " waited more than " + timeoutMillis + " ms", e);
        }
    }

    private final class Rank implements Collective {
        private final int rank;
        private boolean closed;

        Rank(int rank) {
            this.rank = rank;
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int worldSize() {
            return worldSize;
        }

        @Override
        public void allReduceSum(float[] data, int offset, int length) {
            CollectiveChecks.span("allReduceSum", data.length, offset, length);
            open();
            slots[rank] = java.util.Arrays.copyOfRange(data, offset, offset + length);
            await(rank, "allReduceSum");
            for (int i = 0; i < length; i++) {
                float s = 0;
                for (int r = 0; r < worldSize; r++) s += ((float[]) slots[r])[i];
                data[offset + i] = s;
            }
            await(rank, "allReduceSum");
        }

        @Override
        public void allReduceSum(double[] data, int offset, int length) {
            CollectiveChecks.span("allReduceSum", data.length, offset, length);
            open();
            slots[rank] = java.util.Arrays.copyOfRange(data, offset, offset + length);
            await(rank, "allReduceSum");
            for (int i = 0; i < length; i++) {
                double s = 0;
                for (int r = 0; r < worldSize; r++) s += ((double[]) slots[r])[i];
                data[offset + i] = s;
            }
            await(rank, "allReduceSum");
        }

        @Override
        public void allReduceSum(MemorySegment data, DType dtype) {
            if (dtype == DType.F32) {
                float[] a = data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
                allReduceSum(a, 0, a.length);
                MemorySegment.copy(a, 0, data, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, a.length);
            } else {
                double[] a = data.toArray(ValueLayout.JAVA_DOUBLE_UNALIGNED);
                allReduceSum(a, 0, a.length);
                MemorySegment.copy(a, 0, data, ValueLayout.JAVA_DOUBLE_UNALIGNED, 0, a.length);
            }
        }

        @Override
        public void broadcast(float[] data, int offset, int length, int root) {
            CollectiveChecks.span("broadcast", data.length, offset, length);
            CollectiveChecks.root("broadcast", root, worldSize);
            open();
            if (rank == root) slots[rank] = java.util.Arrays.copyOfRange(data, offset, offset + length);
            await(rank, "broadcast");
            System.arraycopy((float[]) slots[root], 0, data, offset, length);
            await(rank, "broadcast");
        }

        @Override
        public void broadcast(double[] data, int offset, int length, int root) {
            CollectiveChecks.span("broadcast", data.length, offset, length);
            CollectiveChecks.root("broadcast", root, worldSize);
            open();
            if (rank == root) slots[rank] = java.util.Arrays.copyOfRange(data, offset, offset + length);
            await(rank, "broadcast");
            System.arraycopy((double[]) slots[root], 0, data, offset, length);
            await(rank, "broadcast");
        }

        @Override
        public void broadcast(MemorySegment data, DType dtype, int root) {
            if (dtype == DType.F32) {
                float[] a = data.toArray(ValueLayout.JAVA_FLOAT_UNALIGNED);
                broadcast(a, 0, a.length, root);
                MemorySegment.copy(a, 0, data, ValueLayout.JAVA_FLOAT_UNALIGNED, 0, a.length);
            } else {
                double[] a = data.toArray(ValueLayout.JAVA_DOUBLE_UNALIGNED);
                broadcast(a, 0, a.length, root);
                MemorySegment.copy(a, 0, data, ValueLayout.JAVA_DOUBLE_UNALIGNED, 0, a.length);
            }
        }

        @Override
        public void barrier() {
            open();
            await(rank, "barrier");
        }

        @Override
        public void close() {
            closed = true;
        }

        private void open() {
            if (closed) throw new IllegalStateException("rank " + rank + " of the in-process group is closed");
        }
    }
}
