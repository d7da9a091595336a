package io.tessera.ssl.train;

import io.tessera.ssl.method.Batch;

import java.util.Iterator;

/**
 * Where the trainer gets its batches. An epoch's batches must be a pure function of the epoch
 * number (shuffling and augmentation drawn from streams keyed by epoch and sample), so a run
 * resumed in the middle of an epoch sees exactly the batches an uninterrupted run would.
 */
public interface BatchSource extends AutoCloseable {

    /** Batches per epoch (incomplete last batches are dropped). */
    int batchesPerEpoch();

    /** Images per batch (on each rank, for a data-parallel source). */
    int batchSize();

    /**
     * The data-parallel shards this source is one of (1: it gives whole batches). A sharded
     * source's {@link #batchesPerEpoch()} counts global batches of {@code worldSize() · batchSize()}
     * images, and each {@link Batch#firstSample()} says where its slice starts in its global batch.
     */
    default int worldSize() {
        return 1;
    }

    /** The batches of {@code epoch} from index {@code first} on. */
    Iterator<Batch> epoch(int epoch, int first);

    @Override
    default void close() {
    }
}
