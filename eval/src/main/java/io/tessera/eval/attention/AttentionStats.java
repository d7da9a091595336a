package io.tessera.eval.attention;

// The attention statistics of one encoder: mean attention distance (pixels) and attention NMI per
// block and head, averaged over a recorded number of images, with the row convention and the grid.

import io.tessera.eval.report.JsonReader;

import java.util.LinkedHashMap;
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
 */
public record AttentionStats(String label, long images, RowNormalisation rows, PatchGrid grid, double[][] distance, double[][] nmi) {
    private static final JsonReader READ = new JsonReader("attention JSON");

    public AttentionStats {
        if (label == null || rows == null || grid == null) throw new IllegalArgumentException("attention statistics need a label, row convention and grid");
        if (images < 1) throw new IllegalArgumentException("attention statistics over " + images + " images");
        if (distance.length == 0 || distance.length != nmi.length) throw new IllegalArgumentException("attention statistics: " + distance.length + " distance rows, " + nmi.length + " NMI rows");
        distance = copy(distance, "distance");
        nmi = copy(nmi, "nmi");
        for (int l = 0; l < distance.length; l++) {
            if (distance[l].length != distance[0].length || nmi[l].length != distance[0].length) throw new IllegalArgumentException("attention statistics: block " + l + " has another head count");
        }
    }

    private static double[][] copy(double[][] a, String what) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
            for (double v : c[i]) if (!Double.isFinite(v) || v < -1e-12) throw new IllegalArgumentException("attention " + what + " " + v + " at block " + i + " is not finite and ≥ 0");
        }
        return c;
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
        return m;
    }

    public static AttentionStats fromJson(Map<?, ?> m) {
        return new AttentionStats(READ.string(m, "label"), READ.integer(m, "images"), RowNormalisation.parse(READ.string(m, "rows")),
                new PatchGrid(READ.int32(m, "grid_side"), READ.int32(m, "patch_size")), READ.matrix(m, "distance_px"), READ.matrix(m, "nmi"));
    }
}
