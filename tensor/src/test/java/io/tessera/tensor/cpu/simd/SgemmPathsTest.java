package io.tessera.tensor.cpu.simd;

// The SGEMM's vectorised packing copies at every vector width, each against its element-by-element
// definition (ragged slivers, depth 1, reads that end at the array's last element), and whole
// products on the transposed paths against a double-precision sum, with several depth blocks,
// several column panels, in-place operands and size-1 dimensions; 1, 2 and 3 threads give the
// same bits.

import io.tessera.tensor.cpu.Parallel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

class SgemmPathsTest {
    private static final int[] WIDTHS = {64, 128, 256, 512};
    /**
     * Widths of whole products: the narrow and the widest backend (64-bit vectors of two floats are
     * not compiled to SIMD and crawl; every width's packing copies are checked above).
     */
    private static final int[] PRODUCT_WIDTHS = {128, 512};
    private static final Parallel ONE = new Parallel(1), TWO = new Parallel(2), THREE = new Parallel(3);

    @AfterAll
    static void close() {
        ONE.close();
        TWO.close();
        THREE.close();
    }

    @Test
    void transposedAPacksAsDefinedAtEveryWidth() {
        int[][] cases = {{1, 1}, {6, 1}, {6, 2}, {7, 3}, {13, 5}, {36, 256}, {5, 9}, {100, 33}};
        for (int bits : WIDTHS) {
            for (int[] cs : cases) {
                int mc = cs[0], kc = cs[1], lda = mc + 3, i0 = 2, p0 = 1;
                float[] a = sequence((p0 + kc) * lda - 1); // the last depth's last read is the array's last element
                float[] got = filled(pad(mc) * kc + 16), want = filled(got.length);
                SgemmPack.packA(species(bits), true, a, 0, lda, i0, Math.min(mc, lda - i0), p0, kc, 6, got);
                int rows = Math.min(mc, lda - i0);
                for (int s = 0; s < pad(rows) / 6; s++) {
                    for (int p = 0; p < kc; p++) {
                        for (int r = 0; r < 6; r++) {
                            int i = s * 6 + r;
                            want[s * 6 * kc + p * 6 + r] = i < rows ? a[(p0 + p) * lda + i0 + i] : 0f;
                        }
                    }
                }
                assertThat(got).as("Aᵀ %d×%d at %d bits", rows, kc, bits).isEqualTo(want);
            }
        }
    }

    @Test
    void untransposedAPacksAsDefinedAtEveryWidth() {
        for (int bits : WIDTHS) {
            for (int[] cs : new int[][] {{1, 1}, {6, 7}, {13, 40}, {12, 1}, {12, 16}, {7, 69}}) {
                int mc = cs[0], kc = cs[1], lda = kc + 2, i0 = 1;
                float[] a = sequence((i0 + mc) * lda);
                float[] got = filled(pad(mc) * kc), want = filled(got.length);
                SgemmPack.packA(species(bits), false, a, 0, lda, i0, mc, 0, kc, 6, got);
                for (int i = 0; i < pad(mc); i++) {
                    for (int p = 0; p < kc; p++) want[(i / 6) * 6 * kc + p * 6 + i % 6] = i < mc ? a[(i0 + i) * lda + p] : 0f;
                }
                assertThat(got).as("A %d×%d at %d bits", mc, kc, bits).isEqualTo(want);
            }
        }
    }

    @Test
    void transposedBPacksAsDefinedAtEveryWidth() {
        for (int bits : WIDTHS) {
            int nr = 2 * species(bits).length();
            for (int[] cs : new int[][] {{1, 1}, {nr, 1}, {nr, 5}, {2 * nr + 3, 17}, {nr - 1, 2}}) {
                int nc = cs[0], kc = cs[1], ldb = kc + 4, j0 = 1, p0 = 3;
                float[] b = sequence((j0 + nc) * ldb - 1); // the last row's last read is the array's last element
                int slivers = (nc + nr - 1) / nr, base = 5;
                float[] got = filled(base + slivers * nr * kc), want = filled(got.length);
                SgemmPack.packB(species(bits), true, b, 0, ldb, j0, nc, p0, kc, nr, 0, slivers, got, base);
                for (int s = 0; s < slivers; s++) {
                    for (int p = 0; p < kc; p++) {
                        for (int j = 0; j < nr; j++) {
                            int col = s * nr + j;
                            want[base + s * nr * kc + p * nr + j] = col < nc ? b[(j0 + col) * ldb + p0 + p] : 0f;
                        }
                    }
                }
                assertThat(got).as("Bᵀ %d×%d at %d bits", nc, kc, bits).isEqualTo(want);
            }
        }
    }

    /** One raw product: sizes, transposes, alpha and beta. */
    record Case(int m, int n, int k, boolean ta, boolean tb, float alpha, float beta) {
        @Override
        public String toString() {
            return m + "x" + n + "x" + k + (ta ? " Aᵀ" : "") + (tb ? " Bᵀ" : "") + " α=" + alpha + " β=" + beta;
        }
    }

    static Stream<Arguments> products() {
        int[][] shapes = {
                {1, 1, 1}, {1, 300, 700}, {300, 1, 700}, {37, 41, 1}, {6, 32, 600},   // size-1 dims, many stages
                {50, 40, 1025}, {64, 2100, 5}, {260, 70, 513}, {301, 257, 130},       // weight-gradient depth, two column panels
                {7, 33, 770}, {31, 70, 300}, {255, 100, 300},                          // B in place with a ragged sliver, then packed
        };
        List<Arguments> out = new ArrayList<>();
        for (int[] s : shapes) {
            for (int t = 0; t < 4; t++) {
                out.add(Arguments.of(new Case(s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, 1f, 0f)));
            }
        }
        out.add(Arguments.of(new Case(50, 40, 1025, true, false, -0.5f, 0.75f)));
        out.add(Arguments.of(new Case(130, 70, 600, false, true, 2f, 1f)));
        return out.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("products")
    void transposedPathsMatchTheDoubleSumAndAgreeAcrossThreads(Case cs) {
        long seed = 1000L + cs.hashCode();
        int lda = (cs.ta() ? cs.m() : cs.k()) + 1, ldb = (cs.tb() ? cs.k() : cs.n()) + 2, ldc = cs.n() + 3;
        float[] a = random(seed, (cs.ta() ? cs.k() : cs.m()) * lda + 1);
        float[] b = random(seed + 1, (cs.tb() ? cs.n() : cs.k()) * ldb + 2);
        float[] c0 = random(seed + 2, cs.m() * ldc + 3);
        double[] want = reference(cs, a, 1, lda, b, 2, ldb, c0, 3, ldc);
        for (int bits : PRODUCT_WIDTHS) {
            float[] first = null;
            for (Parallel par : List.of(ONE, TWO, THREE)) {
                float[] c = c0.clone();
                SimdContext sc = SimdContext.ofBits(bits, par);
                SimdGemm.sgemm(sc, cs.ta(), cs.tb(), cs.m(), cs.n(), cs.k(), cs.alpha(), a, 1, lda, b, 2, ldb,
                        cs.beta(), c, 3, ldc);
                assertThat(relativeError(c, want, cs, ldc)).as("%s at %d bits, %d threads (seed %d)", cs, bits, par.threads(), seed)
                        .isLessThanOrEqualTo(1e-5);
                for (int i = 0; i < c.length; i++) {
                    boolean inside = i >= 3 && (i - 3) / ldc < cs.m() && (i - 3) % ldc < cs.n();
                    if (!inside) assertThat(c[i]).as("outside C at %d", i).isEqualTo(c0[i]);
                }
                if (first == null) first = c;
                else assertThat(c).as("%s at %d bits: %d threads vs 1", cs, bits, par.threads()).isEqualTo(first);
            }
        }
    }

    /** c = alpha·op(a)·op(b) + beta·c in double, as the m × n block at c[cOff + i·ldc + j]. */
    private static double[] reference(Case cs, float[] a, int aOff, int lda, float[] b, int bOff, int ldb,
                                      float[] c, int cOff, int ldc) {
        double[] out = new double[cs.m() * cs.n()];
        for (int i = 0; i < cs.m(); i++) {
            for (int j = 0; j < cs.n(); j++) {
                double sum = 0;
                for (int p = 0; p < cs.k(); p++) {
                    double x = cs.ta() ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double y = cs.tb() ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    sum += x * y;
                }
                out[i * cs.n() + j] = cs.alpha() * sum + cs.beta() * c[cOff + i * ldc + j];
            }
        }
        return out;
    }

    private static double relativeError(float[] c, double[] want, Case cs, int ldc) {
        double num = 0, den = 0;
        for (int i = 0; i < cs.m(); i++) {
            for (int j = 0; j < cs.n(); j++) {
                double d = c[3 + i * ldc + j] - want[i * cs.n() + j];
                num += d * d;
                den += want[i * cs.n() + j] * want[i * cs.n() + j];
            }
        }
        return Double.isNaN(num) ? Double.POSITIVE_INFINITY : Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-30);
    }

    private static jdk.incubator.vector.VectorSpecies<Float> species(int bits) {
        return jdk.incubator.vector.VectorSpecies.of(float.class, jdk.incubator.vector.VectorShape.forBitSize(bits));
    }

    private static int pad(int rows) {
        return (rows + 5) / 6 * 6;
    }

    private static float[] sequence(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i + 1;
        return v;
    }

    private static float[] filled(int n) {
        float[] v = new float[n];
        Arrays.fill(v, -7f);
        return v;
    }

    private static float[] random(long seed, int n) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }
}
