package io.tessera.tensor.cpu.simd;

// Accuracy and consistency of the float-only exp used by the softmax, cross-entropy and
// attention kernels: vector lanes and the scalar twin agree bit for bit, the relative error
// against Math.exp stays below 2e-7 over the working range, and the edge cases are pinned.

import io.tessera.tensor.cpu.Parallel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

class SoftmaxExpTest {
    @Test
    void vectorAndScalarAgreeAndAreAccurate() {
        for (int bits : new int[] {128, 256, 0}) {
            try (Parallel p = new Parallel(1)) {
                SimdContext sc = bits == 0 ? SimdContext.preferred(p) : SimdContext.ofBits(bits, p);
                int l = sc.lanes(), n = 200_000 / l * l;
                float[] x = new float[n], y = new float[n];
                for (int i = 0; i < n; i++) x[i] = -87f + 175f * i / (n - 1);
                RowMath.expShiftSum(sc.species(), x, 0, y, 0, n, 0f);
                for (int i = 0; i < n; i++) {
                    float s = RowMath.exp(x[i]);
                    if (Float.floatToRawIntBits(s) != Float.floatToRawIntBits(y[i])) {
                        fail("exp(%s): vector %s, scalar %s (%d bits)", x[i], y[i], s, sc.bits());
                    }
                    double want = Math.exp(x[i]);
                    if (Math.abs(s - want) > 2e-7 * want) fail("exp(%s) = %s, Math.exp gives %s", x[i], s, want);
                }
            }
        }
    }

    @Test
    void partialLastBlockMatchesScalarTwin() {
        for (int bits : new int[] {128, 256, 0}) {
            try (Parallel p = new Parallel(1)) {
                SimdContext sc = bits == 0 ? SimdContext.preferred(p) : SimdContext.ofBits(bits, p);
                for (int n : new int[] {1, 3, 17, 37}) {
                    float[] x = new float[n], y = new float[n];
                    for (int i = 0; i < n; i++) x[i] = (float) Math.sin(i) * 9;
                    RowMath.expShiftSum(sc.species(), x, 0, y, 0, n, 2.5f);
                    for (int i = 0; i < n; i++) {
                        assertThat(Float.floatToRawIntBits(y[i])).as("n=%d i=%d (%d bits)", n, i, sc.bits())
                                .isEqualTo(Float.floatToRawIntBits(RowMath.exp(x[i] - 2.5f)));
                    }
                }
            }
        }
    }

    @Test
    void edgeCases() {
        assertThat(RowMath.exp(0f)).isEqualTo(1f);
        assertThat(RowMath.exp(Float.NEGATIVE_INFINITY)).isEqualTo(0f);
        assertThat(RowMath.exp(-1e4f)).isEqualTo(0f);
        assertThat(RowMath.exp(-88f)).isEqualTo(0f);
        assertThat(RowMath.exp(Float.POSITIVE_INFINITY)).isEqualTo(RowMath.exp(88f));
        assertThat(RowMath.exp(-87f)).isCloseTo((float) Math.exp(-87), org.assertj.core.data.Percentage.withPercentage(1e-4));
        assertThat(RowMath.exp(Float.NaN)).isNaN();
        assertThat(RowMath.exp(1f)).isCloseTo((float) Math.E, org.assertj.core.data.Offset.offset(1e-6f));
        try (Parallel p = new Parallel(1)) {
            SimdContext sc = SimdContext.ofBits(128, p);
            float[] x = {Float.NEGATIVE_INFINITY, -1e4f, Float.NaN, 0f}, y = new float[4];
            RowMath.expShiftSum(sc.species(), x, 0, y, 0, 4, 0f);
            assertThat(y[0]).isEqualTo(0f);
            assertThat(y[1]).isEqualTo(0f);
            assertThat(y[2]).isNaN();
            assertThat(y[3]).isEqualTo(1f);
        }
    }
}
