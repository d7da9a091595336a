package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.Parallel;
import io.tessera.tensor.cpu.RefMatmul;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.concurrent.ForkJoinTask;
import java.util.function.IntConsumer;

/**
 * Float32 matrix product on the CPU with the Vector API, in the layered scheme of Goto and van de
 * Geijn ("Anatomy of high-performance matrix multiplication", TOMS 2008): op(B) is packed in
 * slivers of a KC × NC panel (shared by all threads), op(A) in blocks of MC × KC (per thread),
 * with vector copies that absorb the transposes ({@link SgemmPack}), and a register-blocked
 * micro-kernel ({@link SgemmLoops}, one copy per vector width) sweeps MR × NR tiles of C. Small
 * products (few rows or columns, as in attention) read an operand in place instead of packing
 * it. The work is a grid of (depth block, block of C) tasks handed out in order with no barrier
 * between packing and computing ({@link SgemmPlan}); block boundaries depend only on the sizes
 * and every element of C sums its k blocks in the same order, so 1 and N threads give identical
 * bits. Not for F64 (the reference serves F64) and not for device tensors.
 */
public final class SimdGemm {
    /** Products smaller than this many multiply-adds run on the calling thread. */
    private static final long SERIAL_WORK = 1L << 15;
    /** Batched products whose entries are below this many multiply-adds run one entry per chunk. */
    private static final long BATCH_SPLIT_WORK = 1L << 22;
    /**
     * C is cut into at least this many blocks per depth step when the sizes allow, so that the
     * workers stay balanced when another process takes a core.
     */
    private static final int MIN_TILES = 24;
    /** Below this many rows of C (for B) or columns of a task (for A), operands are not packed. */
    static final int IN_PLACE = 256;
    /** Largest row block of A packed at once (MC_MAX × KC floats stay in L2). */
    private static final int MC_MAX = 144;
    /**
     * Largest depth block. With 512-bit vectors a KC × NR sliver of B (32 KiB) no longer fits in
     * L1 beside A, yet measured faster than KC = 128 there: fewer passes over C.
     */
    private static final int KC_MAX = 256;
    /** Widest panel of B packed at once (KC_MAX × NC_MAX floats, shared by the threads). */
    private static final int NC_MAX = 2048;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private SimdGemm() {
    }

    /**
     * c[b] = alpha · op(a[b]) · op(b[b]) + beta · c[b] on F32 heap tensors. Shapes as in
     * {@link io.tessera.tensor.spi.Backend#matmul}: a (Ba, M, K) or (Ba, K, M) when
     * {@code transA}, b (Bb, K, N) or (Bb, N, K) when {@code transB}, c (Bc, M, N), Ba and Bb
     * 1 (shared) or Bc. With beta = 0, c is only written.
     */
    public static void matmul(SimdContext sc, Tensor c, Tensor a, Tensor b, boolean transA, boolean transB,
                              double alpha, double beta) {
        RefMatmul.Dims d = RefMatmul.Dims.of("matmul", c, a, b, transA, transB);
        int m = d.m(), n = d.n(), k = d.k();
        float[] cf = c.f32(), af = a.f32(), bf = b.f32();
        int lda = transA ? m : k, ldb = transB ? k : n;
        int strideA = d.batchA() == 1 ? 0 : m * k, strideB = d.batchB() == 1 ? 0 : k * n, strideC = m * n;
        float al = (float) alpha, be = (float) beta;
        long work = (long) m * n * k;
        if (d.batch() > 1 && work < BATCH_SPLIT_WORK) {
            IntConsumer entry = i -> sgemm(sc, false, transA, transB, m, n, k, al,
                    af, a.offset() + i * strideA, lda, bf, b.offset() + i * strideB, ldb,
                    be, cf, c.offset() + i * strideC, n);
            if (work * d.batch() < SERIAL_WORK) {
                for (int i = 0; i < d.batch(); i++) entry.accept(i);
            } else {
                sc.parallel().forEach(d.batch(), entry);
            }
            return;
        }
        for (int i = 0; i < d.batch(); i++) {
            sgemm(sc, true, transA, transB, m, n, k, al, af, a.offset() + i * strideA, lda,
                    bf, b.offset() + i * strideB, ldb, be, cf, c.offset() + i * strideC, n);
        }
    }

    /**
     * What this GEMM runs for a context, for benchmark reports: "Vector API 512-bit (16 float
     * lanes), micro-tile 6×32, depth blocks ≤ 256".
     */
    public static String describe(SimdContext sc) {
        return "Vector API " + sc.bits() + "-bit (" + sc.lanes() + " float lanes), micro-tile " + SgemmTiles.MR + "×"
                + SgemmTiles.VN * sc.lanes() + ", depth blocks ≤ " + KC_MAX;
    }

    /**
     * Raw-array SGEMM: C = alpha · op(A) · op(B) + beta · C, C m × n at c[cOff + i·ldc + j];
     * op(A) m × k, A at a[aOff + i·lda + p] (or a[aOff + p·lda + i] when {@code transA});
     * op(B) k × n, B at b[bOff + p·ldb + j] (or b[bOff + j·ldb + p] when {@code transB}).
     * With beta = 0, C is not read; with k = 0 or alpha = 0, C = beta · C.
     */
    public static void sgemm(SimdContext sc, boolean transA, boolean transB, int m, int n, int k, float alpha,
                             float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                             float beta, float[] c, int cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0 || lda < Math.max(1, transA ? m : k) || ldb < Math.max(1, transB ? k : n)
                || ldc < Math.max(1, n)) {
            throw new IllegalArgumentException("sgemm: bad sizes m " + m + ", n " + n + ", k " + k + " with lda " + lda
                    + ", ldb " + ldb + ", ldc " + ldc + " (transA " + transA + ", transB " + transB
                    + "); expected non-negative sizes and leading dimensions ≥ the row lengths");
        }
        sgemm(sc, true, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc);
    }

    private static void sgemm(SimdContext sc, boolean parallel, boolean transA, boolean transB, int m, int n, int k,
                              float alpha, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                              float beta, float[] c, int cOff, int ldc) {
        if (m <= 0 || n <= 0) return;
        if (k <= 0 || alpha == 0f) {
            scale(c, cOff, ldc, m, n, beta);
            return;
        }
        // Inside a pool task (a caller that is itself parallel) the product runs serially: a
        // nested fork could let this thread pick up another task that reuses its buffers.
        Parallel par = parallel && (long) m * n * k >= SERIAL_WORK && !ForkJoinTask.inForkJoinPool()
                && sc.parallel().threads() > 1 ? sc.parallel() : null;
        Blocking bl = Blocking.of(sc.lanes(), m, n, k, par != null);
        VectorSpecies<Float> s = sc.species();
        float[] bp = SCRATCH.get().panel(SgemmPlan.panelFloats(bl, k));
        for (int jc = 0; jc < n; jc += bl.nc) {
            SgemmPlan plan = new SgemmPlan(s, bl, transA, transB, m, n, k, jc, Math.min(bl.nc, n - jc), alpha,
                    a, aOff, lda, b, bOff, ldb, beta, c, cOff, ldc, bp, par == null ? 1 : MIN_TILES);
            if (par == null) {
                Scratch own = SCRATCH.get();
                plan.work(own.block(bl.mcPad() * bl.kc), own.tmp);
            } else {
                par.forEach(par.threads(), w -> {
                    Scratch mine = SCRATCH.get();
                    plan.work(mine.block(bl.mcPad() * bl.kc), mine.tmp);
                });
            }
        }
    }

    /** The micro-kernel copy per width, indexed by {@link WidthCopies#index}. */
    private static final SgemmTiles[] TILES = WidthCopies.all(SgemmTiles.class, "SgemmLoops", SgemmTiles[]::new);

    /** One micro-tile through the kernel copy for the species' width (packed, strided or edge). */
    static void tile(VectorSpecies<Float> s, int kc, float[] a, int ai, int rs, int ps, float[] b, int bi,
                             int bs, float[] c, int ci, int ldc, int rows, int cols, float alpha, float beta,
                             float[] tmp) {
        int nr = SgemmTiles.VN * s.length();
        boolean whole = rows == SgemmTiles.MR && cols == nr;
        boolean packed = whole && rs == 1 && ps == SgemmTiles.MR && bs == nr;
        SgemmTiles k = TILES[WidthCopies.index(s)];
        if (packed) k.tile(kc, a, ai, b, bi, c, ci, ldc, alpha, beta);
        else if (whole) k.tileStrided(kc, a, ai, rs, ps, rows, b, bi, bs, c, ci, ldc, alpha, beta);
        else k.edge(kc, a, ai, rs, ps, b, bi, bs, c, ci, ldc, rows, cols, alpha, beta, tmp);
    }

    /** c = beta · c over an m × n block (beta = 0 writes zeros without reading). */
    private static void scale(float[] c, int cOff, int ldc, int m, int n, float beta) {
        for (int i = 0; i < m; i++) {
            int row = cOff + i * ldc;
            if (beta == 0f) {
                Arrays.fill(c, row, row + n, 0f);
            } else if (beta != 1f) {
                for (int j = 0; j < n; j++) c[row + j] *= beta;
            }
        }
    }

    /**
     * Block sizes: MR × NR register tile, KC depth (a KC × NR sliver of B is reused from L1/L2
     * by every row sliver of a block), MC rows (an MC × KC block of A stays in L2), NC columns
     * (the shared KC × NC panel of B, in L2/L3).
     * They depend only on the vector width, the problem sizes and whether the work is split
     * into parallel chunks at all, never on the thread count.
     */
    record Blocking(int mr, int nr, int kc, int mc, int nc) {
        static Blocking of(int lanes, int m, int n, int k, boolean split) {
            int mr = SgemmTiles.MR, nr = SgemmTiles.VN * lanes;
            int kc = ceil(k, ceil(k, KC_MAX)); // equal depth blocks: 300 → 150 + 150, not 256 + 44
            // Row blocks of at most MC_MAX rows; for threads (split) cut finer, down to 4 slivers,
            // until there are MIN_TILES of them; evened out so the last block is not a sliver.
            // Only KC shapes the arithmetic (the k order of each element): MC and NC do not, so
            // a serial and a split run give the same bits.
            int blocks = ceil(m, MC_MAX);
            if (split) blocks = Math.max(blocks, Math.min(MIN_TILES, ceil(m, 4 * mr)));
            int mc = ceil(ceil(m, blocks), mr) * mr;
            int nc = ceil(ceil(n, ceil(n, NC_MAX)), nr) * nr;
            return new Blocking(mr, nr, kc, mc, nc);
        }

        private static int ceil(int x, int y) {
            return (x + y - 1) / y;
        }

        int mcPad() {
            return (mc + mr - 1) / mr * mr;
        }

        int ncPad() {
            return (nc + nr - 1) / nr * nr;
        }
    }

    /** Per-thread packing buffers, grown on demand and reused across calls. */
    private static final class Scratch {
        float[] panel = new float[0];
        float[] block = new float[0];
        final float[] tmp = new float[SgemmTiles.MR * SgemmTiles.VN * 64];

        float[] panel(int size) {
            if (panel.length < size) panel = new float[size];
            return panel;
        }

        float[] block(int size) {
            if (block.length < size) block = new float[size];
            return block;
        }
    }
}
