// Unit tests of SimMIM and LUT-SimMIM: coarse-grid masks (ceil, expansion), the L1 loss and decoder layout
// against hand computations, pooling over visible patches, float64 directional checks, slow learning tests.
package io.tessera.ssl.simmim;

import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.lut.MethodChecks;
import io.tessera.ssl.method.Batch;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** SimMIM masking, decoder layout, L1 loss, gradients and learning; LUT-SimMIM masks, pooling, gradients. */
class SimMimTest {
    @Test
    void maskCountRoundsUpOnTheCoarseGridAndExpandsToPatches() {
        SimMimConfig base = SimMimConfig.base();
        assertThat(base.cells()).isEqualTo(49);
        assertThat(base.scale()).isEqualTo(2);
        assertThat(base.maskedCells()).as("ceil(49 · 0.6)").isEqualTo(30);
        assertThat(SimMimConfig.micro16().maskedCells()).as("ceil(4 · 0.6)").isEqualTo(3);
        assertThat(base.withMask(16, 0.6).maskedCells()).as("ceil(196 · 0.6)").isEqualTo(118);
        assertThatThrownBy(() -> base.withMask(24, 0.6)).hasMessageContaining("multiple");

        assertThat(SimMimMasking.expand(new float[]{1, 0, 0, 1}, 1, 2, 2))
                .containsExactly(1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1);

        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            for (int seed = 0; seed < 5; seed++) {
                float[] m = SimMimMasking.sample(ctx.ops(), new Rng(seed), 3, base).toFloatArray();
                for (int b = 0; b < 3; b++) {
                    int masked = 0;
                    for (int r = 0; r < 14; r++) {
                        for (int c = 0; c < 14; c++) {
                            float v = m[b * 196 + r * 14 + c];
                            masked += (int) v;
                            assertThat(v).as("2×2 blocks are constant").isEqualTo(m[b * 196 + (r / 2 * 2) * 14 + c / 2 * 2]);
                        }
                    }
                    assertThat(masked).isEqualTo(30 * 4);
                }
            }
        }
    }

    @Test
    void lutPairHasDisjointVisibleSets() {
        SimMimConfig c = SimMimConfig.base();
        try (ExecutionContext ctx = ExecutionContext.reference(2)) {
            SimMimMasking.Pair p = SimMimMasking.samplePair(ctx.ops(), new Rng(3), 4, c);
            float[] a = p.view1().toFloatArray(), b = p.view2().toFloatArray();
            for (int s = 0; s < 4; s++) {
                int v1 = 0, v2 = 0;
                for (int l = 0; l < 196; l++) {
                    assertThat(a[s * 196 + l] == 0 && b[s * 196 + l] == 0).as("patch %d visible in both views", l).isFalse();
                    if (a[s * 196 + l] == 0) v1++;
                    if (b[s * 196 + l] == 0) v2++;
                }
                assertThat(v1).isEqualTo(19 * 4);
                assertThat(v2).isEqualTo(19 * 4);
            }
            assertThatThrownBy(() -> SimMimMasking.samplePair(ctx.ops(), new Rng(0), 1, c.withMask(32, 0.3))).hasMessageContaining("disjoint");
        }
    }

    @Test
    void l1LossAndDecoderLayoutMatchAHandComputation() {
        try (ExecutionContext ctx = ExecutionContext.reference(3)) {
            Ops ops = ctx.ops();
            SimMim sm = SimMim.create(ctx, SimMimConfig.micro16(), DType.F64);
            int b = 2, p = 4, c = 3, l = 16, pv = 48;
            Rng r = new Rng(11);
            Tensor imgs = MethodChecks.images(ops, r, b, c, 16, true);
            double[] predD = new double[b * l * pv];
            for (int i = 0; i < predD.length; i++) predD[i] = r.nextGaussian();
            float[] maskF = new float[b * l];
            for (int i = 0; i < maskF.length; i++) maskF[i] = r.nextDouble() < 0.5 ? 1 : 0;
            Tensor pred = ops.tensor(predD, b, l, pv), mask = ops.tensor(maskF, b, l);
            double[] img = imgs.toDoubleArray();
            double sum = 0, maskedPixels = 0;
            for (int n = 0; n < b; n++) {
                for (int t = 0; t < l; t++) maskedPixels += maskF[n * l + t] * p * p;
                for (int ch = 0; ch < c; ch++) {
                    for (int y = 0; y < 16; y++) {
                        for (int x = 0; x < 16; x++) {
                            int patch = (y / p) * 4 + x / p, idx = ((y % p) * p + x % p) * c + ch;
                            if (maskF[n * l + patch] == 1) sum += Math.abs(img[((n * c + ch) * 16 + y) * 16 + x] - predD[(n * l + patch) * pv + idx]);
                        }
                    }
                }
            }
            assertThat(sm.loss(ops, imgs, pred, mask).item()).isCloseTo(sum / (maskedPixels + 1e-5) / c, Offset.offset(1e-12));

            // decoder: Linear output o = c·P² + py·P + px (PixelShuffle order) lands at (py·P + px)·C + c
            double[] latD = new double[b * (l + 1) * 32];
            for (int i = 0; i < latD.length; i++) latD[i] = r.nextGaussian();
            Tensor latent = ops.tensor(latD, b, l + 1, 32);
            double[] w = sm.decoder().weight().tensor().toDoubleArray(), bias = sm.decoder().bias().tensor().toDoubleArray();
            double[] got = sm.decode(ops, latent).toDoubleArray();
            for (int n = 0; n < b; n++) {
                for (int t = 0; t < l; t++) {
                    for (int o = 0; o < pv; o++) {
                        double y = bias[o];
                        for (int d = 0; d < 32; d++) y += w[o * 32 + d] * latD[(n * (l + 1) + 1 + t) * 32 + d];
                        int ch = o / (p * p), py = (o % (p * p)) / p, px = o % p;
                        assertThat(got[(n * l + t) * pv + (py * p + px) * c + ch]).isCloseTo(y, Offset.offset(1e-12));
                    }
                }
            }
        }
    }

    @Test
    void maskedPatchesAreReplacedByTheMaskToken() {
        try (ExecutionContext ctx = ExecutionContext.reference(4)) {
            Ops ops = ctx.ops();
            SimMim sm = SimMim.create(ctx, SimMimConfig.micro16(), DType.F64);
            Tensor all = ops.full(io.tessera.tensor.Shape.of(2, 16), DType.F32, 1);
            Tensor a = sm.encode(ops, MethodChecks.images(ops, new Rng(1), 2, 3, 16, true), all);
            Tensor b = sm.encode(ops, MethodChecks.images(ops, new Rng(2), 2, 3, 16, true), all);
            assertThat(a.toDoubleArray()).containsExactly(b.toDoubleArray());
            double tok = sm.maskToken().tensor().toDoubleArray()[0];
            for (double v : sm.maskToken().tensor().toDoubleArray()) assertThat(Math.abs(v)).isLessThanOrEqualTo(0.02);
            assertThat(tok).isNotZero();
            assertThat(sm.maskToken().decay()).as("mask token excluded from weight decay").isFalse();
        }
    }

    @Test
    void poolVisibleAveragesTheUnmaskedPatchTokens() {
        try (ExecutionContext ctx = ExecutionContext.reference(5)) {
            Ops ops = ctx.ops();
            double[] z = new double[2 * 4 * 2];
            for (int i = 0; i < z.length; i++) z[i] = i;
            Tensor pooled = LutSimMimNetwork.poolVisible(ops, ops.tensor(z, 2, 4, 2), ops.tensor(new float[]{0, 1, 0, 1, 1, 0}, 2, 3));
            // sample 0: patch tokens 0 and 2 → rows (2,3) and (6,7); sample 1: patch token 2 → row (14,15)
            assertThat(pooled.toDoubleArray()).containsExactly(4, 5, 14, 15);
        }
    }

    @Test
    void simMimLossGradientMatchesCentralDifferencesInFloat64() {
        try (ExecutionContext ctx = ExecutionContext.reference(6)) {
            Ops ops = ctx.ops();
            SimMim sm = SimMim.create(ctx, SimMimConfig.micro16(), DType.F64);
            Tensor imgs = MethodChecks.images(ops, new Rng(7), 2, 3, 16, true);
            Tensor mask = SimMimMasking.sample(ops, new Rng(8), 2, sm.config());
            MethodChecks.Directional d = MethodChecks.directional(ctx, sm.store(), () -> sm.forward(ops, imgs, mask).loss(), 1, 1e-6);
            assertThat(Math.abs(d.analytic())).isGreaterThan(1e-6);
            assertThat(d.relativeError()).as("directional derivative %s", d).isLessThan(1e-6);
        }
    }

    @Test
    void lutSimMimLossGradientMatchesCentralDifferencesInFloat64() {
        try (ExecutionContext ctx = ExecutionContext.reference(7)) {
            Ops ops = ctx.ops();
            LutSimMim m = LutSimMim.create(ctx, LutSimMimConfig.micro16(), DType.F64);
            Tensor tv = m.target().store().values();
            double[] t = tv.toDoubleArray();
            Rng r = new Rng(9);
            for (int i = 0; i < t.length; i++) t[i] += 0.05 * r.nextGaussian();
            tv.backend().write(tv, t);
            Tensor v1 = MethodChecks.images(ops, new Rng(10), 4, 3, 16, true), v2 = MethodChecks.colourShift(ops, v1);
            SimMimMasking.Pair masks = SimMimMasking.samplePair(ops, new Rng(11), 4, m.config().simmim());
            MethodChecks.Directional d = MethodChecks.directional(ctx, m.online().store(), () -> m.forward(ops, v1, v2, masks).total(), 2, 1e-6);
            assertThat(Math.abs(d.analytic())).isGreaterThan(1e-6);
            assertThat(d.relativeError()).as("directional derivative %s", d).isLessThan(1e-6);
            double[] before = m.target().store().bufferValues().toDoubleArray();
            try (Scope s = ctx.openScope()) {
                m.forward(ops, v1, v2, masks);
            }
            assertThat(m.target().store().bufferValues().toDoubleArray()).as("target BN in eval mode").containsExactly(before);
        }
    }

    @Test
    @Tag("slow")
    void simMimLossFallsOverAFewHundredSteps() {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 8)) {
            Ops ops = ctx.ops();
            // patch-sized mask cells (10 of 16 patches masked): scattered visible patches make the toy images predictable
            SimMimMethod method = new SimMimMethod(SimMim.create(ctx, SimMimConfig.micro16().withMask(4, 0.6), DType.F32));
            Batch[] batches = new Batch[4];
            for (int i = 0; i < batches.length; i++) batches[i] = new Batch(MethodChecks.images(ops, new Rng(200 + i), 8, 3, 16, false), null);
            double[] losses = MethodChecks.train(ctx, method, batches, 300, 2e-3);
            for (double l : losses) assertThat(l).isFinite();
            // raw-pixel L1 on random waves falls slowly but steadily: every 100-step window below the previous one
            double w0 = MethodChecks.mean(losses, 0, 20), w1 = MethodChecks.mean(losses, 90, 110);
            double w2 = MethodChecks.mean(losses, 190, 210), w3 = MethodChecks.mean(losses, 280, 300);
            assertThat(w1).isLessThan(w0);
            assertThat(w2).isLessThan(w1);
            assertThat(w3).isLessThan(w2).isLessThan(0.93 * w0);
        }
    }

    @Test
    @Tag("slow")
    void lutSimMimLossFallsOverAFewHundredSteps() {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 9)) {
            Ops ops = ctx.ops();
            LutSimMimMethod method = new LutSimMimMethod(LutSimMim.create(ctx, LutSimMimConfig.micro16(), DType.F32), MomentumSchedule.cosine(0.996, 300));
            Batch[] batches = new Batch[4];
            for (int i = 0; i < batches.length; i++) {
                Tensor v1 = MethodChecks.images(ops, new Rng(300 + i), 8, 3, 16, false);
                batches[i] = new Batch(v1, null, List.of(MethodChecks.colourShift(ops, v1)));
            }
            double[] losses = MethodChecks.train(ctx, method, batches, 300, 1e-3);
            for (double l : losses) assertThat(l).isFinite();
            assertThat(MethodChecks.mean(losses, 280, 300)).isLessThan(0.8 * MethodChecks.mean(losses, 0, 20));
        }
    }

}
