package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.cpu.Parallel;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * What a Vector API kernel needs: the float species (chosen per backend instance, so tests can
 * run 128-bit, 256-bit and preferred-width backends side by side) and the thread pool.
 * This package is the only one that imports {@code jdk.incubator.vector}.
 */
public final class SimdContext {
    private final VectorSpecies<Float> species;
    private final Parallel parallel;

    private SimdContext(VectorSpecies<Float> species, Parallel parallel) {
        this.species = species;
        this.parallel = parallel;
    }

    /** The platform's preferred float width. */
    public static SimdContext preferred(Parallel parallel) {
        return new SimdContext(FloatVector.SPECIES_PREFERRED, parallel);
    }

    /** A fixed width of 64, 128, 256 or 512 bits. */
    public static SimdContext ofBits(int bits, Parallel parallel) {
        return new SimdContext(VectorSpecies.of(float.class, VectorShape.forBitSize(bits)), parallel);
    }

    public VectorSpecies<Float> species() {
        return species;
    }

    /** Float lanes per vector. */
    public int lanes() {
        return species.length();
    }

    public Parallel parallel() {
        return parallel;
    }

    /** Bits per vector, for names and reports. */
    public int bits() {
        return species.vectorBitSize();
    }
}
