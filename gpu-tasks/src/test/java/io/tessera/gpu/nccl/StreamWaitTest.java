/*
 * The wait of a collective, with a scripted stream and communicator: it returns when the stream is
 * done, aborts and throws on an asynchronous error, aborts and throws when the time is up, and
 * treats ncclInProgress as still running.
 */
package io.tessera.gpu.nccl;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamWaitTest {
    /** A stream done after {@code donePolls} polls, whose communicator reports {@code async}; counts the aborts. */
    private static final class Scripted implements StreamWait.Probe {
        final int donePolls;
        final IntSupplier async;
        final AtomicInteger polls = new AtomicInteger(), aborts = new AtomicInteger();

        Scripted(int donePolls, IntSupplier async) {
            this.donePolls = donePolls;
            this.async = async;
        }

        @Override
        public boolean streamDone() {
            return polls.incrementAndGet() > donePolls;
        }

        @Override
        public int asyncError() {
            return async.getAsInt();
        }

        @Override
        public void abort() {
            aborts.incrementAndGet();
        }
    }

    private static final long SECOND = 1_000_000_000L;

    @Test
    void returnsOnceTheStreamIsDoneWithoutAborting() {
        Scripted s = new Scripted(20, () -> NcclStatus.ncclSuccess);
        StreamWait.await(s, SECOND, () -> new IllegalStateException("timeout"), r -> new IllegalStateException("error " + r));
        assertThat(s.polls.get()).isEqualTo(21);
        assertThat(s.aborts.get()).isZero();
    }

    @Test
    void inProgressIsNotAnError() {
        Scripted s = new Scripted(3, () -> NcclStatus.ncclInProgress);
        StreamWait.await(s, SECOND, () -> new IllegalStateException("timeout"), r -> new IllegalStateException("error " + r));
        assertThat(s.aborts.get()).isZero();
    }

    @Test
    void anAsynchronousErrorAbortsAndThrowsWithTheResult() {
        AtomicInteger calls = new AtomicInteger();
        Scripted s = new Scripted(Integer.MAX_VALUE, () -> calls.incrementAndGet() < 5 ? NcclStatus.ncclSuccess : NcclStatus.ncclRemoteError);
        assertThatThrownBy(() -> StreamWait.await(s, 10 * SECOND, () -> new IllegalStateException("timeout"), r -> new IllegalStateException("error " + r)))
                .hasMessage("error 6");
        assertThat(s.aborts.get()).isEqualTo(1);
        assertThat(s.polls.get()).isEqualTo(5);
    }

    @Test
    void aStreamThatNeverFinishesIsAbortedAtTheDeadline() {
        Scripted s = new Scripted(Integer.MAX_VALUE, () -> NcclStatus.ncclSuccess);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> StreamWait.await(s, SECOND / 4, () -> new IllegalStateException("timeout"), r -> new IllegalStateException("error " + r)))
                .hasMessage("timeout");
        double waited = (System.nanoTime() - t0) / 1e9;
        assertThat(waited).isBetween(0.25, 3.0);
        assertThat(s.aborts.get()).isEqualTo(1);
        // the pause grows to 1 ms: a quarter second takes hundreds of polls, not millions
        assertThat(s.polls.get()).isBetween(20, 5000);
    }

    @Test
    void aFailingAbortIsAttachedToTheReportedError() {
        StreamWait.Probe p = new StreamWait.Probe() {
            @Override
            public boolean streamDone() {
                return false;
            }

            @Override
            public int asyncError() {
                return NcclStatus.ncclSystemError;
            }

            @Override
            public void abort() {
                throw new IllegalStateException("abort failed");
            }
        };
        assertThatThrownBy(() -> StreamWait.await(p, SECOND, () -> new IllegalStateException("timeout"), r -> new IllegalStateException("error " + r)))
                .hasMessage("error 2").satisfies(e -> assertThat(e.getSuppressed()).singleElement().hasToString("java.lang.IllegalStateException: abort failed"));
    }
}
