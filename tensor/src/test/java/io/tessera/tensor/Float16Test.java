package io.tessera.tensor;

import io.tessera.tensor.cpu.CpuBackend;
import io.tessera.tensor.cpu.ReferenceBackend;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * float16 conversions against closed forms (ties to even both ways, the overflow threshold,
 * subnormals, NaN) and against exact decimal arithmetic: narrowing a float or a double picks the
 * nearer of the two neighbouring float16 values, ties to even, in one rounding. F16 storage, fill,
 * copy and the autocast rounding on both CPU backends. PyTorch's own bits are checked in the
 * golden tests.
 */
class Float16Test {

    @Test
    void narrowingRoundsToNearestEven() {
        assertThat(Float16.fromFloat(1.0f)).isEqualTo((short) 0x3C00);
        assertThat(Float16.fromFloat(1 + 0x1p-11f)).as("tie, even below").isEqualTo((short) 0x3C00);
        assertThat(Float16.fromFloat(1 + 3 * 0x1p-11f)).as("tie, even above").isEqualTo((short) 0x3C02);
        assertThat(Float16.fromFloat(Math.nextUp(1 + 0x1p-11f))).as("just above a tie").isEqualTo((short) 0x3C01);
        assertThat(Float16.fromFloat(-0.0f)).isEqualTo((short) 0x8000);
        assertThat(Float16.fromFloat(65504f)).as("largest float16").isEqualTo((short) 0x7BFF);
        assertThat(Float16.fromFloat(Math.nextDown(65520f))).as("below the overflow tie").isEqualTo((short) 0x7BFF);
        assertThat(Float16.fromFloat(65520f)).as("the tie above 65504 overflows").isEqualTo((short) 0x7C00);
        assertThat(Float16.fromFloat(-1e5f)).isEqualTo((short) 0xFC00);
        assertThat(Float16.fromFloat(0x1p-14f)).as("smallest normal").isEqualTo((short) 0x0400);
        assertThat(Float16.fromFloat(0x1p-24f)).as("smallest subnormal").isEqualTo((short) 0x0001);
        assertThat(Float16.fromFloat(0x1p-25f)).as("half of it: a tie, to the even zero").isEqualTo((short) 0);
        assertThat(Float16.fromFloat(Math.nextUp(0x1p-25f))).isEqualTo((short) 0x0001);
        assertThat(Float16.fromFloat(3 * 0x1p-25f)).as("subnormal tie, even above").isEqualTo((short) 0x0002);
        assertThat(Float16.fromFloat(Float.MIN_VALUE)).isEqualTo((short) 0);
        assertThat(Float16.MAX).isEqualTo(Float16.toFloat((short) 0x7BFF));
    }

    @Test
    void nanStaysNanQuietenedWithItsSign() {
        short p = Float16.fromFloat(Float.NaN), n = Float16.fromFloat(Float.intBitsToFloat(0xFF800001));
        assertThat(p).isEqualTo((short) 0x7E00);
        assertThat(Float.isNaN(Float16.toFloat(n))).as("a signalling NaN whose payload sits below bit 13").isTrue();
        assertThat(n & 0xFFFF).isEqualTo(0xFE00);
        assertThat(Float16.fromFloat(Float.intBitsToFloat(0x7F812345)) & 0x3FF).as("top payload bits kept").isEqualTo(0x200 | (0x012345 >>> 13));
    }

    @Test
    void wideningIsExactAndRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            float f = Float16.toFloat((short) h);
            if (Float.isNaN(f)) continue;
            assertThat(Float16.fromFloat(f) & 0xFFFF).isEqualTo(h);
            assertThat(Float16.fromDouble(f) & 0xFFFF).isEqualTo(h);
        }
    }

    /** Narrowing a float picks the nearer neighbour, ties to even, checked in exact decimals over the whole range. */
    @Test
    void floatNarrowingPicksTheNearerNeighbour() {
        SplittableRandom r = new SplittableRandom(9);
        for (int i = 0; i < 50_000; i++) {
            // exponents from below float16's subnormals to above its range
            float f = (float) ((r.nextBoolean() ? 1 : -1) * Math.scalb(1 + r.nextDouble(), r.nextInt(-27, 17)));
            short got = Float16.fromFloat(f);
            float v = Float16.toFloat(got);
            if (Float.isInfinite(v)) {
                assertThat(Math.abs(f)).as("%s overflows", f).isGreaterThanOrEqualTo(65520f);
                continue;
            }
            short lo = (short) ((Math.abs(v) <= Math.abs(f) ? got : got - 1) & 0x7FFF); // the magnitude just below |f|
            if (lo >= 0x7BFF || Float16.toFloat(lo) == Math.abs(f)) continue; // above 65504: the closed forms; exact values
            assertThat(got).as("%s", f).isEqualTo(exact(Math.abs(f), lo, got));
        }
    }

    /** Narrowing a double rounds once: checked against exact decimal arithmetic on values close to ties. */
    @Test
    void doubleNarrowingRoundsOnce() {
        SplittableRandom r = new SplittableRandom(5);
        int nearTies = 0;
        for (int i = 0; i < 20_000; i++) {
            short lo = (short) r.nextInt(0x0001, 0x7BFF);
            double a = Float16.toFloat(lo), b = Float16.toFloat((short) (lo + 1));
            double mid = (a + b) / 2;
            double d = mid + (r.nextInt(3) - 1) * Math.ulp((float) mid) * r.nextDouble() * 0.75;
            if ((float) d == (float) mid) nearTies++;
            short want = exactBetween(d, lo);
            assertThat(Float16.fromDouble(d)).as("%s", d).isEqualTo(want);
            assertThat(Float16.fromDouble(-d)).isEqualTo((short) (want | 0x8000));
        }
        assertThat(nearTies).as("cases that a float rounding would have turned into ties").isGreaterThan(5_000);
    }

    /** The float16 bits nearest to |f| (between magnitudes lo and lo + 1), with got's sign. */
    private static short exact(float absF, short lo, short got) {
        short m = exactBetween(absF, lo);
        return (short) (m | (got & 0x8000));
    }

    /** The nearer of float16 magnitudes lo and lo + 1 to d (which lies between them), ties to even, in exact decimals. */
    private static short exactBetween(double d, short lo) {
        BigDecimal v = new BigDecimal(d), a = new BigDecimal(Float16.toFloat(lo)), b = new BigDecimal(Float16.toFloat((short) (lo + 1)));
        assertThat(v.compareTo(a) >= 0 && v.compareTo(b) <= 0).as("%s between %s and %s", d, a, b).isTrue();
        int c = v.subtract(a).compareTo(b.subtract(v));
        return (short) (c < 0 || (c == 0 && (lo & 1) == 0) ? lo : lo + 1);
    }

    @Test
    void storageFillCopyAndRoundingOnBothCpuBackends() {
        for (Backend be : new Backend[] {new ReferenceBackend(), new CpuBackend(2)}) {
            try (ExecutionContext ctx = new ExecutionContext(be, 0)) {
                float[] v = {1 + 0x1p-11f, -2.5f, 7e4f, 1e-7f, 0.1f, Float.NaN, -0.0f, 65519f};
                Tensor x = ctx.ops().tensor(v, v.length);
                Tensor h = ctx.ops().cast(x, DType.F16);
                assertThat(h.dtype()).isEqualTo(DType.F16);
                for (int i = 0; i < v.length; i++) assertThat(h.f16()[i]).as(be.name() + " %s", v[i]).isEqualTo(Float16.fromFloat(v[i]));
                Tensor back = ctx.ops().cast(h, DType.F32);
                Tensor rounded = ctx.ops().zeros(Shape.of(v.length), DType.F32);
                be.roundHalf(rounded, x, DType.F16);
                be.roundHalf(x, x, DType.F16); // in place
                for (int i = 0; i < v.length; i++) {
                    int want = Float.floatToIntBits(Float16.round(v[i]));
                    assertThat(Float.floatToIntBits(back.f32()[i])).isEqualTo(want);
                    assertThat(Float.floatToIntBits(rounded.f32()[i])).isEqualTo(want);
                    assertThat(Float.floatToIntBits(x.f32()[i])).isEqualTo(want);
                }
                assertThat(ctx.ops().cast(h, DType.F64).f64()[1]).isEqualTo(-2.5);
                Tensor f = ctx.ops().full(Shape.of(3), DType.F16, 0.1);
                assertThat(f.f16()).containsOnly(Float16.fromDouble(0.1));
                assertThat(be.readF32(f)).containsOnly(Float16.round(0.1f));
                Tensor z = ctx.ops().zeros(Shape.of(4), DType.F16);
                assertThat(z.f16()).containsOnly((short) 0);
                be.write(z, new short[] {0x3C00, 0x4000, (short) 0xC200, 0x0001});
                assertThat(be.readF32(z)).containsExactly(1f, 2f, -3f, 0x1p-24f);
                assertThatThrownBy(() -> be.roundHalf(rounded, x, DType.F32)).hasMessageContaining("BF16 or F16");
            }
        }
    }

    @Test
    void f16TensorsAreRejectedOutsideMatrixProducts() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            Ops ops = ctx.ops();
            Tensor h = ops.cast(ops.tensor(new float[] {1, 2, 3, 4}, 2, 2), DType.F16);
            assertThatThrownBy(() -> ops.add(h, h)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("add").hasMessageContaining("F16");
            assertThatThrownBy(() -> ops.softmax(h)).hasMessageContaining("F16");
            assertThatThrownBy(() -> ops.cast(h, DType.I32)).hasMessageContaining("I32");
            Tensor b16 = ops.cast(ops.tensor(new float[] {1, 2, 3, 4}, 2, 2), DType.BF16);
            Tensor c = ops.zeros(Shape.of(1, 2, 2), DType.F32);
            assertThatThrownBy(() -> ctx.backend().matmul(c, h.view(Shape.of(1, 2, 2)), b16.view(Shape.of(1, 2, 2)), false, false, 1, 0))
                    .hasMessageContaining("one 16-bit type");
        }
    }
}
