// Unit tests of LUT: two-view masking, the eval-mode target, the EMA over parameters and buffers,
// float64 directional gradient checks, the method contract, and a slow learning test.
package io.tessera.ssl.lut;

import io.tessera.nn.Parameter;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.method.Batch;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** LUT invariants: disjoint visible sets, target BN in eval mode, EMA over buffers, exact gradients, learning. */
class LutTest {
    @Test
    void twoViewsSeeDisjointVisibleSetsFromOneNoiseDraw() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            for (int seed = 0; seed < 10; seed++) {
                LutMasking.Plans p = LutMasking.sample(ctx.ops(), new Rng(seed), 3, 196, 0.75);
                MaskPlan a = p.view1(), b = p.view2();
                assertThat(a.kept()).isEqualTo(49);
                assertThat(b.kept()).isEqualTo(49);
                int[] sh = a.idsShuffle().toIntArray(), k1 = a.idsKeep().toIntArray(), k2 = b.idsKeep().toIntArray();
                int[] sh2 = b.idsShuffle().toIntArray(), re2 = b.idsRestore().toIntArray();
                float[] m1 = a.mask().toFloatArray(), m2 = b.mask().toFloatArray();
                for (int s = 0; s < 3; s++) {
                    Set<Integer> v1 = new HashSet<>(), v2 = new HashSet<>();
                    for (int i = 0; i < 49; i++) {
                        v1.add(k1[s * 49 + i]);
                        v2.add(k2[s * 49 + i]);
                        assertThat(k2[s * 49 + i]).as("view 2 keeps ids_shuffle[K:2K]").isEqualTo(sh[s * 196 + 49 + i]);
                    }
                    assertThat(v1).hasSize(49).doesNotContainAnyElementsOf(v2);
                    assertThat(v2).hasSize(49);
                    int visible2 = 0;
                    for (int t = 0; t < 196; t++) {
                        assertThat(sh2[s * 196 + re2[s * 196 + t]]).isEqualTo(t);
                        assertThat(m1[s * 196 + t] == 0).isEqualTo(v1.contains(t));
                        assertThat(m2[s * 196 + t] == 0).isEqualTo(v2.contains(t));
                        if (m2[s * 196 + t] == 0) visible2++;
                    }
                    assertThat(visible2).isEqualTo(49);
                }
            }
            assertThatThrownBy(() -> LutMasking.sample(ctx.ops(), new Rng(0), 1, 16, 0.4)).hasMessageContaining("disjoint");
        }
    }

    @Test
    void targetStartsAsACopyAndUsesRunningStatistics() {
        try (ExecutionContext ctx = ExecutionContext.reference(2)) {
            Ops ops = ctx.ops();
            Lut lut = Lut.create(ctx, LutConfig.micro16(), DType.F64);
            assertThat(lut.target().store().values().toDoubleArray()).containsExactly(lut.online().store().values().toDoubleArray());
            assertThat(lut.target().isTraining()).isFalse();
            assertThat(lut.target().store().parameters()).noneMatch(Parameter::trainable);
            LutMethod method = new LutMethod(lut, MomentumSchedule.cosine(0.996, 100));
            method.train(true);
            assertThat(lut.target().isTraining()).as("train(true) leaves the target in eval mode").isFalse();
            assertThat(lut.online().head().batchNorm().isTraining()).isTrue();

            Tensor imgs = MethodChecks.images(ops, new Rng(5), 4, 3, 16, true);
            double[] targetBuffers = lut.target().store().bufferValues().toDoubleArray();
            try (Scope s = ctx.openScope()) {
                Tensor kAll = lut.targetKey(ops, imgs);                              // (4, D)
                Tensor kTwo = lut.targetKey(ops, ops.slice(imgs, 0, 0, 2));          // (2, D)
                // eval-mode BN: a sample's key does not depend on the rest of the batch
                double[] a = kAll.toDoubleArray(), b = kTwo.toDoubleArray();
                for (int i = 0; i < b.length; i++) assertThat(a[i]).isCloseTo(b[i], org.assertj.core.data.Offset.offset(1e-12));
                LutMasking.Plans plans = LutMasking.sample(ops, new Rng(3), 4, 16, 0.75);
                lut.forward(ops, imgs, MethodChecks.colourShift(ops, imgs), plans);
            }
            assertThat(lut.target().store().bufferValues().toDoubleArray()).as("target BN buffers untouched").containsExactly(targetBuffers);
            assertThat(lut.online().head().batchNorm().numBatchesTracked().tensor().item()).as("one update per view").isEqualTo(2.0);
            assertThat(lut.online().predictor().batchNorm().numBatchesTracked().tensor().item()).isEqualTo(2.0);
        }
    }

    @Test
    void emaMovesParametersAndBuffers() {
        try (ExecutionContext ctx = ExecutionContext.reference(3)) {
            Ops ops = ctx.ops();
            Lut lut = Lut.create(ctx, LutConfig.micro16(), DType.F64);
            Tensor imgs = MethodChecks.images(ops, new Rng(6), 4, 3, 16, true);
            try (Scope s = ctx.openScope()) {
                lut.forward(ops, imgs, MethodChecks.colourShift(ops, imgs), LutMasking.sample(ops, new Rng(4), 4, 16, 0.75));
            }
            Tensor w = lut.online().store().tensor("head.0.weight");
            ctx.backend().affine(w, w, 1.5, 0.0);
            double[] tb = lut.target().store().bufferValues().toDoubleArray(), ob = lut.online().store().bufferValues().toDoubleArray();
            double[] tp = lut.target().store().values().toDoubleArray(), op = lut.online().store().values().toDoubleArray();
            assertThat(tb).isNotEqualTo(ob);
            lut.updateTarget(0.75);
            double[] nb = lut.target().store().bufferValues().toDoubleArray(), np = lut.target().store().values().toDoubleArray();
            for (int i = 0; i < nb.length; i++) assertThat(nb[i]).isCloseTo(0.75 * tb[i] + 0.25 * ob[i], org.assertj.core.data.Offset.offset(1e-12));
            for (int i = 0; i < np.length; i++) assertThat(np[i]).isCloseTo(0.75 * tp[i] + 0.25 * op[i], org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @Test
    void lossGradientMatchesCentralDifferencesInFloat64() {
        try (ExecutionContext ctx = ExecutionContext.reference(4)) {
            Ops ops = ctx.ops();
            Lut lut = Lut.create(ctx, LutConfig.micro16().withWeights(1.0, 1.0), DType.F64);
            // a target different from the online network, as after training
            Tensor tv = lut.target().store().values();
            double[] t = tv.toDoubleArray();
            Rng r = new Rng(8);
            for (int i = 0; i < t.length; i++) t[i] += 0.05 * r.nextGaussian();
            tv.backend().write(tv, t);
            Tensor v1 = MethodChecks.images(ops, new Rng(7), 4, 3, 16, true), v2 = MethodChecks.colourShift(ops, v1);
            LutMasking.Plans plans = LutMasking.sample(ops, new Rng(9), 4, 16, 0.75);
            for (long seed : List.of(1L, 2L)) {
                MethodChecks.Directional d = MethodChecks.directional(ctx, lut.online().store(),
                        () -> lut.forward(ops, v1, v2, plans).total(), seed, 1e-6);
                assertThat(Math.abs(d.analytic())).isGreaterThan(1e-6);
                assertThat(d.relativeError()).as("directional derivative %s", d).isLessThan(1e-6);
            }
            // the consistency term alone
            MethodChecks.Directional d = MethodChecks.directional(ctx, lut.online().store(),
                    () -> lut.forward(ops, v1, v2, plans).bc(), 3, 1e-6);
            assertThat(d.relativeError()).as("L_bc directional derivative %s", d).isLessThan(1e-6);
        }
    }

    @Test
    void methodContract() {
        try (ExecutionContext ctx = ExecutionContext.reference(6)) {
            Ops ops = ctx.ops();
            Lut lut = Lut.create(ctx, LutConfig.micro16(), DType.F64);
            LutMethod m = LutMethod.withCosineMomentum(lut, 10);
            assertThat(m.name()).isEqualTo("lut");
            assertThat(m.stores()).containsOnlyKeys("student", "target");
            assertThat(m.evaluationRole()).isEqualTo("student");
            assertThat(m.trainable()).isSameAs(lut.online().store());
            Tensor v1 = MethodChecks.images(ops, new Rng(1), 4, 3, 16, true);
            try (Scope s = ctx.openScope()) {
                var out = m.forward(ops, new Batch(v1, null, List.of(MethodChecks.colourShift(ops, v1))), new Rng(2));
                assertThat(out.parts()).containsOnlyKeys("loss_mae", "loss_bc");
                assertThat(out.total().item()).isCloseTo(out.parts().get("loss_mae").item() + 0.25 * out.parts().get("loss_bc").item(),
                        org.assertj.core.data.Offset.offset(1e-12));
            }
            assertThatThrownBy(() -> m.forward(ops, new Batch(v1, null), new Rng(2))).hasMessageContaining("view 1");
            Tensor w = lut.online().store().tensor("predictor.3.weight");
            ctx.backend().affine(w, w, 2.0, 0.0);
            double before = lut.target().store().tensor("predictor.3.weight").toDoubleArray()[0];
            double online = w.toDoubleArray()[0];
            m.afterOptimizerStep(0); // m(0) = 0.996
            assertThat(lut.target().store().tensor("predictor.3.weight").toDoubleArray()[0])
                    .isCloseTo(0.996 * before + 0.004 * online, org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @Test
    @Tag("slow")
    void lossFallsOverAFewHundredSteps() {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 5)) {
            Ops ops = ctx.ops();
            Lut lut = Lut.create(ctx, LutConfig.micro16(), DType.F32);
            LutMethod method = new LutMethod(lut, MomentumSchedule.cosine(0.996, 300));
            Batch[] batches = new Batch[4];
            for (int i = 0; i < batches.length; i++) {
                Tensor v1 = MethodChecks.images(ops, new Rng(100 + i), 8, 3, 16, false);
                batches[i] = new Batch(v1, null, List.of(MethodChecks.colourShift(ops, v1)));
            }
            double[] losses = MethodChecks.train(ctx, method, batches, 300, 1e-3);
            for (double l : losses) assertThat(l).isFinite();
            assertThat(MethodChecks.mean(losses, 280, 300)).isLessThan(0.8 * MethodChecks.mean(losses, 0, 20));
        }
    }
}
