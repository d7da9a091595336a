package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.Parallel;
import io.tessera.tensor.cpu.RefMatmul;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * Float32 matrix product on the CPU with the Vector API, in the layered scheme of Goto and van de
 * Geijn ("Anatomy of high-performance matrix multiplication", TOMS 2008): op(B) is packed in
 * panels of KC × NC (shared by all threads), op(A) in blocks of MC × KC (per thread), with vector
 * copies that absorb the transposes ({@link SgemmPack}), and a register-blocked micro-kernel
 * ({@link SgemmLoops}, one copy per vector width) sweeps MR × NR tiles of C. Products with few
 * rows read an untransposed B in place, and with few columns a transposed A. Threads
 * split C into tiles whose boundaries depend only on the sizes, and every element of C sums its
 * k blocks in the same order, so 1 and N threads give identical bits. Not for F64 (the
 * reference serves F64) and not for device tensors.
 */
public final class SimdGemm {
    /** Products smaller than this many multiply-adds run on the calling thread. */
    private static final long SERIAL_WORK = 1L << 15;
    /** Batched products whose entries are below this many multiply-adds run one entry per chunk. */
    private static final long BATCH_SPLIT_WORK = 1L << 22;
    /**
     * C is cut into at least this many tiles per (jc, pc) step when the sizes allow: many small
     * tiles let the pool rebalance when another process takes a core (24 beat 8 by up to 1.7×
     * on two shared cores, at no cost on one thread).
     */
    private static final int MIN_TILES = 24;
    /** B slivers packed per parallel chunk. */
    private static final int PACK_SLIVERS = 4;
    /**
     * Below this many rows of C, an untransposed B is read in place: each packed sliver would
     * serve too few row tiles to repay its copy. Above it B is packed even for attention-sized
     * products (197 rows: 9 % faster), whose operands arrive cold from memory.
     */
    private static final int B_IN_PLACE_ROWS = 32;
    /**
     * Below this many columns of a tile chunk, a transposed A is read in place. An untransposed A
     * is always packed: its six-row interleave is cheap, and packed it measured 9 % faster on
     * attention-sized products; a transposed A read in place, 30 % faster than packed there.
     */
    private static final int A_IN_PLACE_COLUMNS = 256;
    /** Largest row block of A packed at once (MC_MAX × KC floats stay in L2). */
    private static final int MC_MAX = 144;
    /**
     * Largest depth block. Every block is one more pass over C, and C's rows come from memory
     * in large products: 512 measured 8 % faster than 256 with two threads at 1024²–2048² and
     * on the weight gradient (the same on one thread), although a KC × NR sliver of B (64 KiB
     * with 512-bit vectors) then streams from L2 rather than sitting in L1.
     */
    private static final int KC_MAX = 512;
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
     * lanes), micro-tile 6×32, depth blocks ≤ 512".
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
        // Inside a chunk of a parallel caller the product runs serially (Parallel would run a
        // nested call inline anyway); deciding here also picks the serial blocking.
        boolean fork = parallel && (long) m * n * k >= SERIAL_WORK && !Parallel.inChunk();
        Parallel par = fork ? sc.parallel() : null;
        Blocking bl = Blocking.of(sc.lanes(), m, n, k, par != null);
        VectorSpecies<Float> s = sc.species();
        Scratch own = SCRATCH.get();
        float[] bp = own.panel(bl.kc * bl.ncPad());
        for (int jc = 0; jc < n; jc += bl.nc) {
            int nc = Math.min(bl.nc, n - jc);
            int slivers = (nc + bl.nr - 1) / bl.nr, full = nc / bl.nr;
            for (int pc = 0; pc < k; pc += bl.kc) {
                int kc = Math.min(bl.kc, k - pc), j0 = jc, p0 = pc;
                float betaNow = pc == 0 ? beta : 1f;
                // Few rows of C: packing B would cost more than it saves, so full slivers of an
                // untransposed B are read in place and only a ragged last sliver is packed.
                boolean bInPlace = !transB && m < B_IN_PLACE_ROWS;
                if (bInPlace) {
                    SgemmPack.packB(s, false, b, bOff, ldb, j0, nc, p0, kc, bl.nr, full, slivers, bp, 0);
                } else {
                    run(par, (slivers + PACK_SLIVERS - 1) / PACK_SLIVERS, t -> SgemmPack.packB(s, transB, b, bOff, ldb,
                            j0, nc, p0, kc, bl.nr, t * PACK_SLIVERS, Math.min(slivers, (t + 1) * PACK_SLIVERS), bp, 0));
                }
                Operand bOp = bInPlace ? new Operand(b, bOff + p0 * ldb + j0, bl.nr, 1, ldb) : null;
                int mBlocks = (m + bl.mc - 1) / bl.mc;
                int parts = par == null ? 1 : Math.min(slivers, Math.max(1, (MIN_TILES + mBlocks - 1) / mBlocks));
                int perPart = (slivers + parts - 1) / parts;
                int nParts = (slivers + perPart - 1) / perPart;
                run(par, mBlocks * nParts, t -> {
                    int ib = t / nParts, jp = t % nParts;
                    int i0 = ib * bl.mc, mc = Math.min(bl.mc, m - i0);
                    int s0 = jp * perPart, s1 = Math.min(slivers, s0 + perPart);
                    Scratch mine = SCRATCH.get();
                    Operand aOp;
                    if (transA && (s1 - s0) * bl.nr < A_IN_PLACE_COLUMNS) { // few columns: Aᵀ is read where it lies
                        aOp = new Operand(a, aOff + p0 * lda + i0, 1, 1, lda);
                    } else {
                        float[] ap = mine.block(bl.mcPad() * kc);
                        SgemmPack.packA(s, transA, a, aOff, lda, i0, mc, p0, kc, bl.mr, ap);
                        aOp = new Operand(ap, 0, kc, 1, bl.mr);
                    }
                    macro(s, bl, kc, mc, nc, s0, s1, full, aOp, bOp, bp, c, cOff + i0 * ldc + j0, ldc, alpha, betaNow,
                            mine.tmp);
                });
            }
        }
    }

    /**
     * Where the micro-kernel reads an operand: element (r, p) of the sliver that starts at
     * offset i of the block (i a multiple of MR for A, of NR for B) lies at
     * data[base + i·step + r·rs + p·ps].
     */
    private record Operand(float[] data, int base, int step, int rs, int ps) {
    }

    /**
     * Sweeps slivers [s0, s1) of B against every row sliver of the A block. B slivers below
     * {@code full} come from {@code bOp} when it is given (in place), the others from the packed
     * panel {@code bp}.
     */
    private static void macro(VectorSpecies<Float> s, Blocking bl, int kc, int mc, int nc, int s0, int s1, int full,
                              Operand aOp, Operand bOp, float[] bp, float[] c, int cOff, int ldc, float alpha,
                              float beta, float[] tmp) {
        int mr = bl.mr, nr = bl.nr;
        float[] a = aOp.data();
        for (int js = s0; js < s1; js++) {
            int j = js * nr, cols = Math.min(nr, nc - j);
            boolean inPlace = bOp != null && js < full;
            float[] b = inPlace ? bOp.data() : bp;
            int bi = inPlace ? bOp.base() + j : js * nr * kc, bs = inPlace ? bOp.ps() : nr;
            for (int i = 0; i < mc; i += mr) {
                int rows = Math.min(mr, mc - i), ci = cOff + i * ldc + j;
                int ai = aOp.base() + i * aOp.step();
                tile(s, kc, a, ai, aOp.rs(), aOp.ps(), b, bi, bs, c, ci, ldc, rows, cols, alpha, beta, tmp);
            }
        }
    }

    /** The micro-kernel copy per width, indexed by {@link WidthCopies#index}. */
    private static final SgemmTiles[] TILES = WidthCopies.all(SgemmTiles.class, "SgemmLoops", SgemmTiles[]::new);

    /** One micro-tile through the kernel copy for the species' width (packed, strided or edge). */
    private static void tile(VectorSpecies<Float> s, int kc, float[] a, int ai, int rs, int ps, float[] b, int bi,
                             int bs, float[] c, int ci, int ldc, int rows, int cols, float alpha, float beta,
                             float[] tmp) {
        int nr = SgemmTiles.VN * s.length();
        boolean whole = rows == SgemmTiles.MR && cols == nr;
        SgemmTiles k = TILES[WidthCopies.index(s)];
        if (whole && rs == 1 && bs == nr) k.tile(kc, a, ai, ps, b, bi, c, ci, ldc, alpha, beta);
        else if (whole) k.tileStrided(kc, a, ai, rs, ps, rows, b, bi, bs, c, ci, ldc, alpha, beta);
        else k.edge(kc, a, ai, rs, ps, b, bi, bs, c, ci, ldc, rows, cols, alpha, beta, tmp);
    }

    private static void run(Parallel par, int chunks, IntConsumer body) {
        if (par == null) {
            for (int i = 0; i < chunks; i++) body.accept(i);
        } else {
            par.forEach(chunks, body);
        }
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
            int kc = ceil(k, ceil(k, KC_MAX)); // equal depth blocks: 600 → 300 + 300, not 512 + 88
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
