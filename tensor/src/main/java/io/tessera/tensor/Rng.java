package io.tessera.tensor;

import java.nio.charset.StandardCharsets;

/**
 * A counter-based, splittable random number generator (SplitMix64 over a key and a counter).
 * Draw {@code i} of a stream is a pure function of (key, i), so streams are reproducible across
 * runs, machines and thread counts, can be split by name without consuming draws, and their
 * whole state is two longs (saved in checkpoints to resume exactly).
 */
public final class Rng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private final long key;
    private long counter;

    public Rng(long seed) {
        this(mix(seed ^ 0x5DEECE66DL), 0);
    }

    private Rng(long key, long counter) {
        this.key = key;
        this.counter = counter;
    }

    /** Restores a stream from {@link #key()} and {@link #counter()}. */
    public static Rng restore(long key, long counter) {
        return new Rng(key, counter);
    }

    public long key() { return key; }

    public long counter() { return counter; }

    /**
     * This stream as it will be after {@code draws} more draws of {@link #nextLong()} (every
     * {@code next*} method but {@link #nextGaussian()} takes one, that one two); does not advance
     * this stream. A data-parallel rank that holds samples from position f of a batch whose
     * samples draw d values each in order starts at {@code advanced(f·d)}.
     */
    public Rng advanced(long draws) {
        if (draws < 0) throw new IllegalArgumentException("a stream advances by draws ≥ 0, got " + draws);
        return new Rng(key, counter + draws);
    }

    /** An independent child stream named {@code name}; does not advance this stream. */
    public Rng split(String name) {
        long h = key;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h = mix(h ^ (b & 0xff) ^ GOLDEN);
        }
        return new Rng(mix(h + 0x2545F4914F6CDD1DL), 0);
    }

    /** An independent child stream numbered {@code index}; does not advance this stream. */
    public Rng split(long index) {
        return new Rng(mix(key ^ mix(index + GOLDEN)), 0);
    }

    /** The next 64 random bits. */
    public long nextLong() {
        return mix(key + GOLDEN * (++counter));
    }

    /** Uniform in [0, 1) with 53 bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** Uniform in [0, 1) with 24 bits. */
    public float nextFloat() {
        return (nextLong() >>> 40) * 0x1.0p-24f;
    }

    /** Uniform integer in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) throw new IllegalArgumentException("bound must be positive: " + bound);
        return (int) ((nextLong() >>> 33) % bound);
    }

    /** Standard normal by Box-Muller (two draws per value, no cached spare: state stays two longs). */
    public double nextGaussian() {
        double u1 = ((nextLong() >>> 11) + 1) * 0x1.0p-53; // (0, 1]
        double u2 = nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
