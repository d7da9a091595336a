package io.tessera.tensor.cpu.simd;

import jdk.incubator.vector.VectorSpecies;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.locks.LockSupport;

/**
 * One column panel (NC columns) of an SGEMM of {@link SimdGemm} as a grid of tasks, one per
 * (depth stage, block of C), numbered stage by stage and handed out in that order by one
 * counter to however many workers run {@link #work}. There is no barrier between phases: B's
 * slivers of a stage are packed by the first task that needs one (the others wait for that
 * sliver only), into one of two panels that take turns, and a block of C waits only for its own
 * previous stage. So every element of C still adds its depth blocks in the same order, each
 * computed by one tile call, whoever runs it: the bits do not depend on the workers. Not a
 * thread pool: the workers are whatever {@link io.tessera.tensor.cpu.Parallel} runs.
 */
final class SgemmPlan {
    /** B panels that take turns: stage s packs into panel s mod 2 once stage s − 2 is done. */
    private static final int SLOTS = 2;
    /**
     * Busy-wait rounds (a few microseconds) before a waiting worker parks: on a shared machine the
     * worker it waits for may be descheduled, and a spinning waiter would take its core.
     */
    private static final int SPINS = 1 << 8;
    /** Longest park of a waiting worker; whoever completes what it waits for unparks it sooner. */
    private static final long PARK_NS = 200_000;

    private final VectorSpecies<Float> s;
    private final SimdGemm.Blocking bl;
    private final boolean transA, transB, bInPlace;
    private final int m, n, k, nc, jc, slivers, full, stages, mBlocks, nParts, perPart, blocks, tasks;
    private final float alpha, beta;
    private final float[] a, b, c, bp;
    private final int aOff, lda, bOff, ldb, cOff, ldc;
    private final AtomicInteger next = new AtomicInteger();
    /** Per block of C: how many of its stages are done (a volatile write after its last store). */
    private final AtomicIntegerArray progress;
    /** Per panel and sliver: 2s + 1 while being packed for stage s, 2s + 2 once packed, 0 before. */
    private final AtomicIntegerArray packed;
    /** Per stage: tasks finished (a panel is reused when the stage before last is complete). */
    private final AtomicIntegerArray stageDone;
    /** Workers parked in a wait, unparked by every completion. */
    private final ConcurrentLinkedQueue<Thread> sleepers = new ConcurrentLinkedQueue<>();
    private volatile RuntimeException failed;

    /**
     * The tasks for columns [jc, jc + nc) of C; {@code bp} holds {@link #panelFloats} floats.
     * {@code minTasks} is how many blocks of C a stage should have at least (1 for one worker).
     */
    SgemmPlan(VectorSpecies<Float> s, SimdGemm.Blocking bl, boolean transA, boolean transB, int m, int n, int k,
              int jc, int nc, float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
              float beta, float[] c, int cOff, int ldc, float[] bp, int minTasks) {
        this.s = s;
        this.bl = bl;
        this.transA = transA;
        this.transB = transB;
        this.m = m;
        this.n = n;
        this.k = k;
        this.jc = jc;
        this.nc = nc;
        this.alpha = alpha;
        this.beta = beta;
        this.a = a;
        this.aOff = aOff;
        this.lda = lda;
        this.b = b;
        this.bOff = bOff;
        this.ldb = ldb;
        this.c = c;
        this.cOff = cOff;
        this.ldc = ldc;
        this.bp = bp;
        this.slivers = (nc + bl.nr() - 1) / bl.nr();
        this.full = nc / bl.nr();
        // Few rows of C: packing B would cost more than it saves, so full slivers of an
        // untransposed B are read in place and only a ragged last sliver is packed.
        this.bInPlace = !transB && m < SimdGemm.IN_PLACE;
        this.stages = (k + bl.kc() - 1) / bl.kc();
        this.mBlocks = (m + bl.mc() - 1) / bl.mc();
        int parts = Math.min(slivers, Math.max(1, (minTasks + mBlocks - 1) / mBlocks));
        this.perPart = (slivers + parts - 1) / parts;
        this.nParts = (slivers + perPart - 1) / perPart;
        this.blocks = mBlocks * nParts;
        this.tasks = stages * blocks;
        this.progress = new AtomicIntegerArray(blocks);
        this.packed = new AtomicIntegerArray(SLOTS * slivers);
        this.stageDone = new AtomicIntegerArray(stages);
    }

    /** Floats of the B panels for a blocking and panel width. */
    static int panelFloats(SimdGemm.Blocking bl, int k) {
        return Math.min(SLOTS, (k + bl.kc() - 1) / bl.kc()) * bl.kc() * bl.ncPad();
    }

    /** Takes tasks in order until none is left; any number of threads may call this at once. */
    void work(float[] block, float[] tmp) {
        for (int t; (t = next.getAndIncrement()) < tasks; ) {
            if (failed != null) throw failed;
            try {
                task(t / blocks, t % blocks, block, tmp);
            } catch (RuntimeException | Error e) {
                if (failed == null) failed = new IllegalStateException("sgemm: a task failed: " + e, e);
                throw e;
            }
        }
    }

    /** Stage {@code stage} of block {@code blk}: its A block against its B slivers, after the block's previous stage. */
    private void task(int stage, int blk, float[] block, float[] tmp) {
        int ib = blk / nParts, jp = blk % nParts;
        int i0 = ib * bl.mc(), mc = Math.min(bl.mc(), m - i0);
        int s0 = jp * perPart, s1 = Math.min(slivers, s0 + perPart);
        int p0 = stage * bl.kc(), kc = Math.min(bl.kc(), k - p0);
        float betaNow = stage == 0 ? beta : 1f;
        for (int spins = 0; progress.get(blk) != stage; spins++) { // the block's previous stage runs elsewhere
            if (spins < SPINS) {
                spin();
            } else {
                Thread me = register();
                if (progress.get(blk) != stage) LockSupport.parkNanos(this, PARK_NS);
                unregister(me);
            }
        }
        float[] ad;
        int aBase, aStep, rs, ps;
        if ((s1 - s0) * bl.nr() < SimdGemm.IN_PLACE) { // few columns: A is read where it lies
            ad = a;
            aBase = transA ? aOff + p0 * lda + i0 : aOff + i0 * lda + p0;
            aStep = transA ? 1 : lda;
            rs = transA ? 1 : lda;
            ps = transA ? lda : 1;
        } else {
            SgemmPack.packA(s, transA, a, aOff, lda, i0, mc, p0, kc, bl.mr(), block);
            ad = block;
            aBase = 0;
            aStep = kc;
            rs = 1;
            ps = bl.mr();
        }
        int slot = (stage % SLOTS) * bl.kc() * bl.ncPad();
        int c0 = cOff + i0 * ldc + jc;
        for (int js = s0; js < s1; js++) {
            int j = js * bl.nr(), cols = Math.min(bl.nr(), nc - j);
            boolean inPlace = bInPlace && js < full;
            if (!inPlace) acquire(stage, js, p0, kc, slot);
            float[] bd = inPlace ? b : bp;
            int bi = inPlace ? bOff + p0 * ldb + jc + j : slot + js * bl.nr() * kc, bs = inPlace ? ldb : bl.nr();
            for (int i = 0; i < mc; i += bl.mr()) {
                int rows = Math.min(bl.mr(), mc - i);
                SimdGemm.tile(s, kc, ad, aBase + i * aStep, rs, ps, bd, bi, bs, c, c0 + i * ldc + j, ldc, rows, cols,
                        alpha, betaNow, tmp);
            }
        }
        stageDone.incrementAndGet(stage);
        progress.set(blk, stage + 1);
        wake();
    }

    /**
     * Makes sliver {@code js} of stage {@code stage} ready in its panel: packs it if no worker
     * has (after the stage that used this panel before is complete), or waits for the one that is.
     */
    private void acquire(int stage, int js, int p0, int kc, int slot) {
        int idx = (stage % SLOTS) * slivers + js, busy = 2 * stage + 1, ready = busy + 1;
        for (int spins = 0; ; spins++) {
            int v = packed.get(idx);
            if (v == ready) return;
            if (v == busy || (stage >= SLOTS && stageDone.get(stage - SLOTS) < blocks)) { // being packed, or panel in use
                if (spins < SPINS) {
                    spin();
                } else {
                    Thread me = register();
                    boolean still = v == busy ? packed.get(idx) == busy
                            : stageDone.get(stage - SLOTS) < blocks && packed.get(idx) == v;
                    if (still) LockSupport.parkNanos(this, PARK_NS);
                    unregister(me);
                }
                continue;
            }
            if (packed.compareAndSet(idx, v, busy)) {
                try {
                    SgemmPack.packB(s, transB, b, bOff, ldb, jc, nc, p0, kc, bl.nr(), js, js + 1, bp, slot);
                } catch (RuntimeException | Error e) {
                    if (failed == null) failed = new IllegalStateException("sgemm: packing B failed: " + e, e);
                    throw e;
                }
                packed.set(idx, ready);
                wake();
                return;
            }
        }
    }

    private void spin() {
        if (failed != null) throw failed;
        Thread.onSpinWait();
    }

    private Thread register() {
        if (failed != null) throw failed;
        Thread me = Thread.currentThread();
        sleepers.add(me);
        return me;
    }

    private void unregister(Thread me) {
        sleepers.remove(me);
    }

    /** Unparks every parked worker (each re-checks what it waits for). */
    private void wake() {
        if (sleepers.isEmpty()) return;
        for (Thread t : sleepers) LockSupport.unpark(t);
    }
}
