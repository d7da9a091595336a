package io.tessera.eval.attention;

// A run of the attention analyses on the same images for one or more encoders: per-block, per-head
// statistics (distance, NMI), DINO cls maps, rollout maps and Grad-CAM maps of the first images,
// with the settings that decided them. Images themselves are not part of it (only their indices).

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Attention results to compare.
 *
 * @param title      one line
 * @param context    what was analysed and how
 * @param statistics per encoder (may be empty)
 * @param clsMaps    per encoder (may be empty)
 * @param rollouts   per encoder (may be empty)
 * @param gradCams   per encoder (may be empty)
 */
public record AttentionAnalysis(String title, Map<String, String> context, List<AttentionStats> statistics, List<ClsMaps> clsMaps,
                                List<Rollout> rollouts, List<GradCams> gradCams) {

    public AttentionAnalysis {
        if (title == null || context == null) throw new IllegalArgumentException("an attention analysis needs a title and context");
        context = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(context));
        statistics = List.copyOf(statistics);
        clsMaps = List.copyOf(clsMaps);
        rollouts = List.copyOf(rollouts);
        gradCams = List.copyOf(gradCams);
        if (statistics.isEmpty() && clsMaps.isEmpty() && rollouts.isEmpty() && gradCams.isEmpty()) throw new IllegalArgumentException("an attention analysis with no result");
    }

    /**
     * The last block's cls→patch attention of the first images.
     *
     * @param images    dataset indices of the images, in order
     * @param threshold DINO's mass threshold in (0, 1], or 0 for none
     * @param maps      per image, [head][patch]
     */
    public record ClsMaps(String label, PatchGrid grid, int[] images, double threshold, List<double[][]> maps) {
        public ClsMaps {
            if (!(threshold == 0 || (threshold > 0 && threshold <= 1))) throw new IllegalArgumentException("cls maps: threshold " + threshold + " must be 0 (none) or in (0, 1]");
            if (images.length != maps.size()) throw new IllegalArgumentException("cls maps: " + images.length + " image indices for " + maps.size() + " maps");
            images = images.clone();
            List<double[][]> c = new ArrayList<>();
            for (double[][] m : maps) {
                for (double[] h : m) if (h.length != grid.patches()) throw new IllegalArgumentException("cls maps: a head map of " + h.length + " values on " + grid.patches() + " patches");
                c.add(m.clone());
            }
            maps = List.copyOf(c);
        }

        /** The mass mask of image i, head h (needs a threshold). */
        public boolean[] mask(int i, int h) {
            if (threshold == 0) throw new IllegalStateException("cls maps were taken without a mass threshold");
            return ClsAttentionMaps.massMask(maps.get(i)[h], threshold);
        }
    }

    /** Attention rollout maps of the first images (cls row over patches, max-normalised). */
    public record Rollout(String label, PatchGrid grid, AttentionRollout.Fusion fusion, int[] images, List<double[]> maps) {
        public Rollout {
            if (images.length != maps.size()) throw new IllegalArgumentException("rollout: " + images.length + " image indices for " + maps.size() + " maps");
            for (double[] m : maps) if (m.length != grid.patches()) throw new IllegalArgumentException("rollout: a map of " + m.length + " values on " + grid.patches() + " patches");
            images = images.clone();
            maps = List.copyOf(maps);
        }
    }

    /** Grad-CAM maps of the first images for one head. */
    public record GradCams(String label, String head, PatchGrid grid, int[] images, List<GradCam.Cam> cams) {
        public GradCams {
            if (images.length != cams.size()) throw new IllegalArgumentException("Grad-CAM: " + images.length + " image indices for " + cams.size() + " maps");
            for (GradCam.Cam c : cams) if (c.cam().length != grid.patches()) throw new IllegalArgumentException("Grad-CAM: a map of " + c.cam().length + " values on " + grid.patches() + " patches");
            images = images.clone();
            cams = List.copyOf(cams);
        }
    }
}
