package io.tessera.eval.robustness;

import io.tessera.eval.downstream.Classifier;
import io.tessera.eval.downstream.PatternImages;
import io.tessera.eval.hessian.ProgressListener;
import io.tessera.nn.VitConfig;
import io.tessera.ssl.data.Image;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.Transform;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Occlusion boxes and patches, and a sweep over a classifier whose accuracy must fall as the centre disappears. */
class OcclusionTest {
    @TempDir
    Path dir;

    @Test
    void centreBoxAndDroppedPatchesCoverTheRequestedFraction() {
        assertThat(Occlusion.centerBox(28, 28, 0.1)).containsExactly(9, 9, 9, 9);
        assertThat(Occlusion.centerBox(28, 28, 0.0)).containsExactly(14, 14, 0, 0);
        assertThat(Occlusion.centerBox(28, 28, 1.0)).containsExactly(0, 0, 28, 28);
        float[] ones = new float[2 * 8 * 12];
        Arrays.fill(ones, 1f);
        Image img = new Image(2, 8, 12, ones);
        Image c = new Occlusion(Occlusion.Mode.CENTER, 0.25, new float[] {0.5f, 0f}, 4).apply(img, new Rng(0));
        int hidden = 0;
        for (int y = 0; y < 8; y++) {
            for (int x = 0; x < 12; x++) {
                boolean in = y >= 2 && y < 6 && x >= 3 && x < 9; // 4 × 6 = a quarter, centred
                assertThat(c.data()[y * 12 + x]).isEqualTo(in ? 0.5f : 1f);
                assertThat(c.data()[96 + y * 12 + x]).isEqualTo(in ? 0f : 1f);
                if (in) hidden++;
            }
        }
        assertThat(hidden).isEqualTo(24);
        Occlusion p = new Occlusion(Occlusion.Mode.PATCHES, 0.5, new float[] {0f, 0f}, 4);
        assertThat(p.coveredFraction(8, 12)).isEqualTo(0.5);
        Image q = p.apply(img, new Rng(3)), q2 = p.apply(img, new Rng(3));
        assertThat(q.data()).containsExactly(q2.data());
        int zeros = 0;
        for (float v : q.data()) if (v == 0f) zeros++;
        assertThat(zeros).isEqualTo(3 * 16 * 2); // 3 of 6 patches, both channels
        assertThatThrownBy(() -> new Occlusion(Occlusion.Mode.CENTER, 1.5, new float[] {0}, 4)).hasMessageContaining("[0, 1]");
        assertThatThrownBy(() -> Occlusion.Mode.parse("ring")).hasMessageContaining("center or patches");
    }

    /** Reads the mean of the image's left, right, top and bottom halves: perfect on PatternImages, lost as the image is covered. */
    static final class HalfReader implements Classifier {
        @Override
        public Tensor logits(Ops ops, Tensor images) {
            int b = images.dim(0), s = images.dim(2);
            float[] x = images.toFloatArray(), out = new float[b * 4];
            for (int i = 0; i < b; i++) {
                for (int y = 0; y < s; y++) {
                    for (int z = 0; z < s; z++) {
                        float v = x[(i * s + y) * s + z];
                        out[i * 4 + (z < s / 2 ? 0 : 1)] += v;
                        out[i * 4 + (y < s / 2 ? 2 : 3)] += v;
                    }
                }
            }
            return ops.tensor(out, b, 4);
        }

        @Override public int classes() { return 4; }

        @Override public VitConfig input() {
            return new VitConfig(8, 2, 1, 16, 1, 2, 4.0, true, 1e-6, VitConfig.Pooling.CLS, VitConfig.PosEmbed.FIXED_SINCOS, 4, 0.0);
        }

        @Override public Normalize normalize() { return new Normalize(new float[] {0.45f}, new float[] {0.25f}); }

        @Override public String describe() { return "half reader"; }
    }

    @Test
    void accuracyFallsWithTheOccludedFractionAndTheFigureIsWritten() throws Exception {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            PatternImages test = new PatternImages(200, 8, 5);
            double[] ratios = {0, 0.25, 0.5, 1.0};
            OcclusionSweep.Result r = OcclusionSweep.run(ctx, new HalfReader(), test, Transform.identity(), Occlusion.Mode.CENTER, ratios,
                    OcclusionSweep.Fill.MEAN, 64, 0, ProgressListener.NONE);
            assertThat(r.points()).hasSize(4);
            assertThat(r.points().get(0).top1()).isGreaterThan(0.95);
            assertThat(r.points().get(3).covered()).isEqualTo(1.0);
            assertThat(r.points().get(3).top1()).as("everything hidden: the tie goes to class 0").isCloseTo(0.25, within(1e-12));
            for (int i = 1; i < 4; i++) assertThat(r.points().get(i).top1()).isLessThanOrEqualTo(r.points().get(i - 1).top1() + 1e-12);
            OcclusionSweep.Result p = OcclusionSweep.run(ctx, new HalfReader(), test, Transform.identity(), Occlusion.Mode.PATCHES, new double[] {0.5},
                    OcclusionSweep.Fill.BLACK, 64, 1, ProgressListener.NONE);
            assertThat(p.points().get(0).covered()).isEqualTo(0.5);
            OcclusionFigure.write(r, dir.resolve("occ"), "test");
            assertThat(Files.size(dir.resolve("occ.png"))).isGreaterThan(1000);
            assertThat(r.pointMaps()).hasSize(4);
            PatternImages wrong = new PatternImages(10, 16, 1);
            assertThatThrownBy(() -> OcclusionSweep.run(ctx, new HalfReader(), wrong, Transform.identity(), Occlusion.Mode.CENTER, ratios,
                    OcclusionSweep.Fill.MEAN, 8, 0, ProgressListener.NONE)).hasMessageContaining("the classifier takes 1×8×8");
        }
    }
}
