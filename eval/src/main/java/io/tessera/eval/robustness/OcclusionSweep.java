// Accuracy of a classifier against the occluded fraction of its inputs (spec §5.4): for each ratio,
// the test set through occlusion then normalisation, top-1/top-5 and cross-entropy. Each ratio's
// random patches depend on (seed, ratio, image) only.
package io.tessera.eval.robustness;

import io.tessera.eval.downstream.Classifier;
import io.tessera.eval.downstream.ClassifierMetrics;
import io.tessera.eval.hessian.ProgressListener;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.Transform;
import io.tessera.tensor.ExecutionContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Runs occlusion ratios over a test set. */
public final class OcclusionSweep {
    /** What occluded pixels are set to. */
    public enum Fill {
        /** The normalisation mean (0 after normalisation). */
        MEAN,
        /** 0 in [0, 1] pixel space. */
        BLACK;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Fill parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "mean" -> MEAN;
                case "black", "zero" -> BLACK;
                default -> throw new IllegalArgumentException("unknown occlusion fill '" + s + "'; choose mean or black");
            };
        }
    }

    /** One ratio: the requested fraction, the fraction of pixels actually covered, the metrics. */
    public record Point(double ratio, double covered, double top1, double top5, double loss) {
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("ratio", ratio);
            m.put("covered_fraction", covered);
            m.put("top1", top1);
            m.put("top5", top5);
            m.put("loss", loss);
            return m;
        }
    }

    /** The sweep's settings and its points. */
    public record Result(Occlusion.Mode mode, Fill fill, long seed, List<Point> points) {
        public List<Object> pointMaps() {
            List<Object> l = new ArrayList<>();
            for (Point p : points) l.add(p.toMap());
            return l;
        }
    }

    private OcclusionSweep() {
    }

    /**
     * For every ratio r: transform = geometry → Occlusion(mode, r, fill) → normalise, evaluated on
     * {@code test} (image size and class count must fit the classifier).
     */
    public static Result run(ExecutionContext ctx, Classifier classifier, Dataset test, Transform geometry, Occlusion.Mode mode, double[] ratios,
                             Fill fill, int batch, long seed, ProgressListener progress) {
        if (ratios.length == 0) throw new IllegalArgumentException("no occlusion ratios given");
        ClassifierMetrics.requireCompatible(classifier, test);
        float[] f = fill == Fill.MEAN ? classifier.normalize().mean() : new float[classifier.input().inChannels()];
        int size = classifier.input().imageSize();
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < ratios.length; i++) {
            Occlusion occ = new Occlusion(mode, ratios[i], f, classifier.input().patchSize());
            Transform t = Transform.compose(geometry, seeded(occ, seed, i), classifier.normalize());
            ClassifierMetrics m = ClassifierMetrics.evaluate(ctx, classifier, test, t, batch, ProgressListener.NONE, "occlusion");
            points.add(new Point(ratios[i], occ.coveredFraction(size, size), m.top1(), m.top5(), m.loss()));
            progress.step("occlusion ratios", i + 1, ratios.length);
        }
        return new Result(mode, fill, seed, List.copyOf(points));
    }

    /** The occlusion drawing from a stream of (seed, ratio index, the loader's per-sample stream). */
    private static Transform seeded(Occlusion occ, long seed, int ratioIndex) {
        return (img, rng) -> occ.apply(img, rng.split("occlusion-" + seed + "-" + ratioIndex));
    }
}
