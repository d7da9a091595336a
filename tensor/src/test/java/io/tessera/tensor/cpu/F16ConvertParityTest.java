package io.tessera.tensor.cpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Rng;
import org.junit.jupiter.api.Test;

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
        short[] patterns = new short[0x10000];
        int m = 0;
        for (int p = 0; p < 0x10000; p++) if ((p & 0x7E00) != 0x7C00 || (p & 0x3FF) == 0) patterns[m++] = (short) p; // no signalling NaNs
        HalfCopyChecks.atEveryWidth(DType.F16, narrowingCases(), java.util.Arrays.copyOf(patterns, m), true);
    }
}
