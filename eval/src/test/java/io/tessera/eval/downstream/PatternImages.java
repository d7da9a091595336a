package io.tessera.eval.downstream;

import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Image;
import io.tessera.ssl.data.Sample;
import io.tessera.tensor.Rng;

import java.util.List;
import java.util.Optional;

/**
 * A small learnable dataset for tests: 1 × S × S grey images with noise, whose class is the bright
 * half (left, right, top, bottom) or, for augmentation-heavy tests, the texture (horizontal stripes,
 * vertical stripes, checkerboard, flat), which survives flips and crops. Sample i of a seed is always
 * the same image.
 */
public final class PatternImages implements Dataset {
    /** The class rule. */
    public enum Kind { HALVES, TEXTURES }

    private final int n, size;
    private final long seed;
    private final Kind kind;

    public PatternImages(int n, int size, long seed) {
        this(n, size, seed, Kind.HALVES);
    }

    public PatternImages(int n, int size, long seed, Kind kind) {
        this.n = n;
        this.size = size;
        this.seed = seed;
        this.kind = kind;
    }

    @Override public int size() { return n; }
    @Override public int channels() { return 1; }
    @Override public int height() { return size; }
    @Override public int width() { return size; }
    @Override public int numClasses() { return 4; }
    @Override public Optional<List<String>> classNames() { return Optional.of(List.of("left", "right", "top", "bottom")); }
    @Override public String name() { return "patterns " + n + " × (1, " + size + ", " + size + ")"; }

    @Override
    public Sample get(int i) {
        checkIndex(i);
        int label = i % 4;
        Rng r = new Rng(seed).split(i);
        float[] v = new float[size * size];
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                boolean on = kind == Kind.HALVES ? switch (label) {
                    case 0 -> x < size / 2;
                    case 1 -> x >= size / 2;
                    case 2 -> y < size / 2;
                    default -> y >= size / 2;
                } : switch (label) {
                    case 0 -> y % 2 == 0;
                    case 1 -> x % 2 == 0;
                    case 2 -> (x + y) % 2 == 0;
                    default -> (x * 7 + y * 3) % 5 == 0;
                };
                v[y * size + x] = (float) Math.min(1, Math.max(0, (on ? 0.7 : 0.2) + 0.15 * r.nextGaussian()));
            }
        }
        return new Sample(new Image(1, size, size, v), label);
    }
}
