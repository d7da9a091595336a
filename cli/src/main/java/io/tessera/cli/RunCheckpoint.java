package io.tessera.cli;

import io.tessera.nn.checkpoint.TrainingCheckpoint;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Datasets;
import io.tessera.ssl.data.Loader;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.Split;
import io.tessera.ssl.data.Transform;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A checkpoint of {@code tessera pretrain} opened for analysis: the method rebuilt from the sidecar's
 * spec with every store (student, teacher, target) loaded and verified, and the data it names. Paths
 * may be given as {@code checkpoint-N}, {@code checkpoint-N.safetensors} or {@code checkpoint-N.json}.
 */
public record RunCheckpoint(Path base, MethodSpec spec, PretrainMethod method, Map<?, ?> sidecar) {

    /** The checkpoint's base path (without extension) for any of the three spellings. */
    public static Path base(Path given) {
        String name = given.getFileName().toString();
        for (String ext : new String[] {".safetensors", ".json"}) {
            if (name.endsWith(ext)) return given.resolveSibling(name.substring(0, name.length() - ext.length()));
        }
        return given;
    }

    /** Rebuilds and loads the run at {@code given}. */
    public static RunCheckpoint open(ExecutionContext ctx, Path given) throws IOException {
        Path base = base(given);
        Path side = TrainingCheckpoint.sidecarPath(base);
        if (!Files.exists(side)) {
            throw new IllegalArgumentException("no checkpoint at " + given + " (expected " + side.getFileName() + " and "
                    + TrainingCheckpoint.weightsPath(base).getFileName() + " beside it)");
        }
        Map<?, ?> info = TrainingCheckpoint.readSidecar(base);
        int classes = 0;
        if ("supervised".equals(String.valueOf(info.get("method"))) && !(info.get("method_config") instanceof Map<?, ?>)) {
            classes = Datasets.open(String.valueOf(info.get("data")), Split.TRAIN).numClasses();
        }
        MethodSpec spec = MethodSpec.fromSidecar(info, side, classes);
        PretrainMethod method = spec.build(ctx, MomentumSchedule.constant(1.0));
        try {
            TrainingCheckpoint.loadModels(base, method.stores(), io.tessera.nn.checkpoint.NonFinite.REFUSE);
        } catch (io.tessera.nn.checkpoint.CheckpointIntegrityException e) {
            throw e; // a damaged or diverged file, not a model mismatch: its own message says so
        } catch (io.tessera.nn.checkpoint.CheckpointFormatException e) {
            throw new IllegalArgumentException("the checkpoint " + base.getFileName() + " does not fit its " + spec.describe() + ": " + e.getMessage());
        }
        method.train(false);
        return new RunCheckpoint(base, spec, method, info);
    }

    /** The dataset the run trained on (its {@code data} entry). */
    public String data() {
        return String.valueOf(sidecar.get("data"));
    }

    /**
     * {@code count} fixed batches of {@code size} images, the first count·size of the split in order
     * (persistent tensors). {@code augment}: the method's training views with one fixed draw (seed), or
     * none (normalisation only; for a two-view method both views are then the same image).
     */
    public List<Batch> batches(ExecutionContext ctx, String dataSpec, Split split, int count, int size, boolean augment, long seed) throws IOException {
        return batches(ctx, dataSpec, split, count, size, augment, seed, 0, count);
    }

    /**
     * Batches {@code from} … {@code to − 1} of those {@link #batches(ExecutionContext, String, Split, int, int, boolean, long)}
     * makes, each exactly as it is there (the same images and augmentation draw); the earlier ones are
     * read and dropped, no tensor made. One rank's share of an analysis that several processes split.
     */
    public List<Batch> batches(ExecutionContext ctx, String dataSpec, Split split, int count, int size, boolean augment, long seed, int from, int to) throws IOException {
        if (count < 1 || size < 1) throw new IllegalArgumentException("need at least one batch of at least one image, got " + count + " × " + size);
        if (from < 0 || to > count || from >= to) throw new IllegalArgumentException("batches " + from + ".." + (to - 1) + " are not a share of " + count);
        Dataset ds = Datasets.open(dataSpec, split);
        if ((long) count * size > ds.size()) {
            throw new IllegalArgumentException(count + " batches of " + size + " images need " + (long) count * size + " images; " + ds.name() + " has " + ds.size());
        }
        var e = spec.model().encoder();
        if (ds.height() != e.imageSize() || ds.width() != e.imageSize() || ds.channels() != e.inChannels()) {
            throw new IllegalArgumentException(ds.name() + " has " + ds.shapeString() + " images; the model takes " + e.inChannels() + "×" + e.imageSize() + "×" + e.imageSize());
        }
        Normalize norm = Recipes.normalizeFor(dataSpec, ds);
        int nViews = spec.method().twoViews() ? 2 : 1;
        List<Transform> views = augment ? (nViews == 2 ? Recipes.lutViews(ds, norm) : Recipes.maeViews(ds, norm)) : java.util.Collections.nCopies(nViews, norm);
        List<Batch> out = new ArrayList<>();
        try (Loader l = new Loader(ds, views, new Rng(seed).split("analysis-data"), Loader.Options.eval(size, 0), ctx.ops())) {
            Loader.Epoch it = l.epoch(0);
            for (int b = 0; b < from; b++) it.nextHost();
            for (int b = from; b < to; b++) {
                Loader.Batch lb = it.next();
                out.add(new Batch(lb.views().get(0), lb.labels(), lb.views().subList(1, lb.views().size())));
            }
        }
        return out;
    }
}
