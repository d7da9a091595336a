package io.tessera.cli;

import io.tessera.eval.features.EvaluationEncoder;
import io.tessera.eval.hessian.ProgressListener;
import io.tessera.nn.VitConfig;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Datasets;
import io.tessera.ssl.data.Image;
import io.tessera.ssl.data.Loader;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.Split;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the analyze commands read: checkpoints opened with their encoders and labels ({@link Subject}),
 * and the first N images of a split, normalised as the run trained and streamed in batches, with the
 * raw images for drawing ({@link Images}).
 */
final class AnalysisInputs {
    private AnalysisInputs() {
    }

    /** A checkpoint's encoder under a label. */
    record Subject(String label, RunCheckpoint run, EvaluationEncoder encoder) {
        VitConfig config() {
            return encoder.encoder().config();
        }
    }

    /**
     * Opens every checkpoint (verified loads) and picks the encoder of {@code role} (null: the method's
     * evaluation role). Labels default to "method checkpoint-N", with the folder when names repeat, and
     * the role when it is not the evaluation one.
     */
    static List<Subject> open(ExecutionContext ctx, List<Path> checkpoints, List<String> labels, String role) throws IOException {
        if (labels != null && !labels.isEmpty() && labels.size() != checkpoints.size()) {
            throw new IllegalArgumentException(labels.size() + " --label values for " + checkpoints.size() + " --checkpoint values; give one per checkpoint or none");
        }
        Set<String> names = new HashSet<>();
        boolean repeated = false;
        for (Path p : checkpoints) repeated |= !names.add(RunCheckpoint.base(p).getFileName().toString());
        List<Subject> out = new ArrayList<>();
        for (int i = 0; i < checkpoints.size(); i++) {
            RunCheckpoint run = RunCheckpoint.open(ctx, checkpoints.get(i));
            EvaluationEncoder enc = role == null ? EvaluationEncoder.of(run.method()) : EvaluationEncoder.of(run.method(), role);
            String label = labels != null && !labels.isEmpty() ? labels.get(i) : defaultLabel(run, enc, repeated);
            out.add(new Subject(label, run, enc));
        }
        return out;
    }

    private static String defaultLabel(RunCheckpoint run, EvaluationEncoder enc, boolean withFolder) {
        Path base = run.base().toAbsolutePath();
        String name = withFolder && base.getParent() != null ? base.getParent().getFileName() + "/" + base.getFileName() : base.getFileName().toString();
        String label = run.spec().method() + " " + name;
        return enc.role().equals(run.method().evaluationRole()) ? label : label + " (" + enc.role() + ")";
    }

    /** The first {@code count} images of a split. */
    static final class Images {
        final String spec;
        final Dataset dataset;
        final Normalize normalize;
        final int count;

        private Images(String spec, Dataset dataset, Normalize normalize, int count) {
            this.spec = spec;
            this.dataset = dataset;
            this.normalize = normalize;
            this.count = count;
        }

        /**
         * Opens {@code spec} (null: the first subject's training data) and checks that every subject's
         * encoder takes its images. {@code count} null means the whole split.
         */
        static Images open(String spec, Split split, Integer count, List<Subject> subjects) {
            String s = spec != null ? spec : subjects.get(0).run().data();
            Dataset ds = Datasets.open(s, split);
            int n = count == null ? ds.size() : count;
            if (n < 1) throw new IllegalArgumentException("--images must be ≥ 1, got " + n);
            if (n > ds.size()) throw new IllegalArgumentException(n + " images asked for; " + ds.name() + " has " + ds.size());
            for (Subject sub : subjects) {
                VitConfig e = sub.config();
                if (ds.height() != e.imageSize() || ds.width() != e.imageSize() || ds.channels() != e.inChannels()) {
                    throw new IllegalArgumentException(ds.name() + " has " + ds.shapeString() + " images; " + sub.label() + " takes " + e.inChannels() + "×"
                            + e.imageSize() + "×" + e.imageSize());
                }
            }
            return new Images(s, ds, Recipes.normalizeFor(s, ds), n);
        }

        /** Receives one batch: the index of its first image and the images (B, C, H, W), valid during the call. */
        interface Visitor {
            void batch(int first, Tensor imgs);
        }

        /** Streams the images in order, {@code batch} at a time, each in its own scope; progress per batch. */
        void forEach(ExecutionContext ctx, int batch, String stage, ProgressListener progress, Visitor v) {
            int total = (count + batch - 1) / batch, done = 0;
            try (Loader l = new Loader(dataset, normalize, new Rng(0), Loader.Options.eval(batch, 1), ctx.ops())) {
                Loader.Epoch it = l.epoch(0);
                int first = 0;
                while (first < count) {
                    Loader.HostBatch hb = it.nextHost();
                    int k = Math.min(hb.size(), count - first), c = dataset.channels(), h = dataset.height(), w = dataset.width();
                    try (Scope s = ctx.openScope()) {
                        float[] px = hb.images().length == k * c * h * w ? hb.images() : java.util.Arrays.copyOf(hb.images(), k * c * h * w);
                        v.batch(first, ctx.ops().tensor(px, k, c, h, w));
                    }
                    first += k;
                    progress.step(stage, ++done, total);
                }
                it.close();
            }
        }

        /** The first {@code k} images as stored (values in [0, 1]), for drawing. */
        List<Image> raw(int k) {
            List<Image> out = new ArrayList<>();
            for (int i = 0; i < Math.min(k, count); i++) out.add(dataset.get(i).image());
            return out;
        }

        /** Dataset indices 0..k−1. */
        static int[] indices(int k) {
            int[] a = new int[k];
            for (int i = 0; i < k; i++) a[i] = i;
            return a;
        }

        String describe(String split) {
            return spec + " (" + split + ", first " + String.format(java.util.Locale.ROOT, "%,d", count) + " images, no augmentation)";
        }
    }
}
