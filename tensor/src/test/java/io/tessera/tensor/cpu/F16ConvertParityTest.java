package io.tessera.tensor.cpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Float16;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CPU float32 → float16 copies and roundings (the JDK's vectorised conversion, with ranges that
 * hold a NaN taking Float16's scalar path) against Float16, bit for bit, at every vector width, with
 * odd offsets and tails: ties both ways at every float16 exponent, the values either side of each
 * tie, the overflow threshold, subnormals, signed zeros, infinities, NaNs with payloads (only in
 * the first chunk, so that both paths run) and random bits; and every one of the 65,536 float16
 * patterns but the signalling NaNs widened (the JDK leaves whether a widened signalling NaN is
 * quietened to the platform; Tessera's narrowing writes quiet NaNs only).
 */
class F16ConvertParityTest {

    private static float[] narrowingCases() {
        int n = 0;
        float[] v = new float[200_003];
        int[] special = {0x00000000, 0x80000000, 0x7F800000, 0xFF800000, 0x7FC00000, 0xFFC00001, 0x7F800001, 0x7FBFFFFF,
                0xFF812345, 0x477FE000, 0x477FEFFF, 0x477FF000, 0x477FF001, 0x33000000, 0x33000001, 0x33C00000, 0x38800000, 0x387FFFFF,
                0x00000001, 0x807FFFFF};
        for (int b : special) v[n++] = Float.intBitsToFloat(b);
        Rng rng = new Rng(12);
        while (n < v.length) {
            int sign = (int) (rng.nextLong() & 1) << 31;
            int exp = (int) (98 + Math.floorMod(rng.nextLong(), 48)) << 23; // below float16's subnormals to above its range
            int mant = (int) (rng.nextLong() & 0x7FE000);
            int low = switch (n % 4) {
                case 0 -> 0x1000;          // a tie for a normal float16
                case 1 -> 0x0FFF;          // just below
                case 2 -> 0x1001;          // just above
                default -> (int) rng.nextLong() & 0x1FFF;
            };
            v[n++] = Float.intBitsToFloat(sign | exp | mant | low);
        }
        return v;
    }

    @Test
    void cpuCopiesGiveFloat16sBitsAtEveryWidth() {
        float[] f = narrowingCases();
        short[] want = new short[f.length];
        for (int i = 0; i < f.length; i++) want[i] = Float16.fromFloat(f[i]);
        for (Backend be : new Backend[]{new ReferenceBackend(), new CpuBackend(1, 64), new CpuBackend(1, 128), new CpuBackend(2, 256), new CpuBackend(2)}) {
            for (int off : new int[]{0, 3}) {
                Tensor x = tensor(be, DType.F32, f.length - off, off), h = tensor(be, DType.F16, f.length - off, 1);
                System.arraycopy(f, off, x.f32(), off, f.length - off);
                be.copy(h, x);
                for (int i = 0; i < f.length - off; i++) {
                    if (h.f16()[1 + i] != want[off + i]) {
                        throw new AssertionError(be.name() + " offset " + off + ": f16(0x" + Integer.toHexString(Float.floatToRawIntBits(f[off + i]))
                                + ") = 0x" + Integer.toHexString(h.f16()[1 + i] & 0xFFFF) + ", expected 0x" + Integer.toHexString(want[off + i] & 0xFFFF));
                    }
                }
                Tensor r = tensor(be, DType.F32, f.length - off, 2);
                be.roundHalf(r, x, DType.F16);
                be.roundHalf(x, x, DType.F16); // in place
                for (int i = 0; i < f.length - off; i++) {
                    int bits = Float.floatToRawIntBits(Float16.toFloat(want[off + i]));
                    assertThat(Float.floatToRawIntBits(r.f32()[2 + i])).as("%s roundHalf at %d", be.name(), i).isEqualTo(bits);
                    assertThat(Float.floatToRawIntBits(x.f32()[off + i])).isEqualTo(bits);
                }
                short[] all = new short[65_536 + 5];
                int m = 0;
                for (int p = 0; p < 0x10000; p++) if ((p & 0x7E00) != 0x7C00 || (p & 0x3FF) == 0) all[m++] = (short) p; // no signalling NaNs
                Tensor s = tensor(be, DType.F16, m - off, off), w = tensor(be, DType.F32, m - off, 2);
                System.arraycopy(all, off, s.f16(), off, m - off);
                be.copy(w, s);
                for (int i = 0; i < m - off; i++) {
                    assertThat(Float.floatToRawIntBits(w.f32()[2 + i])).as("%s widening 0x%s", be.name(), Integer.toHexString(all[off + i] & 0xFFFF))
                            .isEqualTo(Float.floatToRawIntBits(Float16.toFloat(all[off + i])));
                }
            }
            be.close();
        }
    }

    private static Tensor tensor(Backend be, DType t, int n, int offset) {
        return new Tensor(be, Shape.of(n), t, be.allocate(t, n + offset, true), offset);
    }
}
