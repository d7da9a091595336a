package io.tessera.eval.hessian;

import io.tessera.tensor.DType;
import io.tessera.tensor.dist.Collective;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

// Test collective: the ranks of a group as threads of this JVM. A sum deposits every rank's span,
// waits for all, and adds them in rank order; a broadcast copies the root's. Double precision only,
// which is what the Hessian tools reduce. A rank that never arrives makes the others fail after 20 s.

/** W ranks on W threads. */
final class ThreadWorld {
    private final int size;
    private final CyclicBarrier barrier;
    private final double[][] slots;

    ThreadWorld(int size) {
        this.size = size;
        this.barrier = new CyclicBarrier(size);
        this.slots = new double[size][];
    }

    /** The result, or the exception, of each rank's body, in rank order. */
    interface RankBody<T> {
        T run(Collective group) throws Exception;
    }

    /** Runs {@code body} on every rank, each on its own thread, and returns what each returned or threw. */
    <T> List<Object> run(RankBody<T> body) throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<T>> fs = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                Member m = new Member(r);
                fs.add(pool.submit((Callable<T>) () -> body.run(m)));
            }
            List<Object> out = new ArrayList<>();
            for (Future<T> f : fs) {
                try {
                    out.add(f.get(60, TimeUnit.SECONDS));
                } catch (java.util.concurrent.ExecutionException e) {
                    out.add(e.getCause());
                } catch (TimeoutException e) {
                    throw new AssertionError("a rank did not finish in 60 s");
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    /** As {@link #run}, failing the test with the first rank's exception, if any. */
    @SuppressWarnings("unchecked")
    <T> List<T> runAll(RankBody<T> body) throws InterruptedException {
        List<Object> out = run(body);
        for (int r = 0; r < out.size(); r++) {
            if (out.get(r) instanceof Throwable t) throw new AssertionError("rank " + r + " failed: " + t, t);
        }
        return (List<T>) out;
    }

    private void await() {
        try {
            barrier.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException | BrokenBarrierException | TimeoutException e) {
            throw new IllegalStateException("a rank did not reach the collective", e);
        }
    }

    private final class Member implements Collective {
        private final int rank;

        Member(int rank) {
            this.rank = rank;
        }

        @Override
        public int rank() {
            return rank;
        }

        @Override
        public int worldSize() {
            return size;
        }

        @Override
        public void allReduceSum(double[] data, int offset, int length) {
            slots[rank] = java.util.Arrays.copyOfRange(data, offset, offset + length);
            await();
            for (int i = 0; i < length; i++) {
                double s = 0;
                for (int r = 0; r < size; r++) s += slots[r][i];
                data[offset + i] = s;
            }
            await();
        }

        @Override
        public void broadcast(double[] data, int offset, int length, int root) {
            if (rank == root) slots[rank] = java.util.Arrays.copyOfRange(data, offset, offset + length);
            await();
            if (rank != root) System.arraycopy(slots[root], 0, data, offset, length);
            await();
        }

        @Override
        public void allReduceSum(float[] data, int offset, int length) {
            throw new UnsupportedOperationException("the Hessian tools reduce doubles");
        }

        @Override
        public void allReduceSum(MemorySegment data, DType dtype) {
            throw new UnsupportedOperationException("the Hessian tools reduce doubles");
        }

        @Override
        public void broadcast(float[] data, int offset, int length, int root) {
            throw new UnsupportedOperationException("the Hessian tools broadcast doubles");
        }

        @Override
        public void broadcast(MemorySegment data, DType dtype, int root) {
            throw new UnsupportedOperationException("the Hessian tools broadcast doubles");
        }

        @Override
        public void barrier() {
            await();
        }

        @Override
        public void close() {
        }
    }
}
