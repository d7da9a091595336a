package io.tessera.eval.spectrum;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.assertj.core.api.Assertions.within;

/**
 * Covariance spectrum, RankMe, its σ² variant and α-ReQ on features whose spectrum is known in closed
 * form: Z = U·diag(s) with U's columns orthonormal and orthogonal to the ones vector (cosines), so
 * σ(Z) = s and the centred covariance has eigenvalues s²/N.
 */
class SpectrumTest {

    /** Z (n × k) row-major: z_ik = s_k·sqrt(2/n)·cos(2π(k+1)i/n); k + 1 < n/2 keeps the columns orthonormal with zero mean. */
    static float[] cosineFeatures(int n, double[] s) {
        int k = s.length;
        float[] z = new float[n * k];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < k; c++) z[i * k + c] = (float) (s[c] * Math.sqrt(2.0 / n) * Math.cos(2 * Math.PI * (c + 1) * i / n));
        }
        return z;
    }

    static GramAccumulator accumulate(float[] z, int n, int k, int batch) {
        GramAccumulator g = new GramAccumulator(k);
        for (int start = 0; start < n; start += batch) {
            int rows = Math.min(batch, n - start);
            float[] part = new float[rows * k];
            System.arraycopy(z, start * k, part, 0, part.length);
            g.add(part, rows);
        }
        return g;
    }

    static double rankMeByHand(double[] s, double eps, boolean squared) {
        double total = 0;
        for (double v : s) total += squared ? v * v : v;
        double h = 0;
        for (double v : s) {
            double p = (squared ? v * v : v) / total + eps;
            h -= p * Math.log(p);
        }
        return Math.exp(h);
    }

    @Test
    void orthogonalColumnsGiveTheirNormsAsSingularValuesAndNormsSquaredOverNAsCovarianceEigenvalues() {
        double[] s = {5, 4, 3, 2, 1, 0.5, 0.25, 0.125};
        int n = 64;
        GramAccumulator g = accumulate(cosineFeatures(n, s), n, s.length, 10);
        assertThat(g.count()).isEqualTo(n);
        SpectrumResult r = FeatureSpectrum.compute("cosines", FeatureLayer.output(), TokenPooling.CLS, g,
                FeatureSpectrum.Settings.defaults().withWindow(new AlphaFit.Window(1, 8)));
        for (int k = 0; k < s.length; k++) {
            assertThat(r.singularValues()[k]).as("σ_%d", k + 1).isCloseTo(s[k], within(1e-6 * s[0]));
            assertThat(r.covariance()[k]).as("λ_%d", k + 1).isCloseTo(s[k] * s[k] / n, within(1e-6 * s[0] * s[0] / n));
        }
        assertThat(r.rankMe()).isCloseTo(rankMeByHand(s, 1e-7, false), within(1e-6));
        assertThat(r.matrixEntropyRank()).isCloseTo(rankMeByHand(s, 1e-7, true), within(1e-6));
        assertThat(r.matrixEntropyRank()).as("σ² weights the large values more").isLessThan(r.rankMe());
        assertThat(r.totalVariance()).isCloseTo(java.util.Arrays.stream(s).map(v -> v * v / n).sum(), within(1e-6));
        assertThat(r.numericalRank()).isEqualTo(8);
    }

    @Test
    void equalSingularValuesHaveRankMeK() {
        double[] s = new double[12];
        java.util.Arrays.fill(s, 3.0);
        SpectrumResult r = FeatureSpectrum.compute("flat", FeatureLayer.ofBlock(0), TokenPooling.MEAN, accumulate(cosineFeatures(64, s), 64, 12, 64),
                FeatureSpectrum.Settings.defaults());
        // p_k = 1/K + ε for every k: exp(−K (1/K + ε) ln(1/K + ε)) → K as ε → 0
        assertThat(r.rankMe()).isCloseTo(12, within(1e-4));
        assertThat(r.matrixEntropyRank()).isCloseTo(12, within(1e-4));
    }

    @Test
    void anExactPowerLawGivesItsExponentWithRSquaredOne() {
        double alpha = 1.37;
        double[] lambda = new double[200];
        for (int i = 0; i < lambda.length; i++) lambda[i] = 4.2 * Math.pow(i + 1, -alpha);
        AlphaFit f = AlphaFit.fit(lambda, AlphaFit.Window.defaults());
        assertThat(f.alpha()).isCloseTo(alpha, offset(1e-12));
        assertThat(f.r2()).isCloseTo(1.0, offset(1e-12));
        assertThat(f.intercept()).isCloseTo(Math.log(4.2), offset(1e-10));
        assertThat(f.from()).isEqualTo(10);
        assertThat(f.to()).isEqualTo(100);
        // clipped to the length of the spectrum
        assertThat(AlphaFit.fit(java.util.Arrays.copyOf(lambda, 40), AlphaFit.Window.defaults()).to()).isEqualTo(40);
    }

    @Test
    void aPowerLawThroughFeaturesGivesItsExponent() {
        int k = 120, n = 512;
        double alpha = 0.9;
        double[] s = new double[k];
        for (int i = 0; i < k; i++) s[i] = Math.sqrt(n * Math.pow(i + 1, -alpha));   // λ_i(C) = s_i²/n = i^−α
        SpectrumResult r = FeatureSpectrum.compute("power law", FeatureLayer.output(), TokenPooling.CLS, accumulate(cosineFeatures(n, s), n, k, 100),
                FeatureSpectrum.Settings.defaults());
        assertThat(r.alpha().alpha()).isCloseTo(alpha, offset(1e-4));
        assertThat(r.alpha().r2()).isCloseTo(1.0, offset(1e-6));
        assertThat(r.alpha().to()).isEqualTo(100);
    }

    @Test
    void theFitWindowStopsAtEigenvaluesAtRoundingLevel() {
        double[] lambda = {8, 4, 2, 1, 0.5, 1e-20, 0, -1e-17};
        AlphaFit f = AlphaFit.fit(lambda, new AlphaFit.Window(1, 8));
        assertThat(f.to()).isEqualTo(5);
        assertThat(f.alpha()).isPositive();
        assertThat(AlphaFit.fit(lambda, new AlphaFit.Window(5, 8))).isNull();
        assertThat(AlphaFit.whyNot(lambda, new AlphaFit.Window(5, 8))).contains("holds 1 eigenvalue");
    }

    @Test
    void fewerSamplesThanWidthGiveNSingularValuesAndAFitNote() {
        double[] s = {3, 2, 1};
        int n = 16, k = 20;
        float[] z3 = cosineFeatures(n, s), z = new float[n * k];
        for (int i = 0; i < n; i++) System.arraycopy(z3, i * 3, z, i * k, 3);     // 17 zero columns
        SpectrumResult r = FeatureSpectrum.compute("thin", FeatureLayer.output(), TokenPooling.CLS, accumulate(z, n, k, 5), FeatureSpectrum.Settings.defaults());
        assertThat(r.singularValues()).hasSize(n);
        assertThat(r.singularValues()[0]).isCloseTo(3, within(1e-6));
        assertThat(r.singularValues()[3]).isCloseTo(0, within(1e-6));
        assertThat(r.numericalRank()).isEqualTo(3);
        assertThat(r.alpha()).isNull();
        assertThat(r.alphaNote()).contains("10..100");
    }

    @Test
    void batchingDoesNotChangeTheMoments() {
        java.util.Random rnd = new java.util.Random(7);
        int n = 37, k = 5;
        float[] z = new float[n * k];
        for (int i = 0; i < z.length; i++) z[i] = (float) (rnd.nextGaussian() + 3);
        GramAccumulator one = accumulate(z, n, k, n), many = accumulate(z, n, k, 4);
        double[] c1 = one.covariance().data, c2 = many.covariance().data;
        // two-pass covariance as the reference
        double[] mean = new double[k];
        for (int i = 0; i < n; i++) for (int c = 0; c < k; c++) mean[c] += z[i * k + c] / (double) n;
        for (int a = 0; a < k; a++) {
            for (int b = 0; b < k; b++) {
                double ref = 0;
                for (int i = 0; i < n; i++) ref += (z[i * k + a] - mean[a]) * (z[i * k + b] - mean[b]) / n;
                assertThat(c1[a * k + b]).isCloseTo(ref, within(1e-12));
                assertThat(c2[a * k + b]).isCloseTo(ref, within(1e-12));
            }
        }
    }

    @Test
    void badFeaturesAreRefusedByName() {
        GramAccumulator g = new GramAccumulator(3);
        assertThatThrownBy(() -> g.add(new float[5], 2)).hasMessageContaining("5 values are not 2 rows of width 3");
        assertThatThrownBy(() -> g.add(new float[] {1, 2, 3, 4, Float.NaN, 6}, 2)).hasMessageContaining("row 1, column 1 is not finite");
        g.add(new float[6], 2);
        assertThatThrownBy(() -> FeatureSpectrum.compute("zero", FeatureLayer.output(), TokenPooling.CLS, g, FeatureSpectrum.Settings.defaults()))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("all features are zero");
        GramAccumulator one = new GramAccumulator(3);
        one.add(new float[] {1, 2, 3}, 1);
        assertThatThrownBy(() -> FeatureSpectrum.compute("one", FeatureLayer.output(), TokenPooling.CLS, one, FeatureSpectrum.Settings.defaults()))
                .hasMessageContaining("at least 2 feature vectors");
    }

    @Test
    void layerListsParseAndRefuseOutOfRangeIndices() {
        assertThat(FeatureLayer.parseList("final, 1,0,1", 4)).containsExactly(FeatureLayer.ofBlock(0), FeatureLayer.ofBlock(1), FeatureLayer.output());
        assertThat(FeatureLayer.parseList("all", 2)).hasSize(3);
        assertThatThrownBy(() -> FeatureLayer.parseList("7", 2)).hasMessage("layer 7 is out of range: the encoder has 2 blocks (0..1) or final");
        assertThatThrownBy(() -> FeatureLayer.parseList("-1", 2)).hasMessageContaining("out of range");
        assertThatThrownBy(() -> FeatureLayer.parseList("last", 2)).hasMessageContaining("neither a block index");
        assertThatThrownBy(() -> AlphaFit.Window.parse("10")).hasMessageContaining("FROM:TO");
        assertThat(AlphaFit.Window.parse("5:50")).isEqualTo(new AlphaFit.Window(5, 50));
    }

    @Test
    void jsonRoundTripsBitExactly() {
        double[] s = {5, 4, 3, 2, 1, 0.5, 0.25, 0.125, 0.1, 0.05, 0.02, 0.01};
        SpectrumResult a = FeatureSpectrum.compute("a", FeatureLayer.output(), TokenPooling.CLS, accumulate(cosineFeatures(64, s), 64, 12, 16),
                FeatureSpectrum.Settings.defaults().withWindow(new AlphaFit.Window(2, 12)));
        SpectrumResult b = FeatureSpectrum.compute("b", FeatureLayer.ofBlock(1), TokenPooling.MEAN, accumulate(cosineFeatures(64, s), 64, 12, 16),
                FeatureSpectrum.Settings.defaults().withWindow(new AlphaFit.Window(13, 100)));
        SpectrumAnalysis an = new SpectrumAnalysis("t", Map.of("data", "synthetic"), List.of(a, b));
        String text = SpectrumJson.write(an);
        assertThat(text).startsWith("{\"schema\":\"tessera.spectrum/1\"");
        SpectrumAnalysis back = SpectrumJson.parse(text);
        assertThat(SpectrumJson.write(back)).isEqualTo(text);
        assertThat(back.spectra().get(0).covariance()).containsExactly(a.covariance());
        assertThat(back.spectra().get(1).alpha()).isNull();
        assertThatThrownBy(() -> SpectrumJson.parse(text.replace("tessera.spectrum/1", "tessera.spectrum/0"))).hasMessageContaining("expected tessera.spectrum/1");
        assertThatThrownBy(() -> SpectrumJson.parse(text.replace("\"rankme\"", "\"rank_me\""))).hasMessageContaining("missing field \"rankme\"");
    }
}
