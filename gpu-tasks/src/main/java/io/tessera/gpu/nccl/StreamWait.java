/*
 * How NcclCollective waits for an enqueued collective: it polls the CUDA stream and the
 * communicator's asynchronous error (NCCL's documented way to notice a failed or stuck peer),
 * aborts the communicator on an error or when the time is up, and throws. Separate from the
 * binding so that the waiting itself is tested without a GPU.
 */
package io.tessera.gpu.nccl;

import java.util.concurrent.locks.LockSupport;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/** The poll loop of one collective. */
final class StreamWait {
    /** The first and the longest pause between two polls. */
    static final long FIRST_PAUSE_NANOS = 5_000, MAX_PAUSE_NANOS = 1_000_000;

    private StreamWait() {
    }

    /** What the loop asks and does. */
    interface Probe {
        /** Whether the stream's work has finished (cuStreamQuery). */
        boolean streamDone();

        /** The communicator's asynchronous result (ncclCommGetAsyncError); ncclSuccess or ncclInProgress while healthy. */
        int asyncError();

        /** Aborts the communicator (ncclCommAbort). */
        void abort();
    }

    /**
     * Returns once {@code probe} reports the stream done. An asynchronous error aborts the
     * communicator and throws {@code onError(result)}; {@code timeoutNanos} without completion
     * aborts it and throws {@code onTimeout}. The pause between polls grows from 5 µs to 1 ms.
     */
    static void await(Probe probe, long timeoutNanos, Supplier<RuntimeException> onTimeout, IntFunction<RuntimeException> onError) {
        long start = System.nanoTime(), pause = FIRST_PAUSE_NANOS;
        while (true) {
            if (probe.streamDone()) return;
            int async = probe.asyncError();
            if (async != NcclStatus.ncclSuccess && async != NcclStatus.ncclInProgress) {
                RuntimeException e = onError.apply(async);
                abortQuietly(probe, e);
                throw e;
            }
            if (System.nanoTime() - start >= timeoutNanos) {
                RuntimeException e = onTimeout.get();
                abortQuietly(probe, e);
                throw e;
            }
            LockSupport.parkNanos(pause);
            pause = Math.min(MAX_PAUSE_NANOS, pause * 2);
        }
    }

    /** Aborts; a failure of the abort itself is attached to the error being reported. */
    private static void abortQuietly(Probe probe, RuntimeException reported) {
        try {
            probe.abort();
        } catch (RuntimeException e) {
            reported.addSuppressed(e);
        }
    }
}
