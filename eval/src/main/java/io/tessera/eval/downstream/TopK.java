// Top-1 / top-5 accuracy from logits, as timm.utils.accuracy counts it: a sample is right at k when
// fewer than k classes score above its label (ties broken towards the lower class index, so the
// count does not depend on sort stability). Host-side counting of one batch at a time.
package io.tessera.eval.downstream;

/** Counts of correct top-1 and top-5 predictions. */
public final class TopK {
    private long samples, hit1, hit5;

    /** Adds a batch: logits (B, V) row-major and B labels. */
    public void add(float[] logits, int[] labels, int classes) {
        if (logits.length != (long) labels.length * classes) {
            throw new IllegalArgumentException("accuracy: " + logits.length + " logits for " + labels.length + " labels of " + classes + " classes");
        }
        for (int i = 0; i < labels.length; i++) {
            int y = labels[i];
            if (y < 0 || y >= classes) throw new IllegalArgumentException("accuracy: label " + y + " outside [0, " + classes + ")");
            float ly = logits[i * classes + y];
            if (!Float.isFinite(ly)) throw new IllegalStateException("accuracy: non-finite logit " + ly + " for sample " + i);
            int rank = 0;
            for (int v = 0; v < classes; v++) {
                float l = logits[i * classes + v];
                if (l > ly || (l == ly && v < y)) rank++;
            }
            if (rank == 0) hit1++;
            if (rank < 5) hit5++;
        }
        samples += labels.length;
    }

    public long samples() {
        return samples;
    }

    /** Fraction right at top-1. */
    public double top1() {
        return samples == 0 ? 0 : (double) hit1 / samples;
    }

    /** Fraction right at top-5 (1 when there are at most 5 classes). */
    public double top5() {
        return samples == 0 ? 0 : (double) hit5 / samples;
    }
}
