/*
 * Matrix products, elementwise ops, reductions and layout ops of the GPU backends. Every
 * method checks its shapes on the host (with the reference backend's messages where the
 * reference has them), simplifies the index space with StridedIndex, and enqueues kernels from
 * sgemm.kc, elementwise.kc, elementwise_backward.kc, reduce.kc and layout.kc without waiting.
 * The one exception is the index check of gather and scatterAdd: the indices are validated on
 * the device and a single int is read back, so an out-of-range index throws before anything is
 * written, as in the reference, at the cost of one queue synchronisation per call. Reductions
 * (sumTo, the broadcast gradients of binaryBackward, scatterAdd) use no atomics; their summation
 * order depends only on the shapes.
 */
package io.tessera.gpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Storage;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.RefLayout;
import io.tessera.tensor.cpu.RefMatmul;
import io.tessera.tensor.spi.Backend;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.MixedPrecision;
import io.tessera.tensor.spi.UnaryOp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Kernel launches for one family of Backend methods (same signatures and contracts as spi.Backend). */
final class GpuTensorOps {
    /** Products aᵀ·b with K at least this (and 4·max(M, N)) may be split along K. */
    private static final int SPLIT_MIN_K = 1024;
    /** Tile side of sgemm_large.kc: products with M and N at least this use it. */
    private static final int LARGE = 128;
    /** Work-items per group of the one-item-per-element kernels. */
    private static final int LOCAL = 256;
    /** Axes of binary_forward and binary_backward. */
    private static final int BINARY_AXES = 4;
    /** Axes of strided_copy. */
    private static final int COPY_AXES = 6;
    /** Elements per work-item of strided_copy_runs (RUN in layout.kc). */
    private static final int COPY_RUN = 4;
    /** Kept and reduced axes of sum_to (each). */
    private static final int REDUCE_AXES = 4;
    /** Work-group size of sum_to and of index_check (fixed in layout.kc). */
    private static final int REDUCE_WG = 256;
    /** Column sums: COLS columns (as reduce.kc) by at most COLUMN_LANES row lanes per work-group; blocks of rows. */
    private static final int COLUMN_COLS = 32, COLUMN_LANES = 8, COLUMN_BLOCK_ROWS = 64, COLUMN_BLOCKS = 128;
    /** The row lanes the column kernels run with on this device (0 until first used). */
    private int columnLanes;

    private final Launcher launcher;
    private final GpuBackend backend;
    private final GpuBackend.VendorGemm blas;

    /**
     * {@code backend} allocates scratch buffers (released before a method returns); {@code blas},
     * when not null, runs the matrix products instead of sgemm.kc.
     */
    GpuTensorOps(Launcher launcher, GpuBackend backend, GpuBackend.VendorGemm blas) {
        this.launcher = launcher;
        this.backend = backend;
        this.blas = blas;
    }

    // ---- copy -------------------------------------------------------------------------------

    /** out = x, same size; F32 and I32 in any combination (F32 to I32 truncates as a Java cast). */
    void copy(Tensor out, Tensor x) {
        int n = x.size();
        if (out.size() != n) throw new IllegalArgumentException("copy: " + x.describe() + " into " + out.describe());
        if (n == 0) return;
        if (out.dtype().isHalf() || x.dtype().isHalf()) {
            Kernels k = out.dtype() == x.dtype() ? Kernels.COPY_HALF
                    : x.dtype() == DType.F32 && out.dtype() == DType.BF16 ? Kernels.CONVERT_F32_TO_BF16
                    : x.dtype() == DType.F32 && out.dtype() == DType.F16 ? Kernels.CONVERT_F32_TO_F16
                    : x.dtype() == DType.BF16 && out.dtype() == DType.F32 ? Kernels.CONVERT_BF16_TO_F32
                    : x.dtype() == DType.F16 && out.dtype() == DType.F32 ? Kernels.CONVERT_F16_TO_F32
                    : null;
            if (k == null) throw new IllegalArgumentException("copy: no GPU conversion from " + x.describe() + " to " + out.describe());
            launcher.launch(launcher.fn(k, elem(DType.F32)), cover(n), out, x, n);
        } else if (out.dtype() == x.dtype()) {
            strided("copy", out, x, StridedIndex.of(new int[]{n}, new int[]{1}, new int[]{1}), 1.0, false);
        } else if (out.dtype() == DType.I32) {
            launcher.launch(launcher.fn(Kernels.CONVERT_F32_TO_I32, elem(DType.F32)), cover(n), out, x, n);
        } else {
            launcher.launch(launcher.fn(Kernels.CONVERT_I32_TO_F32, elem(DType.F32)), cover(n), out, x, n);
        }
    }

    // ---- matrix products --------------------------------------------------------------------

    /**
     * c = alpha·op(a)·op(b) + beta·c with sgemm_large.kc when M and N are at least 128, the
     * device takes 256-item groups and the 128 x 128 tiles are at least as many as its compute
     * units (fewer would leave units idle), else with sgemm.kc: the 64 x 64 tiling when both C dimensions
     * fill a tile and the device takes 256-item groups, the 32 x 32 one otherwise. A batch of 1
     * in a or b is shared (stride 0). When c overlaps a or b in memory the product goes through a
     * scratch matrix, since the kernel reads its operands while it writes c.
     */
    void matmul(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, double alpha, double beta) {
        RefMatmul.Dims d = RefMatmul.Dims.of("matmul", c, a, b, transA, transB);
        boolean mixed = operands("matmul", c, a, b);
        int m = d.m(), n = d.n(), k = d.k();
        if (d.batch() == 0 || m == 0 || n == 0) return;
        if (mixed && blas != null) { // the vendor BLAS path multiplies float32 copies
            MixedPrecision.matmulViaF32(backend, c, a, b, transA, transB, alpha, beta);
            return;
        }
        if (overlaps(c, a) || overlaps(c, b)) {
            Storage s = backend.allocate(DType.F32, c.size(), false);
            try {
                Tensor tmp = new Tensor(backend, c.shape(), DType.F32, s, 0);
                if (beta != 0) copy(tmp, c);
                matmul(tmp, a, b, transA, transB, alpha, beta);
                copy(c, tmp);
            } finally {
                backend.release(s);
            }
            return;
        }
        int strideA = d.batchA() == 1 ? 0 : m * k, strideB = d.batchB() == 1 ? 0 : k * n;
        if (blas != null) {
            vendorMatmul(c, a, b, transA, transB, alpha, beta, m, n, k, strideA, strideB, d.batch());
            return;
        }
        if (d.batch() == 1 && transA && !transB && splitK(c, a, b, m, n, k, alpha, beta)) return;
        tiled(c, a, b, transA, transB, alpha, beta, null, null, false, m, n, k, strideA, strideB, d.batch());
    }

    /**
     * The operand dtypes of a product: all F32, or the mixed form (BF16 or F16 a and b, F32 c),
     * which our tiled kernels read directly (HALF_IN=1|2, widened as loaded). True for the mixed form.
     */
    private static boolean operands(String op, Tensor c, Tensor a, Tensor b) {
        if (MixedPrecision.isHalfProduct(c, a, b)) return true;
        GpuBackend.requireF32(op, c, a, b);
        return false;
    }

    /**
     * Autocast's product (see Backend#matmulHalf) in one launch of the tiled kernels with HALF_IN
     * and ROUND_OUT (and BIAS): the bits of the default's product, rounding and addition.
     * False (nothing enqueued) where the default must run: a vendor BLAS, an empty K, a weight
     * gradient the split-K path would take, or arguments the default refuses.
     */
    boolean matmulHalf(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, Tensor bias, boolean accumulate) {
        RefMatmul.Dims d = RefMatmul.Dims.of("matmulHalf", c, a, b, transA, transB);
        if (!MixedPrecision.isHalfProduct(c, a, b)) return false; // the default reports it, as the cases below
        GpuBackend.requireF32("matmulHalf", c, bias);
        int m = d.m(), n = d.n(), k = d.k();
        if (bias != null && (bias.size() != n || accumulate)) return false;
        if (d.batch() == 0 || m == 0 || n == 0) return true;
        if (blas != null || k == 0 || (d.batch() == 1 && transA && !transB && splitsK(m, n, k))) return false;
        int strideA = d.batchA() == 1 ? 0 : m * k, strideB = d.batchB() == 1 ? 0 : k * n;
        tiled(c, a, b, transA, transB, 1, accumulate ? 1 : 0, bias, null, true, m, n, k, strideA, strideB, d.batch());
        return true;
    }

    /** out = x rounded to values of the 16-bit type, F32 to F32 (in place allowed), one launch. */
    void roundHalf(Tensor out, Tensor x, DType type) {
        Backend.checkRoundHalf(out, x, type);
        Kernels k = type == DType.F16 ? Kernels.ROUND_F32_TO_F16 : Kernels.ROUND_F32_TO_BF16;
        if (x.size() > 0) launcher.launch(launcher.fn(k, elem(DType.F32)), cover(x.size()), out, x, x.size());
    }

    /**
     * c = op(a)·op(b) + bias, bias (N) broadcast over c's rows and batches: on our tiled kernels
     * the bias is added in the product's epilogue (one launch, c written once); with a vendor BLAS
     * or operands that overlap c it is broadcast into c first and the product added (beta = 1),
     * which gives the same bits.
     */
    void matmulBias(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, Tensor bias) {
        matmulBias(c, null, a, b, transA, transB, bias);
    }

    /**
     * As {@link #matmulBias}, and with {@code act} non-null also act = gelu(c) (exact erf) from the
     * same epilogue: a linear layer and its GELU in one launch, the bits of unary GELU over c.
     */
    void matmulBias(Tensor c, Tensor act, Tensor a, Tensor b, boolean transA, boolean transB, Tensor bias) {
        String op = act == null ? "matmulBias" : "matmulBiasGelu";
        RefMatmul.Dims d = RefMatmul.Dims.of(op, c, a, b, transA, transB);
        operands(op, c, a, b);
        GpuBackend.requireF32(op, c, bias, act);
        int m = d.m(), n = d.n(), k = d.k();
        if (bias.size() != n) {
            throw new IllegalArgumentException(op + ": bias " + bias.describe() + " must have " + n + " elements (the columns of c " + c.describe() + ")");
        }
        if (act != null && (act.size() != c.size() || overlaps(act, c) || overlaps(act, a) || overlaps(act, b))) {
            throw new IllegalArgumentException(op + ": act " + act.describe() + " must have c's " + c.size() + " elements and overlap no operand");
        }
        if (d.batch() == 0 || m == 0 || n == 0) return;
        if (blas != null || k == 0 || overlaps(c, a) || overlaps(c, b) || overlaps(c, bias)) {
            expand(c, bias.view(Shape.of(1, 1, n)), 1.0, false);
            matmul(c, a, b, transA, transB, 1, 1);
            if (act != null) unary(UnaryOp.GELU, act, c);
            return;
        }
        int strideA = d.batchA() == 1 ? 0 : m * k, strideB = d.batchB() == 1 ? 0 : k * n;
        tiled(c, a, b, transA, transB, 1, 1, bias, act, false, m, n, k, strideA, strideB, d.batch());
    }

    /**
     * One launch of our tiled kernels (the 128 × 128 one when c has enough large tiles); BF16 or
     * F16 operands select HALF_IN=1 or 2, a non-null bias BIAS=1, a non-null act (with a bias)
     * GELU_OUT=1, and round (16-bit operands only) ROUND_OUT in the operands' type.
     */
    private void tiled(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, double alpha, double beta, Tensor bias, Tensor act,
                       boolean round, int m, int n, int k, int strideA, int strideB, int batch) {
        long largeTiles = (long) Grid.ceilDiv(m, LARGE) * Grid.ceilDiv(n, LARGE) * batch;
        List<Object> args = args(c, a, b, m, n, k, strideA, strideB, m * n, alpha, beta);
        if (bias != null) args.add(bias);
        if (act != null) args.add(act);
        if (m >= LARGE && n >= LARGE && backend.maxWorkGroupSize() >= 256 && largeTiles >= backend.computeUnits()) {
            Defines d2 = epilogue(Defines.of("TRANS_A", transA ? 1 : 0).with("TRANS_B", transB ? 1 : 0), a, bias, act, round);
            launcher.launch(launcher.fn(Kernels.SGEMM_LARGE, d2), Grid.groups(new int[]{Grid.ceilDiv(n, LARGE), Grid.ceilDiv(m, LARGE), batch},
                    new int[]{256, 1, 1}), args.toArray());
            return;
        }
        boolean big = m >= 64 && n >= 64 && backend.maxWorkGroupSize() >= 256;
        SgemmTiling tiling = big ? SgemmTiling.standard(transA, transB) : SgemmTiling.small(transA, transB);
        launcher.launch(launcher.fn(Kernels.SGEMM, epilogue(tiling.defines(), a, bias, act, round)), tiling.grid(m, n, batch), args.toArray());
    }

    private static Defines epilogue(Defines d, Tensor a, Tensor bias, Tensor act, boolean round) {
        if (a.dtype().isHalf()) d = d.with("HALF_IN", halfCode(a.dtype()));
        if (bias != null) d = d.with("BIAS", 1);
        if (act != null) d = d.with("GELU_OUT", 1);
        if (round) d = d.with("ROUND_OUT", halfCode(a.dtype()));
        return d;
    }

    /** The kernels' code for a 16-bit type (HALF_IN, ROUND_OUT, round): 1 bfloat16, 2 float16. */
    private static int halfCode(DType t) {
        return switch (t) {
            case BF16 -> 1;
            case F16 -> 2;
            default -> throw new IllegalArgumentException(t + " is not a 16-bit floating-point type");
        };
    }

    /** The tiles of an (M, N) weight gradient on the standard tiling of aᵀ·b. */
    private static long weightGradientTiles(int m, int n) {
        SgemmTiling standard = SgemmTiling.standard(true, false);
        return (long) Grid.ceilDiv(m, standard.tm()) * Grid.ceilDiv(n, standard.tn());
    }

    /** True when {@link #splitK} splits this product: fewer tiles than compute units and a K long enough. */
    private boolean splitsK(int m, int n, int k) {
        return weightGradientTiles(m, n) < backend.computeUnits() && k >= SPLIT_MIN_K && k >= 4 * Math.max(m, n);
    }

    /**
     * A weight gradient (aᵀ·b with a (K, M), b (K, N), K much larger than M and N) has too few
     * tiles of C to fill the device, each looping over all of K. When C has fewer tiles than the
     * device has compute units, K is cut into S consecutive chunks: the first S − 1 form one
     * batched product of partial sums (each chunk is a contiguous (kc, M) and (kc, N) block), the
     * remainder one more, and sumTo adds the S partials into C in a fixed order (deterministic).
     *
     * @return false when the product is not worth splitting (nothing was enqueued)
     */
    private boolean splitK(Tensor c, Tensor a, Tensor b, int m, int n, int k, double alpha, double beta) {
        if (!splitsK(m, n, k)) return false;
        long tiles = weightGradientTiles(m, n);
        int units = backend.computeUnits();
        int chunks = (int) Math.max(2, Math.min(k / (SPLIT_MIN_K / 4), Grid.ceilDiv(2 * units, (int) tiles)));
        int kc = Grid.ceilDiv(k, chunks), full = k / kc, rest = k - full * kc;
        int parts = full + (rest > 0 ? 1 : 0);
        Storage s = backend.allocate(DType.F32, parts * m * n, false);
        try {
            Tensor partials = new Tensor(backend, Shape.of(parts, m, n), DType.F32, s, 0);
            matmul(new Tensor(backend, Shape.of(full, m, n), DType.F32, s, 0), new Tensor(backend, Shape.of(full, kc, m), a.dtype(), a.storage(), a.offset()),
                    new Tensor(backend, Shape.of(full, kc, n), b.dtype(), b.storage(), b.offset()), true, false, 1, 0);
            if (rest > 0) {
                matmul(new Tensor(backend, Shape.of(1, m, n), DType.F32, s, full * m * n),
                        new Tensor(backend, Shape.of(1, rest, m), a.dtype(), a.storage(), a.offset() + full * kc * m),
                        new Tensor(backend, Shape.of(1, rest, n), b.dtype(), b.storage(), b.offset() + full * kc * n), true, false, 1, 0);
            }
            if (beta != 0 && beta != 1) affine(c, c, beta, 0);
            sumTo(c, partials, alpha, beta != 0);
        } finally {
            backend.release(s);
        }
        return true;
    }

    /** The same product through the vendor BLAS (row-major; leading dimensions are the stored row lengths). */
    private void vendorMatmul(Tensor c, Tensor a, Tensor b, boolean transA, boolean transB, double alpha, double beta,
                              int m, int n, int k, int strideA, int strideB, int batch) {
        if (k == 0) { // vendor BLAS may refuse an empty inner dimension: C = beta·C (not read when beta = 0)
            if (beta == 0) backend.fill(c, 0);
            else affine(c, c, beta, 0);
            return;
        }
        blas.gemm(launcher, c, a, b, transA, transB, (float) alpha, (float) beta, m, n, k, transA ? m : k, transB ? k : n, strideA, strideB, batch);
    }

    // ---- elementwise ------------------------------------------------------------------------

    /** out = f(x); out may alias x. */
    void unary(UnaryOp op, Tensor out, Tensor x) {
        GpuBackend.requireF32("unary " + op, out, x);
        sameSize("unary " + op, out, x);
        int n = out.size();
        if (n > 0) launcher.launch(launcher.fn(Kernels.UNARY_FORWARD, Defines.none()), cover(n), out, x, n, op.ordinal());
    }

    /** dx += dy·f'; x is read only by ops that differentiate from x, y only by those that use y. */
    void unaryBackward(UnaryOp op, Tensor dx, Tensor dy, Tensor x, Tensor y) {
        if (dx == null) return;
        String name = "unaryBackward " + op;
        // only the operand the derivative needs is bound (autograd may have freed the other)
        Tensor used = op == UnaryOp.NEG ? dy : op.backwardUsesOutput() ? y : x;
        if (used == null) {
            throw new IllegalArgumentException(name + ": needs " + (op.backwardUsesOutput() ? "the output y" : "the input x") + ", got null");
        }
        GpuBackend.requireF32(name, dx, dy, used);
        sameSize(name, dx, dy);
        sameSize(name, dx, used);
        int n = dx.size();
        if (n == 0) return;
        boolean fromY = op.backwardUsesOutput(), fromX = !fromY && op != UnaryOp.NEG;
        launcher.launch(launcher.fn(Kernels.UNARY_BACKWARD, Defines.none()), cover(n), dx, dy,
                fromX ? x : null, fromY ? y : null, n, op.ordinal());
    }

    /** out = a ∘ b with a and b broadcast to out's shape; out may alias an operand of out's shape. */
    void binary(BinaryOp op, Tensor out, Tensor a, Tensor b) {
        String name = "binary " + op;
        GpuBackend.requireF32(name, out, a, b);
        Shape s = out.shape();
        StridedIndex space = StridedIndex.of(s.dims(), StridedIndex.contiguous(s.dims()), StridedIndex.broadcast(name, s, a.shape()),
                StridedIndex.broadcast(name, s, b.shape()));
        if (out.size() == 0) return;
        Launcher.Fn fn = launcher.fn(Kernels.BINARY_FORWARD, Defines.none());
        StridedIndex t = space.tail(Math.min(BINARY_AXES, space.rank()));
        for (long[] off : space.leadingOffsets(BINARY_AXES)) {
            List<Object> args = args(at(out, off[0]), at(a, off[1]), at(b, off[2]), t.size());
            addPadded(args, t.dims(), BINARY_AXES, 1);
            addPadded(args, t.strides()[1], BINARY_AXES, 0);
            addPadded(args, t.strides()[2], BINARY_AXES, 0);
            args.add(op.ordinal());
            launcher.launch(fn, cover(t.size()), args.toArray());
        }
    }

    /**
     * da += Σ dy·∂(a∘b)/∂a down to a's shape, likewise db (either may be null). An operand of
     * dy's size gets its gradient added in the same pass; a broadcast one gets dy-shaped partials
     * in a scratch buffer, summed down by {@link #sumTo} (deterministic).
     */
    void binaryBackward(BinaryOp op, Tensor da, Tensor db, Tensor dy, Tensor a, Tensor b) {
        if (da == null && db == null) return;
        String name = "binaryBackward " + op;
        GpuBackend.requireF32(name, da, db, dy, a, b);
        if (da != null) sameSize(name, da, a);
        if (db != null) sameSize(name, db, b);
        Shape s = dy.shape();
        StridedIndex space = StridedIndex.of(s.dims(), StridedIndex.contiguous(s.dims()), StridedIndex.broadcast(name, s, a.shape()),
                StridedIndex.broadcast(name, s, b.shape()));
        int n = dy.size();
        if (n == 0) return;
        Storage scratchA = da != null && a.size() != n ? backend.allocate(DType.F32, n, false) : null;
        Storage scratchB = db != null && b.size() != n ? backend.allocate(DType.F32, n, false) : null;
        try {
            Tensor ga = da == null ? null : scratchA == null ? da : new Tensor(backend, s, DType.F32, scratchA, 0);
            Tensor gb = db == null ? null : scratchB == null ? db : new Tensor(backend, s, DType.F32, scratchB, 0);
            int modeA = ga == null ? 0 : scratchA == null ? 2 : 1, modeB = gb == null ? 0 : scratchB == null ? 2 : 1;
            Launcher.Fn fn = launcher.fn(Kernels.BINARY_BACKWARD, Defines.none());
            StridedIndex t = space.tail(Math.min(BINARY_AXES, space.rank()));
            for (long[] off : space.leadingOffsets(BINARY_AXES)) {
                // ADD and SUB read neither operand (autograd may have freed them): only shapes are used
                boolean linear = op == BinaryOp.ADD || op == BinaryOp.SUB;
                List<Object> args = args(ga == null ? null : at(ga, off[0]), gb == null ? null : at(gb, off[0]), at(dy, off[0]),
                        linear ? null : at(a, off[1]), linear ? null : at(b, off[2]), t.size());
                addPadded(args, t.dims(), BINARY_AXES, 1);
                addPadded(args, t.strides()[1], BINARY_AXES, 0);
                addPadded(args, t.strides()[2], BINARY_AXES, 0);
                args.add(modeA);
                args.add(modeB);
                args.add(op.ordinal());
                launcher.launch(fn, cover(t.size()), args.toArray());
            }
            if (scratchA != null) sumTo(da.view(a.shape()), ga, 1.0, true);
            if (scratchB != null) sumTo(db.view(b.shape()), gb, 1.0, true);
        } finally {
            if (scratchA != null) backend.release(scratchA);
            if (scratchB != null) backend.release(scratchB);
        }
    }

    /** out = alpha·x + beta; out may alias x. */
    void affine(Tensor out, Tensor x, double alpha, double beta) {
        GpuBackend.requireF32("affine", out, x);
        sameSize("affine", out, x);
        int n = out.size();
        if (n > 0) launcher.launch(launcher.fn(Kernels.AFFINE_FORWARD, Defines.none()), cover(n), out, x, n, alpha, beta);
    }

    /** dst += alpha·src (a null dst does nothing); dst may alias src. */
    void accumulate(Tensor dst, Tensor src, double alpha) {
        if (dst == null) return;
        GpuBackend.requireF32("accumulate", dst, src);
        sameSize("accumulate", dst, src);
        int n = dst.size();
        if (n > 0) launcher.launch(launcher.fn(Kernels.ACCUMULATE, Defines.none()), cover(n), dst, src, n, alpha);
    }

    // ---- reductions and broadcasts ----------------------------------------------------------

    /**
     * out = alpha·Σ x down to out's shape (+ out when accumulating). Short sums over many outputs
     * run one work-item per output; long ones a work-group per output, and a few very long ones
     * are split into chunks whose partial sums a second launch adds up.
     */
    void sumTo(Tensor out, Tensor x, double alpha, boolean accumulate) {
        GpuBackend.requireF32("sumTo", out, x);
        int[] xd = x.shape().dims();
        int[] outStrides = StridedIndex.broadcast("sumTo", x.shape(), out.shape());
        if (out.size() == 0) return;
        if (x.size() == 0) {
            if (!accumulate) backend.fill(out, 0);
            return;
        }
        StridedIndex space = StridedIndex.of(xd, StridedIndex.contiguous(xd), outStrides);
        int[] kept = new int[space.rank()], keptStride = new int[space.rank()], red = new int[space.rank()], redStride = new int[space.rank()];
        int nk = 0, nr = 0;
        for (int i = 0; i < space.rank(); i++) {
            if (space.strides()[1][i] == 0) {
                red[nr] = space.dims()[i];
                redStride[nr++] = space.strides()[0][i];
            } else {
                kept[nk] = space.dims()[i];
                keptStride[nk++] = space.strides()[0][i];
            }
        }
        if (nk > REDUCE_AXES || nr > REDUCE_AXES) {
            throw new IllegalArgumentException("sumTo: " + x.describe() + " down to " + out.describe() + " alternates kept and summed axes "
                    + "more than " + REDUCE_AXES + " times each after merging neighbours; the GPU kernel takes at most " + REDUCE_AXES + " of each");
        }
        reduce(out, x, Arrays.copyOf(kept, nk), Arrays.copyOf(keptStride, nk), Arrays.copyOf(red, nr), Arrays.copyOf(redStride, nr),
                alpha, accumulate);
    }

    /** One sum over x's reduced axes per output (out row-major over the kept axes). */
    private void reduce(Tensor out, Tensor x, int[] kept, int[] keptStride, int[] red, int[] redStride, double alpha, boolean accumulate) {
        int nout = 1, nred = 1;
        for (int v : kept) nout *= v;
        for (int v : red) nred *= v;
        // the rows of a contiguous (nred, nout) summed into one row (bias gradients): coalesced column sums
        if (kept.length == 1 && red.length == 1 && keptStride[0] == 1 && redStride[0] == nout && nred > 64) {
            columnSums(out, x, nred, nout, alpha, accumulate, false);
            return;
        }
        if (nred <= 64 || nout >= 2048) {
            List<Object> args = args(out, x, nout, nred);
            addAxes(args, kept, keptStride, red, redStride);
            args.add(alpha);
            args.add(accumulate ? 1 : 0);
            launcher.launch(launcher.fn(Kernels.SUM_TO_SERIAL, Defines.none()), cover(nout), args.toArray());
            return;
        }
        int nchunks = 1;
        if (nout < 64 && nred >= 16384) nchunks = Math.max(1, Math.min((nred + 4095) / 4096, 256 / nout));
        int chunk = (nred + nchunks - 1) / nchunks;
        nchunks = (nred + chunk - 1) / chunk;
        if (nchunks == 1) {
            launchSumTo(out, x, nout, nred, nred, 1, kept, keptStride, red, redStride, alpha, accumulate);
            return;
        }
        Storage s = backend.allocate(DType.F32, nout * nchunks, false);
        try {
            Tensor partial = new Tensor(backend, Shape.of(nout, nchunks), DType.F32, s, 0);
            launchSumTo(partial, x, nout, nred, chunk, nchunks, kept, keptStride, red, redStride, 1.0, false);
            launchSumTo(out, partial, nout, nchunks, nchunks, 1, new int[]{nout}, new int[]{nchunks}, new int[]{nchunks}, new int[]{1},
                    alpha, accumulate);
        } finally {
            backend.release(s);
        }
    }

    /**
     * out (d) = alpha·Σ rows of x (n, d) (+ out): blocks of at least COLUMN_BLOCK_ROWS rows (at most
     * COLUMN_BLOCKS, chosen from n alone, so the sums do not depend on the device), one launch when
     * a single block remains, else partial sums and a second launch adding them in block order.
     * x may hold BF16 or F16 (HALF_IN=1|2); with {@code round} the final sums are rounded to x's
     * 16-bit type before they are stored or added.
     */
    private void columnSums(Tensor out, Tensor x, int n, int d, double alpha, boolean accumulate, boolean round) {
        int roundCode = round ? halfCode(x.dtype()) : 0;
        int blocks = Math.min(COLUMN_BLOCKS, Math.max(1, n / COLUMN_BLOCK_ROWS));
        int rowsPerBlock = Grid.ceilDiv(n, blocks);
        blocks = Grid.ceilDiv(n, rowsPerBlock);
        Launcher.Fn sums = columnKernel(Kernels.COLUMN_SUMS, x.dtype().isHalf() ? halfCode(x.dtype()) : 0);
        int lanes = columnLanes;
        Grid grid = Grid.groups(new int[]{Grid.ceilDiv(d, COLUMN_COLS), blocks}, new int[]{COLUMN_COLS, lanes});
        if (blocks == 1) {
            launcher.launch(sums, grid, out, x, n, d, rowsPerBlock, alpha, accumulate ? 1 : 0, roundCode);
            return;
        }
        Storage s = backend.allocate(DType.F32, blocks * d, false);
        try {
            Tensor part = new Tensor(backend, Shape.of(blocks, d), DType.F32, s, 0);
            launcher.launch(sums, grid, part, x, n, d, rowsPerBlock, 1.0, 0, 0);
            launcher.launch(columnKernel(Kernels.COLUMN_SUMS_FINISH, 0), cover(d), out, part, blocks, d, alpha, accumulate ? 1 : 0, roundCode);
        } finally {
            backend.release(s);
        }
    }

    /**
     * Autocast's bias gradient in two launches: out (D, F32) += round(Σ rows of x), x (N, D) BF16
     * or F16 read directly. False (nothing enqueued) for N ≤ 64, where the default's sum takes another
     * path, and for arguments the default refuses.
     */
    boolean sumRowsHalf(Tensor out, Tensor x) {
        if (!x.dtype().isHalf() || x.rank() != 2 || out.dtype() != DType.F32 || out.size() != x.dim(1)) return false; // the default reports it
        int n = x.dim(0), d = x.dim(1);
        if (n <= 64 || d == 0) return false;
        columnSums(out, x, n, d, 1.0, true, true);
        return true;
    }

    /**
     * Column kernels are built with LANES = 8 row lanes, or fewer where the device takes smaller
     * groups; halfIn is the HALF_IN code of x (0: float32).
     */
    private Launcher.Fn columnKernel(Kernels k, int halfIn) {
        if (columnLanes == 0) {
            int lanes = COLUMN_LANES;
            while (lanes > 1 && launcher.maxGroupSize(launcher.fn(Kernels.COLUMN_SUMS, Defines.of("LANES", lanes))) < (long) COLUMN_COLS * lanes) {
                lanes /= 2;
            }
            columnLanes = lanes;
        }
        Defines d = Defines.of("LANES", columnLanes);
        return launcher.fn(k, halfIn != 0 ? d.with("HALF_IN", halfIn) : d);
    }

    private void launchSumTo(Tensor out, Tensor x, int nout, int nred, int chunk, int nchunks, int[] kept, int[] keptStride, int[] red,
                             int[] redStride, double alpha, boolean accumulate) {
        List<Object> args = args(out, x, nout, nred, chunk, nchunks);
        addAxes(args, kept, keptStride, red, redStride);
        args.add(alpha);
        args.add(accumulate ? 1 : 0);
        launcher.launch(launcher.fn(Kernels.SUM_TO, Defines.of("WG", REDUCE_WG)), Grid.groups(new int[]{nout, nchunks}, new int[]{REDUCE_WG, 1}),
                args.toArray());
    }

    /** out = alpha·broadcast(x) (+ out when accumulating); F32 or I32. */
    void expand(Tensor out, Tensor x, double alpha, boolean accumulate) {
        sameDtype("expand", out, x);
        int[] od = out.shape().dims();
        StridedIndex space = StridedIndex.of(od, StridedIndex.contiguous(od), StridedIndex.broadcast("expand", out.shape(), x.shape()));
        if (out.size() > 0) strided("expand", out, x, space, alpha, accumulate);
    }

    /** out[a, c] = max over l of x[a, l, c]. */
    void maxAlong(Tensor out, Tensor x, int outer, int len, int inner) {
        GpuBackend.requireF32("maxAlong", out, x);
        if (outer < 0 || len < 0 || inner < 0 || (long) outer * len * inner != x.size() || (long) outer * inner != out.size()) {
            throw new IllegalArgumentException("maxAlong: x " + x.describe() + " viewed as (" + outer + ", " + len + ", " + inner + ") into out "
                    + out.describe() + ": expected x of outer·len·inner and out of outer·inner elements");
        }
        int n = outer * inner;
        if (n > 0) launcher.launch(launcher.fn(Kernels.MAX_ALONG, Defines.none()), cover(n), out, x, outer, len, inner);
    }

    // ---- layout -----------------------------------------------------------------------------

    /** out = x with axes permuted (+ out when accumulating); F32 or I32; out must not overlap x. */
    void permute(Tensor out, Tensor x, int[] perm, boolean accumulate) {
        RefLayout.checkPermute(out, x, perm);
        if (out.size() == 0) return;
        int[] od = out.shape().dims(), xs = x.shape().strides(), step = new int[perm.length];
        for (int i = 0; i < perm.length; i++) step[i] = xs[perm[i]];
        strided("permute", out, x, StridedIndex.of(od, StridedIndex.contiguous(od), step), 1.0, accumulate);
    }

    /** out[..., start + j, ...] = x[..., j, ...] (+= when accumulating). */
    void writeSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        RefLayout.checkSlice("writeSlice", out, x, axis, start);
        if (x.size() == 0) return;
        int outer = out.shape().outer(axis), inner = out.shape().inner(axis);
        int big = out.dim(axis) * inner, small = x.dim(axis) * inner;
        StridedIndex space = StridedIndex.of(new int[]{outer, small}, new int[]{big, 1}, new int[]{small, 1});
        strided("writeSlice", at(out, (long) start * inner), x, space, 1.0, accumulate);
    }

    /** out = x[..., start : start + out.dim(axis), ...] (+ out when accumulating). */
    void readSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        RefLayout.checkSlice("readSlice", x, out, axis, start);
        if (out.size() == 0) return;
        int outer = x.shape().outer(axis), inner = x.shape().inner(axis);
        int big = x.dim(axis) * inner, small = out.dim(axis) * inner;
        StridedIndex space = StridedIndex.of(new int[]{outer, small}, new int[]{small, 1}, new int[]{big, 1});
        strided("readSlice", out, at(x, (long) start * inner), space, 1.0, accumulate);
    }

    /** out[a, k, r] = x[a, index[a, k], r]; the indices are checked first (see the file comment). */
    void gather(Tensor out, Tensor x, Tensor index, int axis) {
        RefLayout.checkGather("gather", out, x, index, axis);
        int outer = x.shape().outer(axis), len = x.dim(axis), inner = x.shape().inner(axis), k = index.dim(axis);
        checkIndices("gather", index, k, len, axis, x);
        if (out.size() == 0) return;
        launcher.launch(launcher.fn(Kernels.GATHER, elem(out.dtype())), cover(out.size()), out, x, index, outer, len, k, inner);
    }

    /** dx[a, index[a, k], r] += dout[a, k, r]; a null dx does nothing; deterministic. */
    void scatterAdd(Tensor dx, Tensor dout, Tensor index, int axis) {
        if (dx == null) return;
        RefLayout.checkGather("scatterAdd", dout, dx, index, axis);
        int outer = dx.shape().outer(axis), len = dx.dim(axis), inner = dx.shape().inner(axis), k = index.dim(axis);
        checkIndices("scatterAdd", index, k, len, axis, dx);
        if (dx.size() == 0 || dout.size() == 0) return;
        launcher.launch(launcher.fn(Kernels.SCATTER_ADD, elem(dx.dtype())), cover(dx.size()), dx, dout, index, outer, len, k, inner);
    }

    // ---- helpers ----------------------------------------------------------------------------

    /** A growable kernel argument list starting with {@code first} (nulls allowed: a null tensor binds a NULL buffer). */
    private static List<Object> args(Object... first) {
        return new ArrayList<>(Arrays.asList(first));
    }

    /** strided_copy over {@code space}, whose operand 0 is out and operand 1 is x; more than 6 axes run as several launches. */
    private void strided(String op, Tensor out, Tensor x, StridedIndex space, double alpha, boolean accumulate) {
        sameDtype(op, out, x);
        StridedIndex t = space.tail(Math.min(COPY_AXES, space.rank()));
        int[] d = StridedIndex.pad(t.dims(), COPY_AXES, 1), os = StridedIndex.pad(t.strides()[0], COPY_AXES, 0),
                xs = StridedIndex.pad(t.strides()[1], COPY_AXES, 0);
        int inner = d[COPY_AXES - 1];
        boolean runs = inner >= 2 * COPY_RUN && os[COPY_AXES - 1] == 1 && xs[COPY_AXES - 1] == 1;
        Launcher.Fn fn = launcher.fn(runs ? Kernels.STRIDED_COPY_RUNS : Kernels.STRIDED_COPY, elem(out.dtype()));
        for (long[] off : space.leadingOffsets(COPY_AXES)) {
            List<Object> args;
            int items;
            if (runs) { // the innermost axis contiguous on both sides: one work-item per run of COPY_RUN elements
                int rows = t.size() / inner, perRow = Grid.ceilDiv(inner, COPY_RUN);
                args = args(at(out, off[0]), at(x, off[1]), rows, perRow);
                for (int v : d) args.add(v);
                for (int a = 0; a < COPY_AXES - 1; a++) args.add(os[a]);
                for (int a = 0; a < COPY_AXES - 1; a++) args.add(xs[a]);
                items = rows * perRow;
            } else {
                args = args(at(out, off[0]), at(x, off[1]), t.size());
                for (int v : d) args.add(v);
                for (int v : os) args.add(v);
                for (int v : xs) args.add(v);
                items = t.size();
            }
            args.add(alpha);
            args.add(accumulate ? 1 : 0);
            launcher.launch(fn, cover(items), args.toArray());
        }
    }

    /**
     * Throws as the reference does when an index lies outside [0, len): index_check finds the
     * first bad position on the device and only that int (and then the bad index) is read back.
     */
    private void checkIndices(String op, Tensor index, int k, int len, int axis, Tensor x) {
        int[] bad = firstOutOfRange(index, len);
        if (bad != null) {
            // the reference's check on a probe that holds only the bad index, at its position
            int[] probe = new int[bad[0] + 1];
            probe[bad[0]] = bad[1];
            RefLayout.checkIndices(op, probe, k, len, axis, x);
            throw new IllegalStateException(op + ": index at position " + bad[0] + " was reported out of range [0, " + len + ")");
        }
    }

    /**
     * The first position of {@code index} (I32) holding a value outside [0, len) and that value,
     * or null when all are in range: index_check runs on the device and one int (two when an
     * index is bad) is read back, which waits for the queue.
     */
    int[] firstOutOfRange(Tensor index, int len) {
        int n = index.size();
        if (n == 0) return null;
        Storage s = backend.allocate(DType.I32, 1, false);
        try {
            Tensor first = new Tensor(backend, Shape.of(1), DType.I32, s, 0);
            launcher.launch(launcher.fn(Kernels.INDEX_CHECK, elem(DType.F32)), Grid.groups(new int[]{1}, new int[]{REDUCE_WG}), first, index, n, len);
            int bad = backend.readI32(first)[0];
            return bad < n ? new int[]{bad, backend.readI32(at(index, bad))[0]} : null;
        } finally {
            backend.release(s);
        }
    }

    /** A one-element handle on t's storage {@code delta} elements past t's first element (a kernel argument). */
    private Tensor at(Tensor t, long delta) {
        if (delta == 0) return t;
        return new Tensor(t.backend(), Shape.of(1), t.dtype(), t.storage(), Math.toIntExact(t.offset() + delta));
    }

    private static void addAxes(List<Object> args, int[] kept, int[] keptStride, int[] red, int[] redStride) {
        addPadded(args, kept, REDUCE_AXES, 1);
        addPadded(args, keptStride, REDUCE_AXES, 0);
        addPadded(args, red, REDUCE_AXES, 1);
        addPadded(args, redStride, REDUCE_AXES, 0);
    }

    private static void addPadded(List<Object> args, int[] values, int rank, int fill) {
        for (int v : StridedIndex.pad(values, rank, fill)) args.add(v);
    }

    private static Grid cover(int n) {
        return Grid.cover(n, LOCAL);
    }

    private static Defines elem(DType dtype) {
        return Defines.of("ELEM_INT", dtype == DType.I32 ? 1 : 0);
    }

    /** True when both tensors use the same storage and their element ranges intersect. */
    private static boolean overlaps(Tensor p, Tensor q) {
        return p.storage() == q.storage() && p.offset() < q.offset() + q.size() && q.offset() < p.offset() + p.size();
    }

    private static void sameSize(String op, Tensor p, Tensor q) {
        if (p.size() != q.size()) {
            throw new IllegalArgumentException(op + ": sizes differ: " + p.describe() + " vs " + q.describe());
        }
    }

    private static void sameDtype(String op, Tensor p, Tensor q) {
        if (p.dtype() != q.dtype()) {
            throw new IllegalArgumentException(op + ": dtypes differ: " + p.describe() + " vs " + q.describe());
        }
    }
}
