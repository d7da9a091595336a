package io.tessera.ssl.train;

import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Image;
import io.tessera.ssl.data.Loader;
import io.tessera.ssl.data.Transform;
import io.tessera.ssl.method.Batch;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A {@link BatchSource} over a {@link Loader}: shuffled, augmented, drop-last batches whose
 * order and augmentations are pure functions of (seed, epoch, sample), loaded by worker threads
 * while the model computes. With several views (LUT), each sample's views are produced together
 * (view v draws from its own stream) and stacked along channels, so every view of a batch comes
 * from the same images.
 */
public final class LoaderSource implements BatchSource {
    private final Loader loader;
    private final Ops ops;
    private final int views;

    public LoaderSource(Dataset dataset, List<Transform> viewTransforms, Rng rng, int batchSize, int workers, Ops ops) {
        if (viewTransforms.isEmpty()) throw new IllegalArgumentException("at least one view transform is needed");
        if (batchSize > dataset.size()) {
            throw new IllegalArgumentException("batch size " + batchSize + " exceeds the " + dataset.size() + " images of " + dataset.name());
        }
        this.views = viewTransforms.size();
        this.ops = ops;
        List<Transform> ts = List.copyOf(viewTransforms);
        Transform stacked = views == 1 ? ts.get(0) : (img, r) -> stack(ts, img, r);
        this.loader = new Loader(dataset, stacked, rng, Loader.Options.train(batchSize, workers), ops);
    }

    private static Image stack(List<Transform> ts, Image img, Rng r) {
        List<Image> out = new ArrayList<>(ts.size());
        for (int v = 0; v < ts.size(); v++) out.add(ts.get(v).apply(img, r.split("view-" + v)));
        Image first = out.get(0);
        int per = first.size();
        float[] all = new float[per * ts.size()];
        for (int v = 0; v < ts.size(); v++) {
            Image o = out.get(v);
            if (o.channels() != first.channels() || o.height() != first.height() || o.width() != first.width()) {
                throw new IllegalStateException("views differ in shape: " + first.shapeString() + " vs " + o.shapeString());
            }
            System.arraycopy(o.data(), 0, all, v * per, per);
        }
        return new Image(first.channels() * ts.size(), first.height(), first.width(), all);
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
                if (views == 1) return new Batch(b.images(), b.labels());
                Tensor all = b.images();
                int c = all.dim(1) / views;
                List<Tensor> extra = new ArrayList<>();
                for (int v = 1; v < views; v++) extra.add(ops.slice(all, 1, v * c, c));
                return new Batch(ops.slice(all, 1, 0, c), b.labels(), extra);
            }
        };
    }

    @Override
    public void close() {
        loader.close();
    }
}
