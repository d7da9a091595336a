package io.tessera.tensor;

import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.spi.Backend;
import io.tessera.tensor.spi.BinaryOp;
import org.junit.jupiter.api.Test;

import static io.tessera.tensor.ElementwiseTestSupport.REF;
import static io.tessera.tensor.ElementwiseTestSupport.SIMD;
import static io.tessera.tensor.Tolerance.assertClose;
import static io.tessera.tensor.ElementwiseTestSupport.on;
import static io.tessera.tensor.ElementwiseTestSupport.randn;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Parity of the Vector API sums, broadcasts and maxima with the reference over each fast path
 * (full sum, bias rows, last axes, middle axes, huge rows, small columns, same shape) and the
 * general fallback; and bitwise 1-vs-2-thread determinism of the sums.
 */
class ReduceParityTest {
    /** (x shape, out shape) pairs for sumTo. */
    private static final int[][][] SUM_CASES = {
            {{37}, {}}, {{37}, {1}}, {{1000, 64}, {64}}, {{4, 33}, {1, 33}}, {{5, 7, 19}, {5, 7, 1}},
            {{3, 100003}, {3, 1}}, {{6, 9, 13}, {6, 1, 13}}, {{2, 3, 4, 5}, {2, 1, 4, 1}}, {{50000, 3}, {3}},
            {{1048579}, {}}, {{3, 4}, {3, 4}}, {{2, 70001}, {1, 70001}}, {{1, 1, 5}, {1, 1, 1}}};

    @Test
    void sumToMatchesTheReference() {
        for (int[][] c : SUM_CASES) {
            Shape xs = Shape.of(c[0]), os = Shape.of(c[1]);
            int reduced = xs.size() / os.size();
            long seed = xs.size() * 31L + os.size();
            float[] x = randn(seed, xs.size()), o0 = randn(seed + 1, os.size());
            for (boolean acc : new boolean[]{false, true}) {
                Tensor ro = on(REF, o0, c[1]);
                REF.sumTo(ro, on(REF, x, c[0]), 0.5, acc);
                for (CpuBackend be : SIMD) {
                    Tensor so = on(be, o0, c[1]);
                    be.sumTo(so, on(be, x, c[0]), 0.5, acc);
                    assertClose("sumTo " + xs + " → " + os + (acc ? " (+=)" : "") + " on " + be.name() + " (seed " + seed + ")",
                            so.toFloatArray(), ro.toFloatArray(), 1e-6 + 2e-7 * Math.sqrt(reduced), 1e-6);
                }
            }
        }
    }

    /** (x shape, out shape) pairs for expand. */
    private static final int[][][] EXPAND_CASES = {
            {{64}, {1000, 64}}, {{5, 7, 1}, {5, 7, 9}}, {{2, 1, 19}, {2, 6, 19}}, {{}, {13}}, {{3, 1, 4, 1}, {3, 5, 4, 2}},
            {{1}, {70001}}, {{3, 4}, {3, 4}}};

    @Test
    void expandMatchesTheReference() {
        for (int[][] c : EXPAND_CASES) {
            Shape xs = Shape.of(c[0]), os = Shape.of(c[1]);
            long seed = xs.size() * 17L + os.size();
            float[] x = randn(seed, xs.size()), o0 = randn(seed + 1, os.size());
            for (boolean acc : new boolean[]{false, true}) {
                Tensor ro = on(REF, o0, c[1]);
                REF.expand(ro, on(REF, x, c[0]), -2.5, acc);
                for (CpuBackend be : SIMD) {
                    Tensor so = on(be, o0, c[1]);
                    be.expand(so, on(be, x, c[0]), -2.5, acc);
                    assertClose("expand " + xs + " → " + os + (acc ? " (+=)" : "") + " on " + be.name(), so.toFloatArray(), ro.toFloatArray(), 1e-6, 1e-6);
                }
            }
        }
    }

    @Test
    void maxAlongMatchesTheReferenceExactly() {
        int[][] cases = {{3, 17, 1}, {2, 5, 37}, {1, 100003, 1}, {4, 1, 9}, {600, 7, 13}};
        for (int[] c : cases) {
            int n = c[0] * c[1] * c[2];
            float[] x = randn(n, n);
            Tensor ro = on(REF, new float[c[0] * c[2]], c[0] * c[2]);
            REF.maxAlong(ro, on(REF, x, n), c[0], c[1], c[2]);
            for (CpuBackend be : SIMD) {
                Tensor so = on(be, new float[c[0] * c[2]], c[0] * c[2]);
                be.maxAlong(so, on(be, x, n), c[0], c[1], c[2]);
                assertThat(so.toFloatArray()).as("maxAlong %s on %s", java.util.Arrays.toString(c), be.name()).containsExactly(ro.toFloatArray());
            }
        }
    }

    @Test
    void emptyTensorsSumToZeroAndPassThroughOtherKernels() {
        for (CpuBackend be : SIMD) {
            Tensor x = on(be, new float[0], 0, 3), o = on(be, new float[]{5, 5, 5}, 1, 3);
            be.sumTo(o, x, 1.0, false);
            assertThat(o.toFloatArray()).as("sum over an empty axis on %s", be.name()).containsExactly(0f, 0f, 0f);
            Tensor t = on(be, new float[0], 3, 0);
            be.permute(t, x, new int[]{1, 0}, false);
            Tensor y = on(be, new float[0], 0, 3);
            be.binary(BinaryOp.MUL, y, x, on(be, new float[]{1, 2, 3}, 3));
            be.expand(y, on(be, new float[]{1, 2, 3}, 3), 1.0, true);
            assertThat(y.size()).isZero();
        }
    }

    @Test
    void sumsAreBitwiseIdenticalForOneAndTwoThreads() {
        try (CpuBackend one = new CpuBackend(1); CpuBackend two = new CpuBackend(2)) {
            for (int[][] c : SUM_CASES) {
                float[] x = randn(c[0].length * 1000L + 5, Shape.of(c[0]).size());
                assertThat(sum(two, x, c)).as("sumTo %s → %s", Shape.of(c[0]), Shape.of(c[1])).containsExactly(sum(one, x, c));
            }
            // bias gradient through binaryBackward (MUL reduces dy·a over rows)
            int rows = 4099, d = 96;
            float[] a = randn(1, rows * d), b = randn(2, d), dy = randn(3, rows * d);
            assertThat(biasGrad(two, a, b, dy, rows, d)).containsExactly(biasGrad(one, a, b, dy, rows, d));
        }
    }

    private static float[] sum(Backend be, float[] x, int[][] c) {
        Tensor o = on(be, new float[Shape.of(c[1]).size()], c[1]);
        be.sumTo(o, on(be, x, c[0]), 1.0, false);
        return o.toFloatArray();
    }

    private static float[] biasGrad(Backend be, float[] a, float[] b, float[] dy, int rows, int d) {
        Tensor db = on(be, new float[d], d);
        be.binaryBackward(BinaryOp.MUL, null, db, on(be, dy, rows, d), on(be, a, rows, d), on(be, b, d));
        return db.toFloatArray();
    }
}
