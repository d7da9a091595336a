package io.tessera.eval.attention;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Attention distance and NMI on synthetic attention whose values are known exactly. */
class AttentionMeasuresTest {
    static final PatchGrid GRID = new PatchGrid(5, 7);   // 25 patches of 7 px, T = 26

    /** (B, H, T, T) with every row given by {@code row(bh, q)} over T keys (q = 0 is the cls query). */
    interface Rows {
        double[] row(int bh, int q);
    }

    static float[] probs(int batch, int heads, PatchGrid g, Rows rows) {
        int t = g.tokens();
        float[] p = new float[batch * heads * t * t];
        for (int bh = 0; bh < batch * heads; bh++) {
            for (int q = 0; q < t; q++) {
                double[] r = rows.row(bh, q);
                for (int k = 0; k < t; k++) p[(bh * t + q) * t + k] = (float) r[k];
            }
        }
        return p;
    }

    static double[] uniform(int t) {
        double[] r = new double[t];
        java.util.Arrays.fill(r, 1.0 / t);
        return r;
    }

    static double[] oneHot(int t, int k) {
        double[] r = new double[t];
        r[k] = 1;
        return r;
    }

    /** Mean pairwise distance of a side×side grid by displacement counts: (1/L²) Σ_{dr,dc} (s−|dr|)(s−|dc|)·P·sqrt(dr²+dc²). */
    static double meanPairwise(int side, int patch) {
        double s = 0;
        for (int dr = -(side - 1); dr < side; dr++) {
            for (int dc = -(side - 1); dc < side; dc++) s += (side - Math.abs(dr)) * (side - Math.abs(dc)) * patch * Math.hypot(dr, dc);
        }
        return s / Math.pow(side * side, 2);
    }

    @Test
    void uniformAttentionHasTheMeanPairwiseDistance() {
        int t = GRID.tokens();
        float[] p = probs(2, 3, GRID, (bh, q) -> uniform(t));
        double expected = meanPairwise(5, 7);
        assertThat(expected / 7).as("near the unit square's 0.5214·side").isBetween(0.5214 * 5 * 0.95, 0.5214 * 5);
        for (double d : AttentionMeasures.meanDistance(p, 2, 3, GRID, RowNormalisation.RENORMALISED).values()) assertThat(d).isCloseTo(expected, within(1e-5));
        // without renormalisation every patch row sums to L/T: the distance shrinks by exactly that factor
        for (double d : AttentionMeasures.meanDistance(p, 2, 3, GRID, RowNormalisation.UNNORMALISED).values()) {
            assertThat(d).isCloseTo(expected * GRID.patches() / t, within(1e-5));
        }
    }

    @Test
    void identityAttentionHasDistanceZero() {
        int t = GRID.tokens();
        float[] p = probs(1, 2, GRID, (bh, q) -> q == 0 ? uniform(t) : oneHot(t, q));
        for (RowNormalisation r : RowNormalisation.values()) {
            assertThat(AttentionMeasures.meanDistance(p, 1, 2, GRID, r).values()).containsOnly(0.0);
        }
    }

    @Test
    void conventionsDifferByTheClsMassOfEachRow() {
        // every patch query puts 0.4 on the cls key and 0.6 on patch 0: renormalised → mean_i d_i0; raw → 0.6 of it
        int t = GRID.tokens();
        float[] p = probs(1, 1, GRID, (bh, q) -> {
            double[] r = new double[t];
            r[0] = 0.4;
            r[1] = 0.6;
            return r;
        });
        double toCorner = 0;
        for (int i = 0; i < GRID.patches(); i++) toCorner += 7 * Math.hypot(i / 5, i % 5) / GRID.patches();
        assertThat(AttentionMeasures.meanDistance(p, 1, 1, GRID, RowNormalisation.RENORMALISED).values()[0]).isCloseTo(toCorner, within(1e-5));
        assertThat(AttentionMeasures.meanDistance(p, 1, 1, GRID, RowNormalisation.UNNORMALISED).values()[0]).isCloseTo(0.6 * toCorner, within(1e-5));
    }

    @Test
    void nmiIsZeroForUniformAttentionAndOneForAPermutation() {
        int t = GRID.tokens(), l = GRID.patches();
        for (double v : AttentionMeasures.nmi(probs(1, 2, GRID, (bh, q) -> uniform(t)), 1, 2, GRID).values()) assertThat(v).isCloseTo(0, within(1e-7));
        int[] perm = new int[l];
        for (int i = 0; i < l; i++) perm[i] = (7 * i + 3) % l;                 // 7 is coprime with 25
        float[] p = probs(1, 1, GRID, (bh, q) -> q == 0 ? uniform(t) : oneHot(t, 1 + perm[q - 1]));
        assertThat(AttentionMeasures.nmi(p, 1, 1, GRID).values()[0]).isCloseTo(1, within(1e-12));
        // every query on the same key: total collapse, defined as 0
        assertThat(AttentionMeasures.nmi(probs(1, 1, GRID, (bh, q) -> oneHot(t, 5)), 1, 1, GRID).values()[0]).isEqualTo(0.0);
        // half the queries on one key, half on another: I = ln 2 bits-worth, H(k) = ln 2 → NMI = sqrt(ln 2 / ln L)
        float[] two = probs(1, 1, GRID, (bh, q) -> oneHot(t, q % 2 == 0 ? 1 : 2));
        double hk = -(13.0 / 25 * Math.log(13.0 / 25) + 12.0 / 25 * Math.log(12.0 / 25));  // 13 even and 12 odd patch queries (q = 1..25)
        assertThat(AttentionMeasures.nmi(two, 1, 1, GRID).values()[0]).isCloseTo(hk / Math.sqrt(Math.log(25) * hk), within(1e-9));
    }

    @Test
    void badAttentionIsRefused() {
        assertThatThrownBy(() -> AttentionMeasures.meanDistance(new float[10], 1, 1, GRID, RowNormalisation.RENORMALISED))
                .hasMessageContaining("are not (B 1, H 1, T 26, T 26)");
        int t = GRID.tokens();
        float[] nan = probs(1, 1, GRID, (bh, q) -> uniform(t));
        nan[3] = Float.NaN;
        assertThatThrownBy(() -> AttentionMeasures.nmi(nan, 1, 1, GRID)).hasMessageContaining("not in [0, 1]");
        assertThatThrownBy(() -> GRID.checkTokens(17)).hasMessageContaining("17 tokens does not fit a 5×5 patch grid");
    }

    @Test
    void queriesWithNoPatchMassAreLeftOutAndCounted() {
        int t = GRID.tokens();
        // odd patch queries attend only to cls (float32 underflow of every patch key); even ones to patch 0
        float[] p = probs(1, 1, GRID, (bh, q) -> q % 2 == 1 ? oneHot(t, 0) : oneHot(t, 1));
        AttentionMeasures.PerHead d = AttentionMeasures.meanDistance(p, 1, 1, GRID, RowNormalisation.RENORMALISED);
        double evenToCorner = 0;
        for (int i = 1; i < GRID.patches(); i += 2) evenToCorner += 7 * Math.hypot(i / 5, i % 5) / 12;    // patch queries 1, 3, …, 23 (q = 2, 4, …)
        assertThat(d.queries()).containsExactly(12);
        assertThat(d.values()[0]).isCloseTo(evenToCorner, within(1e-6));
        assertThat(AttentionMeasures.meanDistance(p, 1, 1, GRID, RowNormalisation.UNNORMALISED).queries()).containsExactly(25);
        assertThat(AttentionMeasures.nmi(p, 1, 1, GRID).queries()).containsExactly(12);
        AttentionStatistics s = new AttentionStatistics(GRID, 1, 1, RowNormalisation.RENORMALISED);
        s.block(0, p, 1, 1, 0);
        s.block(0, probs(1, 1, GRID, (bh, q) -> uniform(t)), 1, 1, 1);
        AttentionStats r = s.result("sinks");
        assertThat(r.skipped()[0][0]).isEqualTo(13);
        assertThat(r.distance()[0][0]).isCloseTo((evenToCorner + meanPairwise(5, 7)) / 2, within(1e-5));
        AttentionStatistics all = new AttentionStatistics(GRID, 1, 1, RowNormalisation.RENORMALISED);
        all.block(0, probs(1, 1, GRID, (bh, q) -> oneHot(t, 0)), 1, 1, 0);
        assertThatThrownBy(() -> all.result("cls only")).hasMessageContaining("block 0, head 0: every patch query of every image attends only to the cls token");
    }

    @Test
    void statisticsAverageOverImagesAndRoundTripThroughJson() {
        int t = GRID.tokens();
        AttentionStatistics s = new AttentionStatistics(GRID, 2, 2, RowNormalisation.RENORMALISED);
        // image 0: uniform everywhere; image 1: identity everywhere → mean distance is half the uniform one
        for (int block = 0; block < 2; block++) {
            s.block(block, probs(1, 2, GRID, (bh, q) -> uniform(t)), 1, 2, 0);
            s.block(block, probs(1, 2, GRID, (bh, q) -> q == 0 ? uniform(t) : oneHot(t, q)), 1, 2, 1);
        }
        AttentionStats r = s.result("synthetic");
        assertThat(r.images()).isEqualTo(2);
        assertThat(r.distance()[1][0]).isCloseTo(meanPairwise(5, 7) / 2, within(1e-5));
        assertThat(r.nmi()[0][1]).isCloseTo(0.5, within(1e-6));                  // (0 + 1) / 2
        AttentionAnalysis a = new AttentionAnalysis("t", Map.of("k", "v"), List.of(r), List.of(), List.of(), List.of());
        String json = AttentionJson.write(a);
        assertThat(json).startsWith("{\"schema\":\"tessera.attention/1\"");
        assertThat(AttentionJson.write(AttentionJson.parse(json))).isEqualTo(json);
        assertThatThrownBy(() -> new AttentionStatistics(GRID, 2, 2, RowNormalisation.RENORMALISED).result("none")).hasMessageContaining("saw different numbers of images (or none)");
        assertThatThrownBy(() -> s.block(2, probs(1, 2, GRID, (bh, q) -> uniform(t)), 1, 2, 0)).hasMessageContaining("expected blocks 0..1");
    }
}
