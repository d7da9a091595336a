package io.tessera.ssl.train;

import io.tessera.ssl.method.Batch;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * A deterministic synthetic dataset for trainer tests: smooth colour patterns (sums of two
 * sinusoids with random frequency and phase per image), which a masked autoencoder can learn
 * to in-paint. Batch b of epoch e depends only on (seed, e, b).
 */
final class PatternSource implements BatchSource {
    private final ExecutionContext ctx;
    private final int batches, batchSize, size;
    private final long seed;

    PatternSource(ExecutionContext ctx, int batches, int batchSize, int size, long seed) {
        this.ctx = ctx;
        this.batches = batches;
        this.batchSize = batchSize;
        this.size = size;
        this.seed = seed;
    }

    @Override
    public int batchesPerEpoch() {
        return batches;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public Iterator<Batch> epoch(int epoch, int first) {
        return new Iterator<>() {
            int b = first;

            @Override
            public boolean hasNext() {
                return b < batches;
            }

            @Override
            public Batch next() {
                if (!hasNext()) throw new NoSuchElementException();
                Rng r = new Rng(seed).split(epoch).split(b++);
                float[] px = new float[batchSize * 3 * size * size];
                int[] labels = new int[batchSize];
                for (int n = 0; n < batchSize; n++) {
                    double fx = 0.5 + r.nextDouble(), fy = 0.5 + r.nextDouble(), ph = 6.283 * r.nextDouble();
                    for (int c = 0; c < 3; c++) {
                        double amp = 0.5 + r.nextDouble();
                        for (int y = 0; y < size; y++) {
                            for (int x = 0; x < size; x++) {
                                px[((n * 3 + c) * size + y) * size + x] = (float) (amp * Math.sin(fx * x + ph + c) * Math.cos(fy * y - ph));
                            }
                        }
                    }
                    labels[n] = fx > 1 ? 1 : 0;
                }
                return new Batch(ctx.ops().tensor(px, batchSize, 3, size, size), ctx.ops().indices(labels, batchSize));
            }
        };
    }
}
