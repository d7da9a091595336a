package io.tessera.eval.attention;

// The attention statistics of one encoder: mean attention distance (pixels) and attention NMI per
// block and head, averaged over a recorded number of images, with the row convention and the grid.

import io.tessera.eval.report.JsonReader;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-block, per-head attention statistics.
 *
 * @param label    what the attention comes from
 * @param images   images averaged over
 * @param rows     the row convention of the distance (NMI always renormalises)
 * @param grid     the patch grid (distances are in pixels of this input size)
 * @param distance [block][head] mean attention distance in pixels
 * @param nmi      [block][head] normalised mutual information in [0, 1]
 * @param skipped  [block][head] patch queries, summed over images, whose row had no mass on the patch keys
 *                 (float32 underflow of a query attending only to cls): left out of the NMI and of the
 *                 renormalised distance
 */
public record AttentionStats(String label, long images, RowNormalisation rows, PatchGrid grid, double[][] distance, double[][] nmi, long[][] skipped) {
    private static final JsonReader READ = new JsonReader("attention JSON");

    public AttentionStats {
        if (label == null || rows == null || grid == null) throw new IllegalArgumentException("attention statistics need a label, row convention and grid");
        if (images < 1) throw new IllegalArgumentException("attention statistics over " + images + " images");
        if (distance.length == 0 || distance.length != nmi.length) throw new IllegalArgumentException("attention statistics: " + distance.length + " distance rows, " + nmi.length + " NMI rows");
        distance = copy(distance, "distance");
        nmi = copy(nmi, "nmi");
        if (skipped.length != distance.length) throw new IllegalArgumentException("attention statistics: " + skipped.length + " rows of skipped counts for " + distance.length + " blocks");
        long[][] sk = new long[skipped.length][];
        for (int l = 0; l < distance.length; l++) {
            if (distance[l].length != distance[0].length || nmi[l].length != distance[0].length || skipped[l].length != distance[0].length) {
                throw new IllegalArgumentException("attention statistics: block " + l + " has another head count");
            }
            sk[l] = skipped[l].clone();
            for (long v : sk[l]) if (v < 0 || v > images * grid.patches()) throw new IllegalArgumentException("attention statistics: " + v + " skipped queries at block " + l);
        }
        skipped = sk;
    }

    private static double[][] copy(double[][] a, String what) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
            for (double v : c[i]) if (!Double.isFinite(v) || v < -1e-12) throw new IllegalArgumentException("attention " + what + " " + v + " at block " + i + " is not finite and ≥ 0");
        }
        return c;
    }

    @Override
    public long[][] skipped() {
        long[][] c = new long[skipped.length][];
        for (int l = 0; l < skipped.length; l++) c[l] = skipped[l].clone();
        return c;
    }

    /** Σ of {@link #skipped}: patch queries left out over all blocks, heads and images. */
    public long skippedTotal() {
        long s = 0;
        for (long[] r : skipped) for (long v : r) s += v;
        return s;
    }

    public int depth() {
        return distance.length;
    }

    public int heads() {
        return distance[0].length;
    }

    @Override
    public double[][] distance() {
        return copy(distance, "distance");
    }

    @Override
    public double[][] nmi() {
        return copy(nmi, "nmi");
    }

    /** Per block, the mean over heads of the distance. */
    public double[] layerDistance() {
        return headMean(distance);
    }

    /** Per block, the mean over heads of the NMI. */
    public double[] layerNmi() {
        return headMean(nmi);
    }

    private static double[] headMean(double[][] a) {
        double[] m = new double[a.length];
        for (int l = 0; l < a.length; l++) {
            for (double v : a[l]) m[l] += v / a[l].length;
        }
        return m;
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("label", label);
        m.put("images", images);
        m.put("rows", rows.label());
        m.put("grid_side", (long) grid.side());
        m.put("patch_size", (long) grid.patch());
        m.put("image_size", (long) grid.imageSize());
        m.put("distance_px", JsonReader.list(distance));
        m.put("distance_px_by_block", JsonReader.list(layerDistance()));
        m.put("nmi", JsonReader.list(nmi));
        m.put("nmi_by_block", JsonReader.list(layerNmi()));
        List<Object> sk = new ArrayList<>();
        for (long[] r : skipped) sk.add(r.clone());
        m.put("queries_without_patch_mass", sk);
        return m;
    }

    public static AttentionStats fromJson(Map<?, ?> m) {
        return new AttentionStats(READ.string(m, "label"), READ.integer(m, "images"), RowNormalisation.parse(READ.string(m, "rows")),
                new PatchGrid(READ.int32(m, "grid_side"), READ.int32(m, "patch_size")), READ.matrix(m, "distance_px"), READ.matrix(m, "nmi"),
                counts(READ.matrix(m, "queries_without_patch_mass")));
    }

    private static long[][] counts(double[][] a) {
        long[][] c = new long[a.length][a.length == 0 ? 0 : a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                if (a[i][j] != Math.rint(a[i][j])) throw new IllegalArgumentException("attention JSON: skipped query count " + a[i][j] + " is not an integer");
                c[i][j] = (long) a[i][j];
            }
        }
        return c;
    }
}
