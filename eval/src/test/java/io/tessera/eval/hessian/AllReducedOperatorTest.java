package io.tessera.eval.hessian;

import io.tessera.eval.objective.FrozenObjective;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.dist.InProcessGroup;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The Hessian of an objective shared among ranks (threads of this JVM standing in for processes):
 * the summed products, the power iteration run on them, the loss and the per-batch spectra equal
 * those of the whole objective in one process, and every rank holds the same numbers. A rank whose
 * share fails makes every rank throw.
 */
class AllReducedOperatorTest {
    private static final MaeConfig CFG = HvpModels.nano();
    /** 3 batches: rank 0 holds batch 0, rank 1 batches 1 and 2 (⌊r·3/2⌋). */
    private static final int BATCHES = 3, SIZE = 2;

    private record Whole(double[] hv, double loss, PowerIterationResult top, BatchSpectraResult spectra) {
    }

    private record Ranked(double[] hv, double loss, PowerIterationResult top, BatchSpectraResult spectra, double[] weights) {
    }

    private static final PowerIteration.Settings POWER = new PowerIteration.Settings(2, 40, 1e-10, 3);
    private static final BatchSpectra.Settings SPECTRA = new BatchSpectra.Settings(new PowerIteration.Settings(1, 30, 1e-8, 11), 4);

    private static double[] direction(int n) {
        Rng r = new Rng(9);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextGaussian();
        return v;
    }

    private static Whole whole() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            PretrainMethod m = HvpModels.method(ctx, "mae", CFG, DType.F64);
            FrozenObjective obj = HvpModels.objective(m, HvpModels.batches(ctx, CFG, BATCHES, SIZE, DType.F64, 4));
            ParameterSelection sel = ParameterSelection.of(m.trainable(), ParameterSelection.Rule.ALL_TRAINABLE);
            double loss = obj.value(ctx);
            double[] out;
            PowerIterationResult top;
            try (HessianVectorProduct hvp = new HessianVectorProduct(ctx, obj, sel)) {
                out = new double[hvp.dimension()];
                hvp.apply(direction(hvp.dimension()), out);
                top = PowerIteration.run(hvp, POWER);
            }
            try (PerBatchOperators ops = new PerBatchOperators(ctx, obj, sel)) {
                return new Whole(out, loss, top, BatchSpectra.collect(ops, SPECTRA));
            }
        }
    }

    private static Ranked rank(io.tessera.tensor.dist.Collective group) {
        int r = group.rank(), w = group.worldSize();
        int from = r * BATCHES / w, to = (r + 1) * BATCHES / w;
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            PretrainMethod m = HvpModels.method(ctx, "mae", CFG, DType.F64);
            List<Batch> all = HvpModels.batches(ctx, CFG, BATCHES, SIZE, DType.F64, 4);
            FrozenObjective share = FrozenObjective.share(m, all.subList(from, to), from, BATCHES, BATCHES * SIZE, 5, FrozenObjective.Terms.TASK, 0);
            ParameterSelection sel = ParameterSelection.of(m.trainable(), ParameterSelection.Rule.ALL_TRAINABLE);
            double[] weights = new double[to - from];
            for (int b = 0; b < weights.length; b++) weights[b] = share.weight(b);
            double loss = AllReducedOperator.sum(group, () -> share.value(ctx));
            double[] out;
            PowerIterationResult top;
            // rank 0's one batch keeps its graph on the context: close it before the per-batch operators
            try (HessianVectorProduct hvp = new HessianVectorProduct(ctx, share, sel)) {
                AllReducedOperator op = new AllReducedOperator(hvp, group);
                out = new double[op.dimension()];
                op.apply(direction(op.dimension()), out);
                top = PowerIteration.run(op, POWER);
            }
            try (PerBatchOperators ops = new PerBatchOperators(ctx, share, sel)) {
                return new Ranked(out, loss, top, BatchSpectra.collect(ops, from, BATCHES, SPECTRA, group, ProgressListener.NONE), weights);
            }
        }
    }

    @Test
    void twoRanksSharingTheBatchesComputeTheWholeObjectivesHessian() throws Exception {
        Whole one = whole();
        List<Ranked> ranks = InProcessGroup.run(2, AllReducedOperatorTest::rank);
        Ranked r0 = ranks.get(0), r1 = ranks.get(1);
        // weights of the whole: B_b / N = 2/6 for every batch, not 2/2 or 2/4 of a share
        assertThat(r0.weights()).containsExactly(1.0 / 3);
        assertThat(r1.weights()).containsExactly(1.0 / 3, 1.0 / 3);
        double scale = 0;
        for (double x : one.hv()) scale = Math.max(scale, Math.abs(x));
        assertThat(scale).isGreaterThan(1e-3);
        for (int i = 0; i < one.hv().length; i++) assertThat(r0.hv()[i]).as("H·v[%d]", i).isCloseTo(one.hv()[i], within(1e-12 * scale));
        assertThat(r1.hv()).isEqualTo(r0.hv());
        assertThat(r0.loss()).isCloseTo(one.loss(), within(1e-13 * Math.abs(one.loss())));
        assertThat(r1.loss()).isEqualTo(r0.loss());
        // the ranks ran the same iterations on the same products
        assertThat(r1.top().eigenvalues()).isEqualTo(r0.top().eigenvalues());
        assertThat(r0.top().iterations()).isEqualTo(one.top().iterations());
        for (int k = 0; k < 2; k++) {
            assertThat(r0.top().eigenvalues()[k]).isCloseTo(one.top().eigenvalues()[k], within(1e-9 * Math.abs(one.top().eigenvalues()[k])));
        }
        // per-batch spectra: each batch computed by the rank that holds it, with the masks and seed it has in one process
        for (Ranked r : List.of(r0, r1)) {
            assertThat(r.spectra().perBatch()).hasSize(BATCHES);
            assertThat(r.spectra().values()).isEqualTo(one.spectra().values());
            assertThat(r.spectra().histogram().counts()).isEqualTo(one.spectra().histogram().counts());
            for (int b = 0; b < BATCHES; b++) {
                assertThat(r.spectra().perBatch().get(b).settings().seed()).isEqualTo(11 + b);
                assertThat(r.spectra().perBatch().get(b).iterations()).isEqualTo(one.spectra().perBatch().get(b).iterations());
                assertThat(r.spectra().perBatch().get(b).operatorApplications()).isEqualTo(one.spectra().perBatch().get(b).operatorApplications());
            }
        }
        assertThat(one.spectra().values()[0]).isNotEqualTo(one.spectra().values()[2]);
    }

    @Test
    void aRankWhoseShareFailsMakesEveryRankThrow() throws Exception {
        // each rank returns what it threw, so that both outcomes can be looked at
        List<Object> out = InProcessGroup.run(2, group -> {
            SymmetricOperator share = group.rank() == 1
                    ? new SymmetricOperator() {
                        public int dimension() { return 3; }
                        public void apply(double[] v, double[] o) { throw new IllegalStateException("the loss of batch 2 (of 3) is NaN"); }
                    }
                    : DenseOperator.diagonal(1, 2, 3);
            try {
                new AllReducedOperator(share, group).apply(new double[]{1, 1, 1}, new double[3]);
                return "returned";
            } catch (IllegalStateException e) {
                return e;
            }
        });
        assertThat(out.get(1)).isInstanceOf(IllegalStateException.class).hasToString("java.lang.IllegalStateException: the loss of batch 2 (of 3) is NaN");
        assertThat((Throwable) out.get(0)).isInstanceOf(IllegalStateException.class)
                .hasMessage("the Hessian-vector product summed over the 2 ranks is not finite: another rank's share failed (that rank names the cause)");
    }

    @Test
    void aShareMustFitTheWhole() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            PretrainMethod m = HvpModels.method(ctx, "mae", CFG, DType.F64);
            List<Batch> two = HvpModels.batches(ctx, CFG, 2, SIZE, DType.F64, 4);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> FrozenObjective.share(m, two, 2, 3, 6, 5, FrozenObjective.Terms.TASK, 0))
                    .hasMessage("a share of batches 2..3 does not fit in an objective of 3 batches");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> FrozenObjective.share(m, two, 0, 3, 3, 5, FrozenObjective.Terms.TASK, 0))
                    .hasMessage("a share of 4 samples does not fit in an objective of 3");
            FrozenObjective s = FrozenObjective.share(m, two.subList(1, 2), 1, 3, 6, 5, FrozenObjective.Terms.TASK, 0);
            assertThat(s.samples()).isEqualTo(6);
            assertThat(s.firstBatch()).isEqualTo(1);
            assertThat(s.totalBatches()).isEqualTo(3);
            assertThat(s.describe()).containsEntry("batches", 3L).containsEntry("share", "batches 1..1");
        }
    }
}
