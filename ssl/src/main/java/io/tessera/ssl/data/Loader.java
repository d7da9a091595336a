// Mini-batch loader: a per-epoch permutation from the loader's Rng, samples read and augmented
// in worker threads (bounded prefetch, so loading overlaps compute), batches handed over in order
// and turned into tensors on the consumer's thread. Deterministic: sample i of epoch e is augmented
// with a stream derived from (e, i) only, so 0, 1 or N workers give identical batches.
package io.tessera.ssl.data;

import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/** Batches of (images (B, C, H, W) F32, labels (B) I32) over a {@link Dataset} with a {@link Transform}. */
public final class Loader implements AutoCloseable {
    /**
     * Loader settings.
     *
     * @param batchSize B, positive
     * @param shuffle   permute the samples each epoch (else dataset order)
     * @param dropLast  drop the final batch when it has fewer than B samples
     * @param workers   worker threads; 0 loads on the consumer's thread
     * @param prefetch  batches that may be prepared ahead of the consumer (queue bound), ≥ 1
     */
    public record Options(int batchSize, boolean shuffle, boolean dropLast, int workers, int prefetch) {
        public Options {
            if (batchSize <= 0 || workers < 0 || prefetch <= 0) {
                throw new IllegalArgumentException("Loader.Options: need batchSize > 0, workers >= 0, prefetch > 0; got "
                        + batchSize + ", " + workers + ", " + prefetch);
            }
        }

        /** Training defaults: shuffle, drop last, {@code workers} threads, prefetch 2·workers (≥ 2). */
        public static Options train(int batchSize, int workers) {
            return new Options(batchSize, true, true, workers, Math.max(2, 2 * workers));
        }

        /** Evaluation defaults: dataset order, keep the last partial batch. */
        public static Options eval(int batchSize, int workers) {
            return new Options(batchSize, false, false, workers, Math.max(2, 2 * workers));
        }
    }

    /** Host-side batch: images (B, C, H, W) row-major, labels (B), the dataset indices (B). */
    public record HostBatch(float[] images, int[] labels, int[] indices, int channels, int height, int width) {
        public int size() {
            return labels.length;
        }
    }

    /**
     * A device batch built on the consumer's thread.
     *
     * @param images  (B, C, H, W) F32
     * @param labels  (B) I32
     * @param indices dataset indices of the B samples
     * @param epoch   epoch number
     * @param step    batch number within the epoch
     */
    public record Batch(Tensor images, Tensor labels, int[] indices, int epoch, int step) {
    }

    private final Dataset dataset;
    private final Transform transform;
    private final Rng rng;
    private final Options options;
    private final Ops ops;
    private final ExecutorService pool;
    private Epoch active;
    private boolean closed;

    /**
     * @param ops used only on the consumer's thread, to build the batch tensors
     */
    public Loader(Dataset dataset, Transform transform, Rng rng, Options options, Ops ops) {
        this.dataset = dataset;
        this.transform = transform;
        this.rng = rng;
        this.options = options;
        this.ops = ops;
        if (dataset.size() == 0) throw new IllegalArgumentException("Loader: dataset " + dataset.name() + " is empty");
        if (options.workers() > 0) {
            AtomicInteger n = new AtomicInteger();
            this.pool = Executors.newFixedThreadPool(options.workers(), r -> {
                Thread t = new Thread(r, "tessera-loader-" + n.getAndIncrement());
                t.setDaemon(true);
                return t;
            });
        } else {
            this.pool = null;
        }
    }

    public Dataset dataset() {
        return dataset;
    }

    public Options options() {
        return options;
    }

    /** Batches per epoch: floor(N/B) with drop-last, else ceil(N/B). */
    public int batchesPerEpoch() {
        int n = dataset.size(), b = options.batchSize();
        return options.dropLast() ? n / b : (n + b - 1) / b;
    }

    /**
     * The sample order of epoch {@code e}: a Fisher–Yates permutation drawn from
     * {@code rng.split("epoch-" + e).split("order")}, or 0..N−1 without shuffle.
     */
    public int[] order(int epoch) {
        int n = dataset.size();
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        if (options.shuffle()) {
            Rng r = epochRng(epoch).split("order");
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = p[i];
                p[i] = p[j];
                p[j] = t;
            }
        }
        return p;
    }

    /** The augmentation stream of dataset sample {@code index} in epoch {@code epoch}. */
    public Rng sampleRng(int epoch, int index) {
        return epochRng(epoch).split("sample").split((long) index);
    }

    private Rng epochRng(int epoch) {
        return rng.split("epoch-" + epoch);
    }

    /**
     * Starts epoch {@code e} (closing any epoch still running) and returns its batches in order.
     * The returned object is single-use; close it (or the loader) to stop its workers early.
     */
    public synchronized Epoch epoch(int e) {
        if (closed) throw new IllegalStateException("Loader: closed");
        if (active != null) active.close();
        active = new Epoch(e);
        return active;
    }

    /** Stops the workers; batches not yet taken are discarded. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (active != null) active.close();
        if (pool != null) pool.shutdownNow();
    }

    /** Builds host batch {@code step} of an epoch from its order: reads and augments each sample. */
    private HostBatch build(int epoch, int step, int[] order) {
        int b = options.batchSize();
        int from = step * b, to = Math.min(order.length, from + b);
        int n = to - from;
        int[] idx = new int[n], labels = new int[n];
        float[] data = null;
        int c = 0, h = 0, w = 0, per = 0;
        for (int k = 0; k < n; k++) {
            int i = order[from + k];
            idx[k] = i;
            Sample s = dataset.get(i);
            Image img = transform.apply(s.image(), sampleRng(epoch, i));
            if (data == null) {
                c = img.channels();
                h = img.height();
                w = img.width();
                per = img.size();
                data = new float[n * per];
            } else if (img.channels() != c || img.height() != h || img.width() != w) {
                throw new IllegalStateException("Loader: sample " + i + " was transformed to " + img.shapeString()
                        + " but the batch started with (" + c + ", " + h + ", " + w + "); the transform must give one shape");
            }
            System.arraycopy(img.data(), 0, data, k * per, per);
            labels[k] = s.label();
        }
        return new HostBatch(data, labels, idx, c, h, w);
    }

    /** The batches of one epoch, in order; prepared ahead by the workers up to the prefetch bound. */
    public final class Epoch implements Iterator<Batch>, Iterable<Batch>, AutoCloseable {
        private final int epoch;
        private final int[] order;
        private final int count;
        private final CompletableFuture<HostBatch>[] slots;
        private final Semaphore permits;
        private final AtomicInteger nextToClaim = new AtomicInteger();
        private volatile boolean cancelled;
        private int next;

        @SuppressWarnings("unchecked")
        private Epoch(int epoch) {
            this.epoch = epoch;
            this.order = order(epoch);
            this.count = batchesPerEpoch();
            this.slots = new CompletableFuture[count];
            for (int k = 0; k < count; k++) slots[k] = new CompletableFuture<>();
            this.permits = new Semaphore(options.prefetch());
            if (pool != null) {
                for (int t = 0; t < options.workers(); t++) pool.execute(this::work);
            }
        }

        /** Worker loop: take a permit, claim the next batch number, build it, publish it. */
        private void work() {
            while (!cancelled) {
                try {
                    permits.acquire();
                } catch (InterruptedException e) {
                    return;
                }
                if (cancelled) return;
                int k = nextToClaim.getAndIncrement();
                if (k >= count) return;
                try {
                    slots[k].complete(build(epoch, k, order));
                } catch (Throwable t) { // handed to the consumer, which rethrows it with context
                    slots[k].completeExceptionally(t);
                }
            }
        }

        /** The epoch number. */
        public int number() {
            return epoch;
        }

        /** Number of batches in this epoch. */
        public int size() {
            return count;
        }

        @Override
        public Iterator<Batch> iterator() {
            return this;
        }

        @Override
        public boolean hasNext() {
            return next < count && !cancelled;
        }

        /** The next batch as host arrays (no tensors). */
        public HostBatch nextHost() {
            if (cancelled) throw new IllegalStateException("Loader: epoch " + epoch + " was closed");
            if (next >= count) throw new NoSuchElementException("Loader: epoch " + epoch + " has only " + count + " batches");
            int k = next++;
            HostBatch hb;
            if (pool == null) {
                try {
                    hb = build(epoch, k, order);
                } catch (RuntimeException e) {
                    throw failure(k, e);
                }
            } else {
                try {
                    hb = slots[k].get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    close();
                    throw new LoaderException("Loader: interrupted while waiting for batch " + k + " of epoch " + epoch, e);
                } catch (ExecutionException e) {
                    close();
                    throw failure(k, e.getCause());
                }
                slots[k] = null;
                permits.release();
            }
            return hb;
        }

        /** The next batch, with tensors built through the loader's Ops on this thread. */
        @Override
        public Batch next() {
            int k = next;
            HostBatch hb = nextHost();
            Tensor images = ops.tensor(hb.images(), hb.size(), hb.channels(), hb.height(), hb.width());
            Tensor labels = ops.indices(hb.labels(), hb.size());
            return new Batch(images, labels, hb.indices(), epoch, k);
        }

        private LoaderException failure(int k, Throwable cause) {
            int from = k * options.batchSize();
            int to = Math.min(order.length, from + options.batchSize());
            return new LoaderException("Loader: batch " + k + " of epoch " + epoch + " (samples " + from + ".." + (to - 1)
                    + " of the epoch order) of " + dataset.name() + " failed: " + cause, cause);
        }

        /** Stops this epoch's workers; untaken batches are dropped. */
        @Override
        public void close() {
            if (cancelled) return;
            cancelled = true;
            permits.release(options.workers() + 1); // wake workers blocked on the bound so they exit
        }
    }

    /** A failure while loading or augmenting a batch; the cause is the worker's exception. */
    public static final class LoaderException extends RuntimeException {
        public LoaderException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
