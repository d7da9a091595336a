package io.tessera.ssl.train;

import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Loader;
import io.tessera.ssl.data.Transform;
import io.tessera.ssl.method.Batch;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A {@link BatchSource} over a {@link Loader}: shuffled, augmented, drop-last batches whose
 * order and augmentations are pure functions of (seed, epoch, sample), loaded by worker threads
 * while the model computes. With several views (LUT), every view of a batch comes from the
 * same images, each view drawing from its own stream.
 */
public final class LoaderSource implements BatchSource {
    private final Loader loader;

    public LoaderSource(Dataset dataset, List<Transform> viewTransforms, Rng rng, int batchSize, int workers, Ops ops) {
        this(dataset, viewTransforms, rng, batchSize, workers, ops, 0, 1);
    }

    /**
     * Rank {@code rank}'s shard of a data-parallel source over {@code worldSize} processes: the
     * same epoch order on every rank, {@code batchSize} images per rank, rank r taking the r-th
     * contiguous slice of each global batch of {@code worldSize · batchSize} images (see
     * {@link Loader#Loader(Dataset, List, Rng, Loader.Options, Ops, int, int)}).
     */
    public LoaderSource(Dataset dataset, List<Transform> viewTransforms, Rng rng, int batchSize, int workers, Ops ops, int rank, int worldSize) {
        if (viewTransforms.isEmpty()) throw new IllegalArgumentException("at least one view transform is needed");
        if ((long) batchSize * Math.max(1, worldSize) > dataset.size()) {
            throw new IllegalArgumentException(worldSize > 1
                    ? "batch size " + batchSize + " on " + worldSize + " processes (" + (long) batchSize * worldSize + " images per step) exceeds the " + dataset.size() + " images of " + dataset.name()
                    : "batch size " + batchSize + " exceeds the " + dataset.size() + " images of " + dataset.name());
        }
        this.loader = new Loader(dataset, viewTransforms, rng, Loader.Options.train(batchSize, workers), ops, rank, worldSize);
    }

    @Override
    public int batchesPerEpoch() {
        return loader.batchesPerEpoch();
    }

    @Override
    public int batchSize() {
        return loader.options().batchSize();
    }

    @Override
    public int worldSize() {
        return loader.worldSize();
    }

    @Override
    public Iterator<Batch> epoch(int epoch, int first) {
        Loader.Epoch e = loader.epoch(epoch);
        for (int i = 0; i < first && e.hasNext(); i++) e.nextHost();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return e.hasNext();
            }

            @Override
            public Batch next() {
                if (!e.hasNext()) throw new NoSuchElementException();
                Loader.Batch b = e.next();
                List<Tensor> v = b.views();
                return new Batch(v.get(0), b.labels(), v.subList(1, v.size()), loader.rank() * batchSize(), loader.worldSize() * batchSize());
            }
        };
    }

    @Override
    public void close() {
        loader.close();
    }
}
