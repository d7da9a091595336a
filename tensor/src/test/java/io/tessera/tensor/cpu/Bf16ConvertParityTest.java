package io.tessera.tensor.cpu;

import io.tessera.tensor.BFloat16;
import io.tessera.tensor.DType;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Vector API float32 ↔ bfloat16 copies against the scalar BFloat16 conversions, bit for bit,
 * at every width (64-bit runs the scalar loop), with odd offsets and tails: every one of the
 * 65,536 bfloat16 patterns widened, and narrowing of ties both ways, the values either side of
 * each tie, overflow, subnormals, signed zeros, infinities, NaNs with payloads, and random bits;
 * and roundHalf (float32 to bfloat16 values in float32, in place too) on the reference backend as well.
 */
class Bf16ConvertParityTest {

    private static float[] narrowingCases() {
        int n = 0;
        float[] v = new float[200_003];
        int[] special = {0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x7F800001, 0x7FBFFFFF,
                0xFF812345, 0x7F7FFFFF, 0x7F7F8000, 0x7F7F7FFF, 0x00000001, 0x00008000, 0x00018000, 0x807FFFFF, 0x3F808000, 0x3F818000};
        for (int b : special) v[n++] = Float.intBitsToFloat(b);
        Rng rng = new Rng(11);
        while (n < v.length) {
            int top = (int) (rng.nextLong() & 0xFFFF) << 16;
            int low = switch (n % 4) {
                case 0 -> 0x8000;          // a tie: even or odd kept bit
                case 1 -> 0x7FFF;          // just below the tie
                case 2 -> 0x8001;          // just above
                default -> (int) rng.nextLong() & 0xFFFF;
            };
            v[n++] = Float.intBitsToFloat(top | low);
        }
        return v;
    }

    @Test
    void vectorCopiesGiveTheScalarBitsAtEveryWidth() {
        float[] f = narrowingCases();
        short[] want = new short[f.length];
        for (int i = 0; i < f.length; i++) want[i] = BFloat16.fromFloat(f[i]);
        short[] all = new short[65_536 + 5];
        for (int i = 0; i < all.length; i++) all[i] = (short) i;
        for (Backend be : new Backend[]{new ReferenceBackend(), new CpuBackend(1, 64), new CpuBackend(1, 128), new CpuBackend(2, 256), new CpuBackend(2)}) {
            for (int off : new int[]{0, 3}) {
                Tensor x = tensor(be, DType.F32, f.length - off, off), h = tensor(be, DType.BF16, f.length - off, 1);
                System.arraycopy(f, off, x.f32(), off, f.length - off);
                be.copy(h, x);
                for (int i = 0; i < f.length - off; i++) {
                    if (h.bf16()[1 + i] != want[off + i]) {
                        throw new AssertionError(be.name() + " offset " + off + ": bf16(0x" + Integer.toHexString(Float.floatToRawIntBits(f[off + i]))
                                + ") = 0x" + Integer.toHexString(h.bf16()[1 + i] & 0xFFFF) + ", expected 0x" + Integer.toHexString(want[off + i] & 0xFFFF));
                    }
                }
                Tensor r = tensor(be, DType.F32, f.length - off, 2);
                be.roundHalf(r, x, DType.BF16);
                be.roundHalf(x, x, DType.BF16); // in place
                for (int i = 0; i < f.length - off; i++) {
                    int bits = Float.floatToRawIntBits(BFloat16.toFloat(want[off + i]));
                    assertThat(Float.floatToRawIntBits(r.f32()[2 + i])).as("%s roundHalf at %d", be.name(), i).isEqualTo(bits);
                    assertThat(Float.floatToRawIntBits(x.f32()[off + i])).isEqualTo(bits);
                }
                if (be instanceof ReferenceBackend && !(be instanceof CpuBackend)) continue; // it widens through double, which quiets signalling NaNs
                Tensor s = tensor(be, DType.BF16, all.length - off, off), w = tensor(be, DType.F32, all.length - off, 2);
                System.arraycopy(all, off, s.bf16(), off, all.length - off);
                be.copy(w, s);
                for (int i = 0; i < all.length - off; i++) {
                    assertThat(Float.floatToRawIntBits(w.f32()[2 + i])).as("%s widening 0x%s", be.name(), Integer.toHexString(all[off + i] & 0xFFFF))
                            .isEqualTo(Float.floatToRawIntBits(BFloat16.toFloat(all[off + i])));
                }
            }
            be.close();
        }
    }

    private static Tensor tensor(Backend be, DType t, int n, int offset) {
        return new Tensor(be, Shape.of(n), t, be.allocate(t, n + offset, true), offset);
    }
}
