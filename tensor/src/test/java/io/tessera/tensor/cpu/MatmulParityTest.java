package io.tessera.tensor.cpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.cpu.simd.SimdGemm;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Parity of the Vector API float32 GEMM (CpuBackend at the preferred width on 1 and 2 threads,
 * and at 128 bits) with the double-accumulating scalar reference {@link RefMatmul}, on awkward
 * shapes: tails of every kind, all four transpose combinations, alpha/beta, batches and a
 * shared batch-1 operand. Also bitwise equality of 1 and 2 threads.
 */
class MatmulParityTest {
    private static final double TOL = 1e-5;
    private static final ReferenceBackend REF = new ReferenceBackend();
    private static final CpuBackend ONE = new CpuBackend(1);
    private static final CpuBackend TWO = new CpuBackend(2);
    private static final CpuBackend NARROW = new CpuBackend(1, 128);

    @AfterAll
    static void close() {
        ONE.close();
        TWO.close();
        NARROW.close();
    }

    /** One product: batch of C, batches of A and B (1 or batch), M, N, K, flags, alpha, beta. */
    record Case(int batch, int batchA, int batchB, int m, int n, int k, boolean ta, boolean tb, double alpha, double beta) {
        @Override
        public String toString() {
            return "B" + batch + "(a" + batchA + ",b" + batchB + ") " + m + "x" + n + "x" + k + (ta ? " Aᵀ" : "")
                    + (tb ? " Bᵀ" : "") + " α=" + alpha + " β=" + beta;
        }
    }

    static Stream<Arguments> cases() {
        int[][] shapes = {
                {1, 1, 1}, {7, 13, 5}, {17, 33, 65}, {6, 16, 8}, {6, 32, 256}, {12, 48, 257}, {5, 15, 3},
                {1, 40, 9}, {40, 1, 9}, {23, 1, 1}, {1, 1, 300}, {145, 67, 19}, {13, 70, 513}, {2, 3, 0},
                {40, 300, 33}, {250, 520, 7}, {300, 70, 40}, {263, 33, 300},
        };
        List<Arguments> out = new ArrayList<>();
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                boolean ta = (t & 1) != 0, tb = (t & 2) != 0;
                out.add(Arguments.of(new Case(1, 1, 1, s[0], s[1], s[2], ta, tb, 1, 0)));
            }
        }
        out.add(Arguments.of(new Case(1, 1, 1, 17, 33, 65, false, false, -0.75, 0.5)));
        out.add(Arguments.of(new Case(1, 1, 1, 17, 33, 65, true, true, 2.0, 1.0)));
        out.add(Arguments.of(new Case(1, 1, 1, 7, 13, 0, false, true, 1.0, -2.0)));
        out.add(Arguments.of(new Case(3, 3, 3, 7, 13, 5, false, false, 1, 0)));
        out.add(Arguments.of(new Case(4, 4, 1, 9, 21, 11, false, true, 1, 1)));
        out.add(Arguments.of(new Case(4, 1, 4, 9, 21, 11, true, false, 0.5, 0.25)));
        out.add(Arguments.of(new Case(5, 5, 1, 50, 37, 64, false, false, 1, 0)));
        out.add(Arguments.of(new Case(2, 2, 2, 150, 140, 170, true, false, 1, 1)));
        for (int t = 0; t < 4; t++) {
            out.add(Arguments.of(new Case(1, 1, 1, 300, 257, 129, (t & 1) != 0, (t & 2) != 0, 1, t == 3 ? 0.5 : 0)));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void simdMatchesReference(Case cs) {
        long seed = 31L * cs.hashCode() + 7;
        Tensor a = random(REF, seed, cs.batchA(), cs.ta() ? cs.k() : cs.m(), cs.ta() ? cs.m() : cs.k());
        Tensor b = random(REF, seed + 1, cs.batchB(), cs.tb() ? cs.n() : cs.k(), cs.tb() ? cs.k() : cs.n());
        Tensor c0 = random(REF, seed + 2, cs.batch(), cs.m(), cs.n());
        Tensor ref = copy(REF, c0);
        RefMatmul.matmul(ref, a, b, cs.ta(), cs.tb(), cs.alpha(), cs.beta());
        float[] want = ref.f32();
        for (Backend be : List.of(ONE, TWO, NARROW)) {
            Tensor c = cs.beta() == 0 ? filled(be, c0.shape(), Float.NaN) : copy(be, c0);
            be.matmul(c, copy(be, a), copy(be, b), cs.ta(), cs.tb(), cs.alpha(), cs.beta());
            double err = relativeError(c.f32(), want);
            assertThat(err).as("%s on %s (seed %d)", cs, be.name(), seed).isLessThanOrEqualTo(TOL);
        }
    }

    @Test
    void oneAndTwoThreadsGiveIdenticalBits() {
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                Tensor a = random(ONE, 11, 1, 517, 389);
                Tensor b = random(ONE, 12, 1, 389, 1031);
                if (ta) a = random(ONE, 11, 1, 389, 517);
                if (tb) b = random(ONE, 12, 1, 1031, 389);
                Tensor c1 = random(ONE, 13, 1, 517, 1031), c2 = copy(TWO, c1);
                ONE.matmul(c1, a, b, ta, tb, 0.75, 0.5);
                TWO.matmul(c2, a, b, ta, tb, 0.75, 0.5);
                assertThat(c2.f32()).as("ta=%s tb=%s", ta, tb).isEqualTo(c1.f32());
            }
        }
        Tensor a = random(ONE, 21, 12, 197, 64), b = random(ONE, 22, 12, 197, 64);
        Tensor c1 = filled(ONE, Shape.of(12, 197, 197), 0), c2 = filled(TWO, Shape.of(12, 197, 197), 0);
        ONE.matmul(c1, a, b, false, true, 0.125, 0);
        TWO.matmul(c2, a, b, false, true, 0.125, 0);
        assertThat(c2.f32()).isEqualTo(c1.f32());
    }

    @Test
    void rawSgemmHonoursOffsetsAndLeadingDimensions() {
        int m = 19, n = 37, k = 23, lda = 30, ldb = 41, ldc = 45, aOff = 3, bOff = 5, cOff = 7;
        SplittableRandom r = new SplittableRandom(5);
        float[] a = new float[aOff + m * lda], b = new float[bOff + k * ldb], c = new float[cOff + m * ldc];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        for (int i = 0; i < c.length; i++) c[i] = (float) r.nextGaussian();
        float[] before = c.clone();
        SimdGemm.sgemm(TWO.simd(), false, false, m, n, k, 1.5f, a, aOff, lda, b, bOff, ldb, -1f, c, cOff, ldc);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < ldc; j++) {
                int ci = cOff + i * ldc + j;
                if (j >= n) {
                    assertThat(c[ci]).as("outside C at (%d, %d)", i, j).isEqualTo(before[ci]);
                    continue;
                }
                double s = 0;
                for (int p = 0; p < k; p++) s += (double) a[aOff + i * lda + p] * b[bOff + p * ldb + j];
                double want = 1.5 * s - before[ci];
                assertThat((double) c[ci]).as("C(%d, %d)", i, j).isCloseTo(want, org.assertj.core.data.Offset.offset(1e-4 * (1 + Math.abs(want))));
            }
        }
        for (int i = 0; i < cOff; i++) assertThat(c[i]).isEqualTo(before[i]);
    }

    @Test
    void mismatchedShapesNameTheOperands() {
        Tensor a = random(ONE, 1, 1, 4, 5), b = random(ONE, 2, 1, 6, 3), c = filled(ONE, Shape.of(1, 4, 3), 0);
        assertThatThrownBy(() -> ONE.matmul(c, a, b, false, false, 1, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("matmul").hasMessageContaining("(1, 4, 5)").hasMessageContaining("(1, 6, 3)");
    }

    /** ‖x − ref‖₂ / max(‖ref‖₂, 1e-30). */
    private static double relativeError(float[] x, float[] ref) {
        double num = 0, den = 0;
        for (int i = 0; i < ref.length; i++) {
            double d = (double) x[i] - ref[i];
            num += d * d;
            den += (double) ref[i] * ref[i];
        }
        if (Double.isNaN(num)) return Double.POSITIVE_INFINITY;
        return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
    }

    private static Tensor random(Backend be, long seed, int... dims) {
        Shape s = Shape.of(dims);
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[s.size()];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        Tensor t = new Tensor(be, s, DType.F32, be.allocate(DType.F32, s.size(), false), 0);
        be.write(t, v);
        return t;
    }

    private static Tensor filled(Backend be, Shape s, float value) {
        Tensor t = new Tensor(be, s, DType.F32, be.allocate(DType.F32, s.size(), false), 0);
        float[] v = new float[s.size()];
        java.util.Arrays.fill(v, value);
        be.write(t, v);
        return t;
    }

    private static Tensor copy(Backend be, Tensor x) {
        Tensor t = new Tensor(be, x.shape(), DType.F32, be.allocate(DType.F32, x.size(), false), 0);
        be.write(t, x.toFloatArray());
        return t;
    }
}
