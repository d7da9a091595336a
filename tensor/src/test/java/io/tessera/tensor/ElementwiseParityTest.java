package io.tessera.tensor;

import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.cpu.Erf;
import io.tessera.tensor.cpu.Parallel;
import io.tessera.tensor.cpu.simd.SimdContext;
import io.tessera.tensor.cpu.simd.VectorMath;
import io.tessera.tensor.spi.BinaryOp;
import io.tessera.tensor.spi.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.function.DoubleUnaryOperator;

import static io.tessera.tensor.ElementwiseTestSupport.REF;
import static io.tessera.tensor.ElementwiseTestSupport.SIMD;
import static io.tessera.tensor.Tolerance.assertClose;
import static io.tessera.tensor.ElementwiseTestSupport.data;
import static io.tessera.tensor.ElementwiseTestSupport.on;
import static io.tessera.tensor.ElementwiseTestSupport.randn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Parity of the Vector API elementwise kernels with the double-precision reference: every
 * unary op forward and backward, every binary op over each broadcasting pattern (and the
 * general fallback) forward and backward, affine and accumulate, on awkward shapes and one
 * large case, for 1 and 2 threads and a fixed 128-bit width.
 */
class ElementwiseParityTest {
    private static final int[][] UNARY_SHAPES = {{1}, {7}, {3, 5, 17}, {1, 1, 33}, {65537}, {1000003}};
    private static final int LARGE = 100_000;

    /** Inputs inside each op's domain, spread enough to reach every branch of its vector code. */
    private static DoubleUnaryOperator domain(UnaryOp op) {
        return switch (op) {
            case LOG, SQRT, RSQRT -> v -> Math.abs(v) * 3 + 1e-3;
            case EXP -> v -> v * 8;
            case TANH, GELU -> v -> v * 3;
            default -> v -> v * 2;
        };
    }

    @ParameterizedTest
    @EnumSource(UnaryOp.class)
    void unaryForwardAndBackwardMatchTheReference(UnaryOp op) {
        for (int[] dims : UNARY_SHAPES) {
            int n = Shape.of(dims).size();
            if (n > LARGE && op != UnaryOp.GELU) continue; // one large case (65537 already spans two threads)
            long seed = 31L * op.ordinal() + n;
            float[] x = data(seed, n, domain(op)), dy = randn(seed + 1, n), dx0 = randn(seed + 2, n);
            Tensor rx = on(REF, x, dims), ry = on(REF, new float[n], dims);
            REF.unary(op, ry, rx);
            float[] y = ry.toFloatArray();
            Tensor rdx = on(REF, dx0, dims);
            REF.unaryBackward(op, rdx, on(REF, dy, dims), rx, ry);
            for (CpuBackend be : SIMD) {
                String what = op + " " + Shape.of(dims) + " on " + be.name() + " (seed " + seed + ")";
                Tensor sx = on(be, x, dims), sy = on(be, new float[n], dims);
                be.unary(op, sy, sx);
                assertClose(what + " forward", sy.toFloatArray(), y, 1e-6, 1e-6);
                Tensor sdx = on(be, dx0, dims);
                be.unaryBackward(op, sdx, on(be, dy, dims), sx, on(be, y, dims));
                assertClose(what + " backward", sdx.toFloatArray(), rdx.toFloatArray(), 1e-5, 1e-5);
                be.unaryBackward(op, null, on(be, dy, dims), sx, on(be, y, dims)); // a null gradient is ignored
            }
        }
    }

    @Test
    void transcendentalsHandleSpecialValues() {
        float[] x = {0f, -0f, 1f, -1f, 100f, -100f, 88.7f, -87.5f, -103f, 1e-30f, 1e-42f, 20f, -20f, 1e-4f, -1e-4f, 0.2499f,
                0.2501f, 3.99f, 4.01f, -5.7f, -6f, 10f, -10f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN};
        int n = x.length;
        for (UnaryOp op : new UnaryOp[]{UnaryOp.EXP, UnaryOp.LOG, UnaryOp.TANH, UnaryOp.GELU, UnaryOp.SQRT}) {
            Tensor ry = on(REF, new float[n], n);
            REF.unary(op, ry, on(REF, x, n));
            for (CpuBackend be : SIMD) {
                Tensor sy = on(be, new float[n], n);
                be.unary(op, sy, on(be, x, n));
                assertClose(op + " specials on " + be.name(), sy.toFloatArray(), ry.toFloatArray(), 1e-6, 1e-6);
            }
        }
    }

    @Test
    void vectorErfIsAccurateToOneTenMillionth() {
        SimdContext[] contexts = {SimdContext.preferred(new Parallel(1)), SimdContext.ofBits(128, new Parallel(1))};
        int n = 400_003;
        float[] x = new float[n], y = new float[n];
        for (int i = 0; i < n; i++) x[i] = -7f + 14f * i / (n - 1);
        for (SimdContext sc : contexts) {
            VectorMath.erf(sc, x, 0, y, 0, n);
            double worst = 0;
            for (int i = 0; i < n; i++) worst = Math.max(worst, Math.abs(y[i] - Erf.erf(x[i])));
            assertThat(worst).as("max |erf error| at %d bits", sc.bits()).isLessThan(1e-7);
        }
    }

    /** (a shape, b shape) pairs: same, bias, scalar both ways, per-row, middle, outer, rank 0, two runs. */
    private static final int[][][] BINARY_SHAPES = {
            {{3, 5, 17}, {3, 5, 17}}, {{4, 33}, {33}}, {{33}, {4, 33}}, {{2, 3, 17}, {1}}, {{1}, {2, 3, 17}},
            {{5, 7, 1}, {5, 7, 9}}, {{2, 1, 19}, {2, 6, 19}}, {{6, 1}, {1, 9}}, {{}, {7, 3}},
            {{3, 1, 4, 1}, {1, 5, 1, 2}}, {{1000, 1000}, {1000}}, {{1048577}, {1048577}}};
    private static final BinaryOp[] LARGE_BINARY = {BinaryOp.ADD, BinaryOp.MUL};

    @ParameterizedTest
    @EnumSource(BinaryOp.class)
    void binaryForwardAndBackwardMatchTheReference(BinaryOp op) {
        for (int[][] pair : BINARY_SHAPES) {
            int[] ad = pair[0], bd = pair[1];
            int na = Shape.of(ad).size(), nb = Shape.of(bd).size();
            Shape os = Shape.broadcast(Shape.of(ad), Shape.of(bd));
            if (os.size() > LARGE && !java.util.Arrays.asList(LARGE_BINARY).contains(op)) continue;
            if (os.size() > LARGE && op != BinaryOp.ADD && Shape.of(ad).equals(Shape.of(bd))) continue; // one same-shape large case
            int[] od = os.dims();
            long seed = 97L * op.ordinal() + na + 7L * nb;
            float[] a = randn(seed, na);
            float[] b = op == BinaryOp.DIV ? data(seed + 1, nb, v -> v + Math.copySign(0.5, v)) : randn(seed + 1, nb);
            float[] dy = randn(seed + 2, os.size()), da0 = randn(seed + 3, na), db0 = randn(seed + 4, nb);
            Tensor ro = on(REF, new float[os.size()], od);
            REF.binary(op, ro, on(REF, a, ad), on(REF, b, bd));
            Tensor rda = on(REF, da0, ad), rdb = on(REF, db0, bd);
            REF.binaryBackward(op, rda, rdb, on(REF, dy, od), on(REF, a, ad), on(REF, b, bd));
            for (CpuBackend be : SIMD) {
                String what = op + " " + Shape.of(ad) + " ∘ " + Shape.of(bd) + " on " + be.name() + " (seed " + seed + ")";
                Tensor sa = on(be, a, ad), sb = on(be, b, bd), so = on(be, new float[os.size()], od);
                be.binary(op, so, sa, sb);
                assertClose(what + " forward", so.toFloatArray(), ro.toFloatArray(), 1e-6, 1e-6);
                Tensor sda = on(be, da0, ad), sdb = on(be, db0, bd);
                be.binaryBackward(op, sda, sdb, on(be, dy, od), sa, sb);
                double atol = 1e-5 * Math.sqrt(Math.max(1, os.size() / Math.max(1, Math.min(na, nb))));
                assertClose(what + " da", sda.toFloatArray(), rda.toFloatArray(), atol, 1e-5);
                assertClose(what + " db", sdb.toFloatArray(), rdb.toFloatArray(), atol, 1e-5);
                Tensor only = on(be, db0, bd);
                be.binaryBackward(op, null, only, on(be, dy, od), sa, sb);
                assertClose(what + " db alone", only.toFloatArray(), rdb.toFloatArray(), atol, 1e-5);
            }
        }
    }

    @Test
    void binaryRejectsAnOutputOfTheWrongShape() {
        for (CpuBackend be : SIMD) {
            assertThatThrownBy(() -> be.binary(BinaryOp.ADD, on(be, new float[6], 2, 3), on(be, new float[3], 3), on(be, new float[4], 4)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("(3)").hasMessageContaining("(4)");
        }
    }

    @Test
    void affineAndAccumulateMatchTheReference() {
        for (int n : new int[]{1, 37, 65537}) {
            float[] x = randn(n, n), d0 = randn(n + 1, n);
            Tensor ro = on(REF, new float[n], n), racc = on(REF, d0, n);
            REF.affine(ro, on(REF, x, n), -1.7, 0.3);
            REF.accumulate(racc, on(REF, x, n), 0.25);
            Tensor rone = on(REF, d0, n);
            REF.accumulate(rone, on(REF, x, n), 1.0);
            for (CpuBackend be : SIMD) {
                Tensor so = on(be, new float[n], n), sacc = on(be, d0, n), sone = on(be, d0, n);
                be.affine(so, on(be, x, n), -1.7, 0.3);
                be.accumulate(sacc, on(be, x, n), 0.25);
                be.accumulate(sone, on(be, x, n), 1.0);
                be.accumulate(null, on(be, x, n), 1.0);
                assertClose("affine n=" + n + " on " + be.name(), so.toFloatArray(), ro.toFloatArray(), 1e-6, 1e-6);
                assertClose("accumulate n=" + n + " on " + be.name(), sacc.toFloatArray(), racc.toFloatArray(), 1e-6, 1e-6);
                assertClose("accumulate α=1 n=" + n + " on " + be.name(), sone.toFloatArray(), rone.toFloatArray(), 0, 0);
            }
        }
    }
}
