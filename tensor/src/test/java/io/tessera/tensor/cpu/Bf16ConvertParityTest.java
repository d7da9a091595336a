package io.tessera.tensor.cpu;

import io.tessera.tensor.DType;
import io.tessera.tensor.Rng;
import org.junit.jupiter.api.Test;

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
        short[] all = new short[65_536 + 5];
        for (int i = 0; i < all.length; i++) all[i] = (short) i;
        // the reference backend widens through double, which quiets signalling NaNs
        HalfCopyChecks.atEveryWidth(DType.BF16, narrowingCases(), all, false);
    }
}
