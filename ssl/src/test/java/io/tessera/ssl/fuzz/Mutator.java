// Seeded byte-level mutations for the reader fuzz tests: bit flips, byte and integer overwrites
// with boundary values, truncation, insertion, deletion, duplication and appended garbage, half of
// them aimed at the first bytes of a file, where headers live. Same seed, same mutations.
package io.tessera.ssl.fuzz;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

/** Produces mutated copies of a file's bytes and describes the last one, for failure messages. */
final class Mutator {
    private static final long[] BOUNDARY = {0, 1, 2, 7, 8, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0xFFFF, 0x7FFFFFFFL, 0x80000000L,
            0xFFFFFFFFL, 1L << 32, Long.MAX_VALUE, -1, Long.MIN_VALUE};

    private final SplittableRandom random;
    private String last = "none";

    Mutator(long seed) {
        random = new SplittableRandom(seed);
    }

    /** What the last {@link #mutate} did. */
    String last() {
        return last;
    }

    /** A copy of {@code in} with one to three mutations. */
    byte[] mutate(byte[] in) {
        byte[] b = in;
        StringBuilder what = new StringBuilder();
        int n = 1 + (random.nextInt(4) == 0 ? random.nextInt(1, 3) : 0);
        for (int i = 0; i < n; i++) {
            b = once(b, what);
            what.append("; ");
        }
        last = what.toString();
        return b;
    }

    /** A position in [0, length), aimed at the first 64 bytes half of the time. */
    private int position(int length) {
        if (length == 0) return 0;
        return random.nextBoolean() ? random.nextInt(Math.min(length, 64)) : random.nextInt(length);
    }

    private byte[] once(byte[] in, StringBuilder what) {
        int len = in.length;
        byte[] b = in.clone();
        int op = len == 0 ? 8 : random.nextInt(10);
        int at = position(len);
        switch (op) {
            case 0 -> {
                int bit = random.nextInt(8);
                b[at] ^= (byte) (1 << bit);
                what.append("flip bit ").append(bit).append(" of byte ").append(at);
            }
            case 1 -> {
                b[at] = (byte) random.nextInt(256);
                what.append("byte ").append(at).append(" = ").append(b[at] & 0xff);
            }
            case 2 -> {
                b[at] = (byte) BOUNDARY[random.nextInt(8)];
                what.append("byte ").append(at).append(" = boundary ").append(b[at] & 0xff);
            }
            case 3 -> {
                int w = random.nextBoolean() ? 4 : 8;
                if (len < w) return once(in, what);
                at = Math.min(at, len - w);
                ByteBuffer bb = ByteBuffer.wrap(b).order(random.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
                long v = random.nextInt(3) == 0 ? len + random.nextInt(-16, 17) : BOUNDARY[random.nextInt(BOUNDARY.length)];
                if (w == 4) bb.putInt(at, (int) v);
                else bb.putLong(at, v);
                what.append(w).append("-byte ").append(bb.order()).append(" integer ").append(v).append(" at ").append(at);
            }
            case 4 -> {
                int cut = random.nextInt(len);
                b = Arrays.copyOf(in, cut);
                what.append("truncate to ").append(cut);
            }
            case 5 -> {
                int k = Math.min(len - at, 1 + random.nextInt(16));
                b = new byte[len - k];
                System.arraycopy(in, 0, b, 0, at);
                System.arraycopy(in, at + k, b, at, len - at - k);
                what.append("delete ").append(k).append(" at ").append(at);
            }
            case 6 -> {
                int k = 1 + random.nextInt(16);
                b = new byte[len + k];
                System.arraycopy(in, 0, b, 0, at);
                for (int i = 0; i < k; i++) b[at + i] = (byte) random.nextInt(256);
                System.arraycopy(in, at, b, at + k, len - at);
                what.append("insert ").append(k).append(" at ").append(at);
            }
            case 7 -> {
                int k = Math.min(len - at, 1 + random.nextInt(32));
                b = new byte[len + k];
                System.arraycopy(in, 0, b, 0, at + k);
                System.arraycopy(in, at, b, at + k, len - at);
                what.append("duplicate ").append(k).append(" at ").append(at);
            }
            default -> {
                int k = 1 + random.nextInt(16);
                b = Arrays.copyOf(in, len + k);
                for (int i = 0; i < k; i++) b[len + i] = (byte) random.nextInt(256);
                what.append("append ").append(k);
            }
        }
        return b;
    }
}
