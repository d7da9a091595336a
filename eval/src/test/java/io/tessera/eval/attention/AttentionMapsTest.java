package io.tessera.eval.attention;

import io.tessera.ssl.data.Image;
import org.junit.jupiter.api.Test;

import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;

import static io.tessera.eval.attention.AttentionMeasuresTest.oneHot;
import static io.tessera.eval.attention.AttentionMeasuresTest.probs;
import static io.tessera.eval.attention.AttentionMeasuresTest.uniform;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** DINO cls maps and the mass threshold, rollout against a hand product, and the picture helpers. */
class AttentionMapsTest {
    static final PatchGrid GRID = new PatchGrid(2, 3);   // 4 patches, T = 5

    @Test
    void clsMapsAreTheClsRowOverPatchesOfTheLastBlock() {
        ClsAttentionMaps maps = new ClsAttentionMaps(GRID, 1, 3);
        float[] first = probs(2, 2, GRID, (bh, q) -> new double[] {0.1, 0.2 + 0.05 * bh, 0.3, 0.2, 0.2 - 0.05 * bh});
        maps.block(0, probs(2, 2, GRID, (bh, q) -> uniform(5)), 2, 2, 0);     // not the last block: ignored
        maps.block(1, first, 2, 2, 0);
        maps.block(1, probs(2, 2, GRID, (bh, q) -> uniform(5)), 2, 2, 2);     // only the first of these is kept
        assertThat(maps.maps()).hasSize(3);
        assertThat(maps.maps().get(1)[1]).containsExactly(new double[] {0.35, 0.3, 0.2, 0.05}, within(1e-6));   // image 1, head 1: bh = 3
        assertThat(maps.maps().get(2)[0]).containsOnly((double) (float) (1.0 / 5));
    }

    @Test
    void theMassThresholdKeepsTheLargestWeightsHoldingThatMass() {
        double[] w = {0.3, 0.5, 0.1, 0.1};
        // ascending: 0.1, 0.1, 0.3, 0.5 with cumulative 0.1, 0.2, 0.5, 1.0; keep where > 1 − 0.6 = 0.4
        assertThat(ClsAttentionMaps.massMask(w, 0.6)).containsExactly(true, true, false, false);
        assertThat(ClsAttentionMaps.massMask(w, 0.4)).containsExactly(false, true, false, false);
        assertThat(ClsAttentionMaps.massMask(new double[] {3, 5, 1, 1}, 0.6)).containsExactly(true, true, false, false);  // scale-free
        assertThat(ClsAttentionMaps.massMask(w, 1.0)).containsOnly(true);
        assertThatThrownBy(() -> ClsAttentionMaps.massMask(w, 0)).hasMessageContaining("(0, 1]");
    }

    @Test
    void rolloutAddsTheResidualRenormalisesRowsAndMultipliesThroughTheBlocks() {
        PatchGrid g = new PatchGrid(1, 4);   // one patch: T = 2
        // two heads; MAX fusion makes rows that do not sum to 1, so the row renormalisation matters
        float[] b0 = {0.6f, 0.4f, 0.3f, 0.7f, /* head 1 */ 0.2f, 0.8f, 0.9f, 0.1f};
        float[] b1 = {0.5f, 0.5f, 0.1f, 0.9f, /* head 1 */ 0.7f, 0.3f, 0.4f, 0.6f};
        AttentionRollout r = new AttentionRollout(g, 2, 1, AttentionRollout.Fusion.MAX);
        r.block(0, b0, 1, 2, 0);
        r.block(1, b1, 1, 2, 0);
        double[] a0 = hat(new double[] {0.6, 0.8, 0.9, 0.7}), a1 = hat(new double[] {0.7, 0.5, 0.4, 0.9});
        double[] expected = {a1[0] * a0[0] + a1[1] * a0[2], a1[0] * a0[1] + a1[1] * a0[3], a1[2] * a0[0] + a1[3] * a0[2], a1[2] * a0[1] + a1[3] * a0[3]};
        assertThat(r.matrix(0)).containsExactly(expected, within(1e-7));
        double[] m = r.matrix(0);
        assertThat(m[0] + m[1]).as("rows of a product of row-stochastic matrices sum to 1").isCloseTo(1, within(1e-7));
        assertThat(m[2] + m[3]).isCloseTo(1, within(1e-7));
        assertThat(r.maps().get(0)).containsExactly(1.0);                     // one patch, divided by its max
        AttentionRollout two = new AttentionRollout(g, 2, 2, AttentionRollout.Fusion.MAX);
        assertThatThrownBy(() -> two.block(0, b0, 1, 2, 1)).hasMessageContaining("image 1 arrived after 0 images");
    }

    /** 0.5·A + 0.5·I with rows renormalised, for a 2×2 A. */
    static double[] hat(double[] a) {
        double[] h = {0.5 * a[0] + 0.5, 0.5 * a[1], 0.5 * a[2], 0.5 * a[3] + 0.5};
        double s0 = h[0] + h[1], s1 = h[2] + h[3];
        return new double[] {h[0] / s0, h[1] / s0, h[2] / s1, h[3] / s1};
    }

    @Test
    void identityAttentionRollsOutToNoClsWeightOnPatches() {
        AttentionRollout r = new AttentionRollout(GRID, 1, 1, AttentionRollout.Fusion.MEAN);
        r.block(0, probs(1, 1, GRID, (bh, q) -> oneHot(5, q)), 1, 1, 0);
        assertThatThrownBy(r::maps).hasMessageContaining("no weight on any patch");
    }

    @Test
    void pictureHelpersFollowJetAndCvResize() {
        assertThat(AttentionImages.jet(0)).containsExactly(0, 0, 0.5);
        assertThat(AttentionImages.jet(0.5)).containsExactly(0.5, 1, 0.5);
        assertThat(AttentionImages.jet(1)).containsExactly(0.5, 0, 0);
        // cv2.resize(np.array([[0., 1.]]), (4, 1), interpolation=cv2.INTER_LINEAR) → [0, 0.25, 0.75, 1]
        assertThat(AttentionImages.resizeBilinear(new double[] {0, 1}, 1, 2, 1, 4)).containsExactly(0, 0.25, 0.75, 1);
        assertThat(AttentionImages.upsampleNearest(new double[] {1, 2, 3, 4}, 2, 2)).containsExactly(1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4);
        Image grey = new Image(1, 2, 2, new float[] {0, 1, 0.5f, 0.25f});
        BufferedImage o = AttentionImages.overlay(grey, new double[] {1, 0, 0, 0}, 0.5);
        // pixel 0: 0.5·jet(1) + 0.5·0 = (0.25, 0, 0); pixel 1: 0.5·(0, 0, 0.5) + 0.5·1 = (0.5, 0.5, 0.75) → max 0.75
        assertThat(o.getRGB(0, 0) & 0xffffff).isEqualTo((Math.round(255 * 0.25f / 0.75f) << 16));
        assertThat(o.getRGB(1, 0) & 0xffffff).isEqualTo((Math.round(255 * 0.5f / 0.75f) << 16) | (Math.round(255 * 0.5f / 0.75f) << 8) | 255);
        BufferedImage grid = AttentionImages.grid("t", List.of("a", "b"), List.of("r"), List.of(List.of(AttentionImages.fit(o, 6), AttentionImages.fit(o, 6))));
        assertThat(grid.getWidth()).isGreaterThan(12);
        // a column takes the width of a header wider than its cells
        BufferedImage oneShort = AttentionImages.grid("", List.of("a"), List.of("r"), List.of(List.of(AttentionImages.fit(o, 6))));
        BufferedImage oneLong = AttentionImages.grid("", List.of("a header far wider than the cell"), List.of("r"), List.of(List.of(AttentionImages.fit(o, 6))));
        assertThat(oneLong.getWidth()).isGreaterThan(oneShort.getWidth() + 100);
        assertThatThrownBy(() -> AttentionImages.overlay(grey, new double[3], 0.5)).hasMessageContaining("3 values on a 2×2 image");
    }

    @Test
    void mapsRoundTripThroughJson() {
        AttentionAnalysis.ClsMaps c = new AttentionAnalysis.ClsMaps("m", GRID, new int[] {4}, 0.6, List.<double[][]>of(new double[][] {{0.1, 0.2, 0.3, 0.4}}));
        AttentionAnalysis.Rollout r = new AttentionAnalysis.Rollout("m", GRID, AttentionRollout.Fusion.MIN, new int[] {4}, List.of(new double[] {1, 0.5, 0.25, 0}));
        AttentionAnalysis.GradCams g = new AttentionAnalysis.GradCams("m", "linear head h.safetensors (3 classes)", GRID, new int[] {4},
                List.of(new GradCam.Cam(2, 1.5, 1, new double[] {0, 0.2, 0.9, 0.4}, 3.25)));
        AttentionAnalysis a = new AttentionAnalysis("t", Map.of(), List.of(), List.of(c), List.of(r), List.of(g));
        String json = AttentionJson.write(a);
        AttentionAnalysis back = AttentionJson.parse(json);
        assertThat(AttentionJson.write(back)).isEqualTo(json);
        assertThat(back.clsMaps().get(0).mask(0, 0)).containsExactly(false, false, true, true);
        assertThat(back.gradCams().get(0).cams().get(0).target()).isEqualTo(2);
    }
}
