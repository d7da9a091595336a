// Mini-batch loader: a per-epoch permutation from the loader's Rng, samples read (at their stored
// size for views that accept any size, else at the dataset's fixed size) and augmented in worker
// threads (bounded prefetch, so loading overlaps compute), batches handed over in order and
// turned into tensors on the consumer's thread. Deterministic: sample i of epoch e is augmented
// with a stream derived from (e, i) only, so 0, 1 or N workers give identical batches.
package io.tessera.ssl.data;

import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/** Batches of (images (B, C, H, W) F32 per view, labels (B) I32) over a {@link Dataset} with one or more {@link Transform}s. */
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

    /**
     * Host-side batch: per view v, images (B, C_v, H_v, W_v) row-major with shape {C_v, H_v, W_v};
     * labels (B); the dataset indices (B).
     */
    public record HostBatch(float[][] views, int[][] shapes, int[] labels, int[] indices) {
        /** View 0's images. */
        public float[] images() {
            return views[0];
        }

        public int size() {
            return labels.length;
        }
    }

    /**
     * A device batch built on the consumer's thread.
     *
     * @param views   per view, images (B, C, H, W) F32 (one entry for a single transform)
     * @param labels  (B) I32
     * @param indices dataset indices of the B samples
     * @param epoch   epoch number
     * @param step    batch number within the epoch
     */
    public record Batch(List<Tensor> views, Tensor labels, int[] indices, int epoch, int step) {
        /** View 0's images (B, C, H, W). */
        public Tensor images() {
            return views.get(0);
        }
    }

    private final Dataset dataset;
    private final List<Transform> views;
    private final Rng rng;
    private final Options options;
    private final int rank, worldSize;
    private final Ops ops;
    private final ExecutorService pool;
    private Epoch active;
    private boolean closed;

    /**
     * A single-view loader: sample i of epoch e is {@code transform.apply(image, sampleRng(e, i))}.
     *
     * @param ops used only on the consumer's thread, to build the batch tensors
     */
    public Loader(Dataset dataset, Transform transform, Rng rng, Options options, Ops ops) {
        this(dataset, List.of(transform), rng, options, ops);
    }

    /**
     * A multi-view loader (e.g. LUT's two views of each image): view v of sample i in epoch e is
     * {@code views.get(v).apply(image, sampleRng(e, i).split(v))}; with one view the stream is
     * {@code sampleRng(e, i)} itself.
     */
    public Loader(Dataset dataset, List<Transform> views, Rng rng, Options options, Ops ops) {
        this(dataset, views, rng, options, ops, 0, 1);
    }

    /**
     * One rank's shard of a data-parallel loader over {@code worldSize} processes. Every rank
     * draws the same epoch order; the epoch's k-th global batch is the {@code worldSize ·
     * options.batchSize()} images {@code order[k·W·b, (k+1)·W·b)}, and rank r takes its contiguous
     * slice {@code [k·W·b + r·b, k·W·b + (r+1)·b)}. Augmentations are keyed by (epoch, dataset
     * index) as on one process, so the W shards of batch k are, concatenated in rank order, the
     * batch k of one process at batch W·b. Batches per epoch count global batches.
     */
    public Loader(Dataset dataset, List<Transform> views, Rng rng, Options options, Ops ops, int rank, int worldSize) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("Loader: rank " + rank + " of " + worldSize + " processes is not a rank of the group");
        }
        this.rank = rank;
        this.worldSize = worldSize;
        if (views.isEmpty()) throw new IllegalArgumentException("Loader: at least one view transform is needed");
        this.dataset = dataset;
        this.views = List.copyOf(views);
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

    /** This loader's rank in its data-parallel group (0 on one process). */
    public int rank() {
        return rank;
    }

    /** The number of data-parallel shards (1 on one process). */
    public int worldSize() {
        return worldSize;
    }

    /** Batches per epoch: floor(N/B) with drop-last, else ceil(N/B), with B the global batch (world size × batch size). */
    public int batchesPerEpoch() {
        int n = dataset.size(), b = globalBatch();
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

    private int globalBatch() {
        if ((long) options.batchSize() * worldSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("Loader: batch " + options.batchSize() + " on " + worldSize + " processes exceeds " + Integer.MAX_VALUE + " images");
        }
        return options.batchSize() * worldSize;
    }

    /** Builds this rank's host batch {@code step} of an epoch from its order: reads each sample once, augments each view. */
    private HostBatch build(int epoch, int step, int[] order) {
        int b = options.batchSize();
        int global = (int) Math.min(order.length, (long) step * globalBatch());
        int from = Math.min(order.length, global + rank * b), to = Math.min(order.length, from + b);
        int n = to - from, nv = views.size();
        int[] idx = new int[n], labels = new int[n];
        float[][] data = new float[nv][];
        int[][] shapes = new int[nv][];
        for (int k = 0; k < n; k++) {
            int i = order[from + k];
            idx[k] = i;
            Sample fixed = null, decoded = null; // each read at most once, only when a view needs it
            Rng sr = sampleRng(epoch, i);
            for (int v = 0; v < nv; v++) {
                Transform t = views.get(v);
                Sample s = t.acceptsAnySize() ? (decoded != null ? decoded : (decoded = dataset.decoded(i)))
                        : (fixed != null ? fixed : (fixed = dataset.get(i)));
                labels[k] = s.label();
                Image img = t.apply(s.image(), nv == 1 ? sr : sr.split(v));
                int[] shape = {img.channels(), img.height(), img.width()};
                if (data[v] == null) {
                    shapes[v] = shape;
                    data[v] = new float[Image.values(n, img.channels(), (long) img.height() * img.width())]; // B·C·H·W, bounded
                } else if (!Arrays.equals(shape, shapes[v])) {
                    throw new IllegalStateException("Loader: view " + v + " of sample " + i + " was transformed to "
                            + img.shapeString() + " but the batch started with " + Arrays.toString(shapes[v])
                            + "; each view's transform must give one shape");
                }
                System.arraycopy(img.data(), 0, data[v], k * img.size(), img.size());
            }
        }
        return new HostBatch(data, shapes, labels, idx);
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
            List<Tensor> images = new ArrayList<>(hb.views().length);
            for (int v = 0; v < hb.views().length; v++) {
                int[] sh = hb.shapes()[v];
                images.add(ops.tensor(hb.views()[v], hb.size(), sh[0], sh[1], sh[2]));
            }
            Tensor labels = ops.indices(hb.labels(), hb.size());
            return new Batch(List.copyOf(images), labels, hb.indices(), epoch, k);
        }

        private LoaderException failure(int k, Throwable cause) {
            int from = Math.min(order.length, k * globalBatch() + rank * options.batchSize());
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
