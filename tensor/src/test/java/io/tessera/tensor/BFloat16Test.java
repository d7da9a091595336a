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
 * bfloat16 conversions against closed forms: ties to even both ways, overflow, subnormals, NaN;
 * double narrowing against exact decimal arithmetic (no double rounding through float); BF16
 * storage, fill and copy on both CPU backends. PyTorch's own bits are checked in the golden tests.
 */
class BFloat16Test {

    @Test
    void narrowingRoundsToNearestEven() {
        assertThat(BFloat16.fromFloat(1.0f)).isEqualTo((short) 0x3F80);
        assertThat(BFloat16.fromFloat(1.00390625f)).as("tie, even below").isEqualTo((short) 0x3F80);
        assertThat(BFloat16.fromFloat(1.01171875f)).as("tie, even above").isEqualTo((short) 0x3F82);
        assertThat(BFloat16.fromFloat(Math.nextUp(1.00390625f))).as("just above a tie").isEqualTo((short) 0x3F81);
        assertThat(BFloat16.fromFloat(-1.00390625f)).isEqualTo((short) 0xBF80);
        assertThat(BFloat16.fromFloat(-0.0f)).isEqualTo((short) 0x8000);
        assertThat(BFloat16.fromFloat(Float.MAX_VALUE)).as("overflows to infinity").isEqualTo((short) 0x7F80);
        assertThat(BFloat16.fromFloat(3.3895314e38f)).as("largest bfloat16").isEqualTo((short) 0x7F7F);
        assertThat(BFloat16.fromFloat(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xFF80);
        assertThat(BFloat16.fromFloat(1e-40f)).as("subnormal").isEqualTo((short) 0x0001);
        assertThat(BFloat16.fromFloat(Float.MIN_VALUE)).as("smallest float rounds to zero").isEqualTo((short) 0);
    }

    @Test
    void nanStaysNanWithItsSign() {
        short p = BFloat16.fromFloat(Float.NaN), n = BFloat16.fromFloat(Float.intBitsToFloat(0xFF800001));
        assertThat(Float.isNaN(BFloat16.toFloat(p))).isTrue();
        assertThat(Float.isNaN(BFloat16.toFloat(n))).as("a signalling NaN whose payload sits below bit 16").isTrue();
        assertThat(n & 0x8000).isEqualTo(0x8000);
    }

    @Test
    void wideningIsExactAndRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            float f = BFloat16.toFloat((short) h);
            if (Float.isNaN(f)) continue;
            assertThat(BFloat16.fromFloat(f) & 0xFFFF).isEqualTo(h);
            assertThat(BFloat16.fromDouble(f) & 0xFFFF).isEqualTo(h);
        }
    }

    /** Narrowing a double rounds once: checked against exact decimal arithmetic on values close to ties. */
    @Test
    void doubleNarrowingRoundsOnce() {
        SplittableRandom r = new SplittableRandom(5);
        int nearTies = 0;
        for (int i = 0; i < 20_000; i++) {
            short lo = (short) r.nextInt(0x0080, 0x7F00);
            double a = BFloat16.toFloat(lo), b = BFloat16.toFloat((short) (lo + 1));
            double mid = (a + b) / 2;
            // within a float ulp of the midpoint, on either side, or on it
            double d = mid + (r.nextInt(3) - 1) * Math.ulp((float) mid) * r.nextDouble() * 0.75;
            if ((float) d == (float) mid) nearTies++;
            short want = exact(d, lo);
            assertThat(BFloat16.fromDouble(d)).as("%s", d).isEqualTo(want);
            assertThat(BFloat16.fromDouble(-d)).isEqualTo((short) (want | 0x8000));
        }
        assertThat(nearTies).as("cases that a float rounding would have turned into ties").isGreaterThan(5_000);
    }

    /** The nearer of bfloat16 values lo and lo + 1 to d (which lies between them), ties to even, in exact decimals. */
    private static short exact(double d, short lo) {
        BigDecimal v = new BigDecimal(d), a = new BigDecimal(BFloat16.toFloat(lo)), b = new BigDecimal(BFloat16.toFloat((short) (lo + 1)));
        assertThat(v.compareTo(a) >= 0 && v.compareTo(b) <= 0).isTrue();
        int c = v.subtract(a).compareTo(b.subtract(v));
        return (short) (c < 0 || (c == 0 && (lo & 1) == 0) ? lo : lo + 1);
    }

    @Test
    void storageFillAndCopyOnBothCpuBackends() {
        for (Backend be : new Backend[] {new ReferenceBackend(), new CpuBackend(2)}) {
            try (ExecutionContext ctx = new ExecutionContext(be, 0)) {
                float[] v = {1.00390625f, -2.5f, 3e38f, 1e-40f, 0.1f, Float.NaN, -0.0f};
                Tensor x = ctx.ops().tensor(v, 7);
                Tensor h = ctx.ops().cast(x, DType.BF16);
                assertThat(h.dtype()).isEqualTo(DType.BF16);
                for (int i = 0; i < v.length; i++) assertThat(h.bf16()[i]).as(be.name() + " %s", v[i]).isEqualTo(BFloat16.fromFloat(v[i]));
                Tensor back = ctx.ops().cast(h, DType.F32);
                for (int i = 0; i < v.length; i++) {
                    assertThat(Float.floatToIntBits(back.f32()[i])).isEqualTo(Float.floatToIntBits(BFloat16.round(v[i])));
                }
                Tensor d = ctx.ops().cast(h, DType.F64);
                assertThat(d.f64()[1]).isEqualTo(-2.5);
                Tensor f = ctx.ops().full(Shape.of(3), DType.BF16, 0.1);
                assertThat(f.bf16()).containsOnly(BFloat16.fromDouble(0.1));
                assertThat(be.readF32(f)).containsOnly(BFloat16.round(0.1f));
                Tensor z = ctx.ops().zeros(Shape.of(4), DType.BF16);
                assertThat(z.bf16()).containsOnly((short) 0);
                be.write(z, new short[] {0x3F80, 0x4000, (short) 0xC040, 0});
                assertThat(be.readF32(z)).containsExactly(1f, 2f, -3f, 0f);
            }
        }
    }

    @Test
    void bf16TensorsAreRejectedOutsideMatrixProducts() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            Ops ops = ctx.ops();
            Tensor h = ops.cast(ops.tensor(new float[] {1, 2, 3, 4}, 2, 2), DType.BF16);
            assertThatThrownBy(() -> ops.add(h, h)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("add").hasMessageContaining("BF16");
            assertThatThrownBy(() -> ops.permute(h, 1, 0)).hasMessageContaining("permute");
            assertThatThrownBy(() -> ops.softmax(h)).hasMessageContaining("BF16");
            assertThatThrownBy(() -> ops.matmul(h, h)).hasMessageContaining("BF16");
            assertThatThrownBy(() -> ops.cast(h, DType.I32)).hasMessageContaining("I32");
        }
    }
}
