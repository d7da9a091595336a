package io.tessera.tensor.cpu;

// The CPU thread team: every chunk runs exactly once, on several threads when the team has them;
// nested calls, calls from a second thread while the team is busy, and calls after close run
// inline; a failing chunk reaches the caller and leaves the team usable; closing, or dropping, a
// team ends its workers.

import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ParallelTest {
    @Test
    void everyChunkRunsOnceOverManyCalls() {
        try (Parallel p = new Parallel(3)) {
            for (int call = 0; call < 2000; call++) {
                int chunks = 1 + call % 37;
                AtomicIntegerArray runs = new AtomicIntegerArray(chunks);
                p.forEach(chunks, runs::incrementAndGet);
                for (int i = 0; i < chunks; i++) assertThat(runs.get(i)).as("call %d chunk %d", call, i).isEqualTo(1);
            }
        }
    }

    @Test
    void workIsSharedWithTheTeam() throws InterruptedException {
        try (Parallel p = new Parallel(2)) {
            Set<Thread> seen = ConcurrentHashMap.newKeySet();
            CountDownLatch both = new CountDownLatch(2);
            // two chunks that each wait for the other: only two threads running at once finish
            p.forEach(2, i -> {
                seen.add(Thread.currentThread());
                both.countDown();
                try {
                    assertThat(both.await(10, TimeUnit.SECONDS)).as("the other chunk ran at the same time").isTrue();
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(seen).hasSize(2).contains(Thread.currentThread());
        }
    }

    @Test
    void nestedCallsRunInlineOnTheCallingThread() {
        try (Parallel p = new Parallel(2)) {
            AtomicIntegerArray inner = new AtomicIntegerArray(8 * 5);
            p.forEach(8, i -> {
                assertThat(Parallel.inChunk()).isTrue();
                Thread outer = Thread.currentThread();
                p.forEach(5, j -> {
                    assertThat(Thread.currentThread()).isSameAs(outer);
                    inner.incrementAndGet(i * 5 + j);
                });
            });
            for (int i = 0; i < inner.length(); i++) assertThat(inner.get(i)).isEqualTo(1);
            assertThat(Parallel.inChunk()).isFalse();
        }
    }

    @Test
    void aSecondCallerWhileTheTeamIsBusyRunsInline() throws Exception {
        try (Parallel p = new Parallel(2)) {
            CountDownLatch busy = new CountDownLatch(1), release = new CountDownLatch(1);
            Thread first = new Thread(() -> p.forEach(2, i -> {
                if (i == 0) {
                    busy.countDown();
                    await(release);
                }
            }));
            first.start();
            assertThat(busy.await(10, TimeUnit.SECONDS)).isTrue();
            AtomicIntegerArray runs = new AtomicIntegerArray(4);
            Set<Thread> threads = ConcurrentHashMap.newKeySet();
            p.forEach(4, i -> {
                threads.add(Thread.currentThread());
                runs.incrementAndGet(i);
            });
            assertThat(threads).containsExactly(Thread.currentThread());
            for (int i = 0; i < 4; i++) assertThat(runs.get(i)).isEqualTo(1);
            release.countDown();
            first.join(10_000);
            assertThat(first.isAlive()).isFalse();
        }
    }

    @Test
    void aFailingChunkReachesTheCallerAndTheTeamGoesOn() {
        try (Parallel p = new Parallel(2)) {
            assertThatThrownBy(() -> p.forEach(16, i -> {
                if (i == 7) throw new IllegalArgumentException("chunk 7 failed");
            })).isInstanceOf(IllegalArgumentException.class).hasMessage("chunk 7 failed");
            AtomicIntegerArray runs = new AtomicIntegerArray(16);
            p.forEach(16, runs::incrementAndGet);
            for (int i = 0; i < 16; i++) assertThat(runs.get(i)).isEqualTo(1);
        }
    }

    @Test
    void closingEndsTheWorkersAndLaterCallsStillRun() throws InterruptedException {
        Parallel p = new Parallel(3);
        AtomicReference<Set<Thread>> workers = new AtomicReference<>(ConcurrentHashMap.newKeySet());
        CountDownLatch all = new CountDownLatch(3);
        p.forEach(3, i -> {
            workers.get().add(Thread.currentThread());
            all.countDown();
            await(all);
        });
        p.close();
        workers.get().remove(Thread.currentThread());
        assertThat(workers.get()).hasSize(2);
        for (Thread w : workers.get()) {
            w.join(10_000);
            assertThat(w.isAlive()).as(w.getName()).isFalse();
        }
        AtomicIntegerArray runs = new AtomicIntegerArray(5);
        p.forEach(5, runs::incrementAndGet);
        for (int i = 0; i < 5; i++) assertThat(runs.get(i)).isEqualTo(1);
    }

    @Test
    void aTeamNobodyReferencesEndsItsWorkers() throws InterruptedException {
        Thread worker = workerOfDroppedTeam();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (worker.isAlive() && System.nanoTime() < until) {
            System.gc();
            worker.join(100);
        }
        assertThat(worker.isAlive()).as("worker of an unreachable team").isFalse();
    }

    private static Thread workerOfDroppedTeam() {
        Parallel p = new Parallel(2);
        Set<Thread> threads = ConcurrentHashMap.newKeySet();
        CountDownLatch both = new CountDownLatch(2);
        p.forEach(2, i -> {
            threads.add(Thread.currentThread());
            both.countDown();
            await(both);
        });
        threads.remove(Thread.currentThread());
        assertThat(threads).hasSize(1);
        return threads.iterator().next();
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
