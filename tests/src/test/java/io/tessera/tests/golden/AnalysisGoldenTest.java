package io.tessera.tests.golden;

import io.tessera.eval.attention.AttentionPass;
import io.tessera.eval.attention.AttentionRollout;
import io.tessera.eval.attention.AttentionStatistics;
import io.tessera.eval.attention.AttentionStats;
import io.tessera.eval.attention.ClassHead;
import io.tessera.eval.attention.ClsAttentionMaps;
import io.tessera.eval.attention.GradCam;
import io.tessera.eval.attention.PatchGrid;
import io.tessera.eval.attention.RowNormalisation;
import io.tessera.eval.spectrum.FeatureLayer;
import io.tessera.eval.spectrum.FeatureSpectrum;
import io.tessera.eval.spectrum.LayerFeatures;
import io.tessera.eval.spectrum.SpectrumResult;
import io.tessera.eval.spectrum.TokenPooling;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StoreCheckpoint;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The spectrum and attention analyses of the micro MAE encoder against tests/reference/make_golden_analysis.py
 * (PyTorch restatement of the official model, numpy/torch linear algebra, cl-vs-mim's and probing-vits'
 * conventions, pytorch-grad-cam's steps): attention distance in both row conventions, NMI, cls maps, rollout,
 * covariance spectrum, singular values, RankMe, its σ² variant, α-ReQ with R², and Grad-CAM for a linear head.
 * The images go through in three batches, so the accumulation over batches is checked too.
 */
class AnalysisGoldenTest {
    static final int IMAGES = 48, BATCH = 16, MAPS = 4, CAMS = 8;

    enum Path_ {
        // attention probabilities and pooled features reach the analyses as float32 arrays (the eigen math and
        // the statistics are double), so even the float64 model agrees only to float32 rounding there
        F64_REFERENCE(DType.F64, 1e-7, 1e-6),
        F32_SIMD(DType.F32, 2e-5, 2e-3);

        final DType dtype;
        final double tol, alphaTol;

        Path_(DType dtype, double tol, double alphaTol) {
            this.dtype = dtype;
            this.tol = tol;
            this.alphaTol = alphaTol;
        }

        ExecutionContext context() {
            return dtype == DType.F64 ? ExecutionContext.reference(0) : ExecutionContext.cpu(2, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(Path_.class)
    void analysesMatchTheReference(Path_ path) throws IOException {
        SafeTensors.Contents g = Golden.load("analysis_micro.safetensors");
        try (ExecutionContext ctx = path.context()) {
            Ops ops = ctx.ops();
            MaskedAutoencoder mae = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), path.dtype);
            StoreCheckpoint.load(mae.store(), Path.of("reference", "golden", "analysis_micro.safetensors"), StoreCheckpoint.Match.STORE_ENTRIES,
                    n -> n.startsWith("weights.") ? n.substring(8) : null);
            VisionTransformer enc = mae.encoder();
            PatchGrid grid = PatchGrid.of(enc.config());
            double[] all = Golden.get(g, "input.imgs").toDoubles();
            AttentionStatistics renorm = new AttentionStatistics(grid, 2, 4, RowNormalisation.RENORMALISED);
            AttentionStatistics raw = new AttentionStatistics(grid, 2, 4, RowNormalisation.UNNORMALISED);
            ClsAttentionMaps cls = new ClsAttentionMaps(grid, 1, MAPS);
            AttentionRollout roll = new AttentionRollout(grid, 2, MAPS, AttentionRollout.Fusion.MEAN);
            LayerFeatures finalCls = new LayerFeatures(enc, List.of(FeatureLayer.output()), TokenPooling.CLS);
            LayerFeatures block0 = new LayerFeatures(enc, List.of(FeatureLayer.ofBlock(0)), TokenPooling.MEAN);
            for (int first = 0; first < IMAGES; first += BATCH) {
                try (Scope s = ctx.openScope()) {
                    Tensor imgs = Golden.tensor(ops, Arrays.copyOfRange(all, first * 768, (first + BATCH) * 768), path.dtype, BATCH, 3, 16, 16);
                    AttentionPass.run(ops, enc, imgs, first, List.of(renorm, raw, cls, roll));
                    finalCls.add(ops, imgs);
                    block0.add(ops, imgs);
                }
            }
            AttentionStats r = renorm.result("golden"), u = raw.result("golden");
            assertThat(r.images()).isEqualTo(IMAGES);
            for (int l = 0; l < 2; l++) {
                close(r.distance()[l], g, "attention.distance_renormalised." + l, path.tol);
                close(u.distance()[l], g, "attention.distance_unnormalised." + l, path.tol);
                close(r.nmi()[l], g, "attention.nmi." + l, path.tol);
            }
            double[] maps = Golden.get(g, "attention.cls_maps").toDoubles(), rolled = Golden.get(g, "attention.rollout_mean").toDoubles();
            for (int i = 0; i < MAPS; i++) {
                for (int h = 0; h < 4; h++) close(cls.maps().get(i)[h], Arrays.copyOfRange(maps, (i * 4 + h) * 16, (i * 4 + h + 1) * 16), "cls map " + i + "/" + h, path.tol);
                close(roll.maps().get(i), Arrays.copyOfRange(rolled, i * 16, (i + 1) * 16), "rollout " + i, path.tol);
            }
            FeatureSpectrum.Settings st = FeatureSpectrum.Settings.defaults().withWindow(new io.tessera.eval.spectrum.AlphaFit.Window(10, 32));
            spectrum(finalCls.spectra("final", st).get(0), g, "spectrum.final_cls", path);
            spectrum(block0.spectra("block0", st).get(0), g, "spectrum.block0_mean", path);

            try (Scope s = ctx.openScope()) {
                Tensor imgs = Golden.tensor(ops, Arrays.copyOfRange(all, 0, CAMS * 768), path.dtype, CAMS, 3, 16, 16);
                Tensor w = Golden.tensor(ops, Golden.get(g, "input.head_weight").toDoubles(), path.dtype, 5, 32);
                Tensor b = Golden.tensor(ops, Golden.get(g, "input.head_bias").toDoubles(), path.dtype, 5);
                List<GradCam.Cam> cams = GradCam.compute(ctx, enc, ClassHead.linear(w, b, "golden head"), imgs, null);
                int[] targets = Golden.ints(g, "gradcam.target");
                double[] score = Golden.get(g, "gradcam.score").toDoubles(), cam = Golden.get(g, "gradcam.cam").toDoubles();
                for (int i = 0; i < CAMS; i++) {
                    assertThat(cams.get(i).target()).as("top-1 class of image %d", i).isEqualTo(targets[i]);
                    assertThat(cams.get(i).score()).isCloseTo(score[i], org.assertj.core.data.Offset.offset(path.tol * Math.max(1, Math.abs(score[i]))));
                    // Grad-CAM amplifies float32 rounding through a gradient and a min-max scaling: normwise 1e-3 there
                    close(cams.get(i).cam(), Arrays.copyOfRange(cam, i * 16, (i + 1) * 16), "Grad-CAM " + i, path.dtype == DType.F64 ? 1e-8 : 1e-3);
                }
            }
        }
    }

    private static void spectrum(SpectrumResult s, SafeTensors.Contents g, String key, Path_ path) {
        double[] cov = Golden.get(g, key + ".covariance").toDoubles(), sv = Golden.get(g, key + ".singular").toDoubles();
        double[] scalars = Golden.get(g, key + ".scalars").toDoubles();
        assertThat(s.samples()).isEqualTo(IMAGES);
        close(s.covariance(), cov, key + " covariance eigenvalues", path.tol);
        close(s.singularValues(), sv, key + " singular values", path.tol);
        assertThat(s.rankMe()).as(key + " RankMe").isCloseTo(scalars[0], org.assertj.core.data.Offset.offset(path.tol * scalars[0]));
        assertThat(s.matrixEntropyRank()).as(key + " σ² rank").isCloseTo(scalars[1], org.assertj.core.data.Offset.offset(path.tol * scalars[1]));
        assertThat(s.alpha().to()).as(key + " last rank of the α window").isEqualTo((int) scalars[4]);
        assertThat(s.alpha().alpha()).as(key + " α-ReQ").isCloseTo(scalars[2], org.assertj.core.data.Offset.offset(path.alphaTol * Math.abs(scalars[2])));
        assertThat(s.alpha().r2()).as(key + " R²").isCloseTo(scalars[3], org.assertj.core.data.Offset.offset(path.alphaTol));
    }

    private static void close(double[] actual, SafeTensors.Contents g, String key, double tol) {
        close(actual, Golden.get(g, key).toDoubles(), key, tol);
    }

    private static void close(double[] actual, double[] expected, String what, double tol) {
        assertThat(Golden.relError(actual, expected)).as("%s: %s vs %s", what, Arrays.toString(actual), Arrays.toString(expected)).isLessThan(tol);
    }
}
