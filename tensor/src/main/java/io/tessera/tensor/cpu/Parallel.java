package io.tessera.tensor.cpu;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * Runs numbered chunks of work on a fixed team of threads. Determinism comes from the caller:
 * chunk boundaries depend only on the problem size, never on the thread count, and a chunk's
 * result never depends on which thread ran it, so 1 thread and N threads give identical bits.
 *
 * <p>Written by hand rather than on a {@code ForkJoinPool} for the hand-off cost between short
 * phases (a matrix product packs, computes, packs again, each phase 0.05–1 ms): the caller runs
 * chunks itself, every thread takes chunk numbers from one counter, and a worker that finds no
 * new job spins for {@link #SPIN_NANOS} before it parks, so the next phase starts without a
 * wake-up. The spin is bounded, so an idle team costs nothing and a loaded machine loses at most
 * that much per phase to a waiting thread.
 *
 * <p>A call made from inside a chunk (on any thread of any team), or while another thread is
 * using the team, runs its chunks in order on the calling thread. The workers are daemon
 * threads; they end on {@link #close} or, for a team never closed, once it is unreachable.
 */
public final class Parallel implements AutoCloseable {
    /** How long a worker looking for the next job, or a caller waiting for the last chunk, spins before parking. */
    static final long SPIN_NANOS = 50_000;

    private static final Cleaner CLEANER = Cleaner.create();
    /** Set while the caller of {@link #forEach} runs chunks itself. */
    private static final ThreadLocal<boolean[]> IN_CHUNK = ThreadLocal.withInitial(() -> new boolean[1]);

    private final int threads;
    private final Team team;
    private final Cleaner.Cleanable cleanable;

    public Parallel(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be ≥ 1, got " + threads);
        this.threads = threads;
        this.team = new Team(threads - 1);
        this.cleanable = CLEANER.register(this, team);
    }

    public int threads() {
        return threads;
    }

    /** Whether the calling thread is running a chunk of some team's job. */
    public static boolean inChunk() {
        return Thread.currentThread() instanceof Worker || IN_CHUNK.get()[0];
    }

    /** Runs {@code body.accept(i)} for i in [0, chunks), in parallel when worthwhile. */
    public void forEach(int chunks, IntConsumer body) {
        if (chunks <= 0) return;
        if (team.workers.length == 0 || chunks == 1 || team.closed || inChunk() || !team.entry.tryLock()) {
            for (int i = 0; i < chunks; i++) body.accept(i);
            return;
        }
        boolean[] mine = IN_CHUNK.get();
        try {
            Job j = team.start(body, chunks);
            mine[0] = true;
            try {
                j.run();
            } finally {
                mine[0] = false;
            }
            j.await();
            team.job = null; // the body may hold large arrays: not kept past the call
            Throwable t = j.failure;
            if (t instanceof RuntimeException r) throw r;
            if (t instanceof Error e) throw e;
            if (t != null) throw new IllegalStateException(t);
        } finally {
            team.entry.unlock();
        }
    }

    /** Chunk count for {@code n} items of about {@code grain} items each (at least 1). */
    public static int chunks(long n, long grain) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (n + grain - 1) / grain));
    }

    @Override
    public void close() {
        cleanable.clean();
    }

    /** The workers and the job they share; reachable from the workers, never the other way round. */
    private static final class Team implements Runnable {
        final Worker[] workers;
        final ReentrantLock entry = new ReentrantLock();
        /** The running job, or null; each job has a new number, so a worker runs each at most once. */
        volatile Job job;
        volatile boolean closed;
        private long issued;

        Team(int count) {
            workers = new Worker[count];
            for (int i = 0; i < count; i++) {
                workers[i] = new Worker(this, i + 1);
                workers[i].start();
            }
        }

        Job start(IntConsumer body, int chunks) {
            Job j = new Job(++issued, body, chunks, Thread.currentThread());
            job = j;
            for (Worker w : workers) {
                if (w.parked) LockSupport.unpark(w);
            }
            return j;
        }

        /** Closes the team (on {@link Parallel#close} or when the Parallel is unreachable). */
        @Override
        public void run() {
            closed = true;
            for (Worker w : workers) LockSupport.unpark(w);
        }
    }

    /** One call of {@link #forEach}: every thread takes chunk numbers from one counter. */
    private static final class Job {
        final long number;
        final IntConsumer body;
        final int chunks;
        final Thread caller;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        volatile boolean waiting;
        volatile Throwable failure;

        Job(long number, IntConsumer body, int chunks, Thread caller) {
            this.number = number;
            this.body = body;
            this.chunks = chunks;
            this.caller = caller;
        }

        /** Takes chunk numbers until none are left; after a failure the rest are skipped. */
        void run() {
            for (int i; (i = next.getAndIncrement()) < chunks; ) {
                try {
                    if (failure == null) body.accept(i);
                } catch (Throwable t) {
                    if (failure == null) failure = t;
                } finally {
                    if (done.incrementAndGet() == chunks && waiting) LockSupport.unpark(caller);
                }
            }
        }

        /** Returns once every chunk has finished: spins a little, then parks. */
        void await() {
            long until = System.nanoTime() + SPIN_NANOS;
            while (done.get() < chunks) {
                if (System.nanoTime() < until) {
                    Thread.onSpinWait();
                    continue;
                }
                waiting = true;
                if (done.get() < chunks) LockSupport.park(this);
            }
            waiting = false;
        }
    }

    /** A team member: waits for a job it has not run, runs chunks of it, and waits again. */
    private static final class Worker extends Thread {
        private final Team team;
        volatile boolean parked;

        Worker(Team team, int index) {
            super("tessera-cpu-" + index);
            this.team = team;
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0;
            while (true) {
                Job j = next(seen);
                if (j == null) return;
                seen = j.number;
                j.run();
            }
        }

        /** A job numbered after {@code seen}, or null once the team is closed. */
        private Job next(long seen) {
            long until = System.nanoTime() + SPIN_NANOS;
            while (true) {
                if (team.closed) return null;
                Job j = team.job;
                if (j != null && j.number > seen) return j;
                if (System.nanoTime() < until) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                j = team.job;
                if ((j == null || j.number <= seen) && !team.closed) LockSupport.park(this);
                parked = false;
            }
        }
    }
}
