package io.tessera.ssl.rcmae.theory;

import io.tessera.ssl.rcmae.theory.LinearConsistencyModel.Batch;
import io.tessera.ssl.rcmae.theory.LinearConsistencyModel.Config;
import io.tessera.ssl.rcmae.theory.LinearConsistencyModel.TeacherInput;
import io.tessera.ssl.rcmae.theory.LinearConsistencyModel.Trajectory;
import io.tessera.ssl.rcmae.theory.PropositionSummary.StepSummary;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.tessera.ssl.rcmae.theory.LinearConsistencyModel.relativeResidual;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Proposition 4.1's identities on the float64 linear toy model (methods spec §4.7 check (a)). */
class LinearConsistencyModelTest {
    private static final double EXACT = 1e-12;
    private static final int STEPS = 40;

    @Test
    void withTheSameMaskEveryIdentityHoldsToRounding() {
        Trajectory tr = new LinearConsistencyModel(Config.defaults(3)).run(STEPS);
        for (int t = 1; t < STEPS; t++) {
            var s = tr.step(t);
            assertThat(s.teacherX()).as("same mask: X' = X").isDeepEqualTo(s.x());
            assertThat(relativeResidual(LinearConsistencyModel.gapFromUpdates(tr, t), LinearConsistencyModel.gap(tr, t))).as("step 2 at t=%d", t).isLessThan(EXACT);
            assertThat(relativeResidual(LinearConsistencyModel.consistencyGradientFromGap(tr, t), s.consistencyGrad())).as("step 3 at t=%d", t).isLessThan(EXACT);
            assertThat(relativeResidual(LinearConsistencyModel.consistencyGradientFromPastGradients(tr, t), s.consistencyGrad())).as("step 5 at t=%d", t).isLessThan(EXACT);
            assertThat(relativeResidual(LinearConsistencyModel.consistencyGradientWithMaskTerm(tr, t), s.consistencyGrad())).as("step 6 at t=%d", t).isLessThan(EXACT);
            assertThat(Matrices.norm(LinearConsistencyModel.maskTerm(tr, t))).isZero();
        }
        assertThat(Matrices.norm(tr.step(10).consistencyGrad())).as("the identities are not 0 = 0").isGreaterThan(1e-4);
    }

    @Test
    void theErrorFormIsAnApproximationWhoseResidualIsTheDroppedConsistencyPart() {
        Trajectory tr = new LinearConsistencyModel(Config.defaults(3)).run(STEPS);
        List<StepSummary> sums = PropositionSummary.of(tr);
        // t = 1: G_0 has no consistency part (Ŵ_0 = W_0 sees the same input), so E_0 X_0ᵀ is G_0 exactly
        assertThat(sums.get(1).errorApproxResidual()).isLessThan(EXACT);
        double late = sums.subList(20, STEPS).stream().mapToDouble(StepSummary::errorApproxResidual).average().orElseThrow();
        assertThat(late).as("later steps drop γ(W_j X_j − Ŵ_j X_j)X_jᵀ").isGreaterThan(1e-6).isFinite();
        double lateSmallGamma = PropositionSummary.of(new LinearConsistencyModel(Config.defaults(3).withGamma(0.1)).run(STEPS)).subList(20, STEPS).stream()
                .mapToDouble(StepSummary::errorApproxResidual).average().orElseThrow();
        assertThat(lateSmallGamma).as("a weaker consistency term leaves less to drop").isLessThan(0.5 * late);
        // with γ = 0 in the past gradients the error form would be exact: check it against the full G_j minus the dropped term
        for (int t = 2; t < STEPS; t++) {
            double[][] dropped = Matrices.zeros(8, 16);
            double[][] xt = tr.step(t).x();
            for (int j = 0; j < t; j++) {
                var g = tr.step(j).consistencyGrad();
                dropped = Matrices.add(dropped, Matrices.scale(Matrices.mulTransposed(Matrices.mul(g, xt), xt), -tr.config().eta() * tr.config().gamma() * Math.pow(0.9, t - j)));
            }
            double[][] viaErrors = Matrices.add(LinearConsistencyModel.consistencyGradientFromErrors(tr, t), dropped);
            assertThat(relativeResidual(viaErrors, tr.step(t).consistencyGrad())).as("t=%d", t).isLessThan(EXACT);
        }
    }

    @Test
    void withAnIndependentMaskStepThreeFailsAndStepSixHolds() {
        Trajectory tr = new LinearConsistencyModel(Config.defaults(3).withTeacher(TeacherInput.INDEPENDENT)).run(STEPS);
        for (int t = 0; t < STEPS; t++) {
            StepSummary s = PropositionSummary.step(tr, t);
            assertThat(tr.step(t).teacherX()).isNotEqualTo(tr.step(t).x());
            assertThat(s.step6Residual()).as("step 6 at t=%d", t).isLessThan(EXACT);
            assertThat(s.step3Residual()).as("step 3 at t=%d", t).isGreaterThan(0.1);
            assertThat(s.maskTermShare()).as("t=%d", t).isGreaterThan(0.1);
            if (t > 0) assertThat(s.step2Residual()).as("step 2 holds whatever the teacher sees").isLessThan(EXACT);
        }
    }

    @Test
    void momentumSgdKeepsStepTwoButNotStepFive() {
        Trajectory tr = new LinearConsistencyModel(Config.defaults(5).withMomentum(0.9)).run(STEPS);
        double worst5 = 0;
        for (int t = 1; t < STEPS; t++) {
            StepSummary s = PropositionSummary.step(tr, t);
            assertThat(s.step2Residual()).as("step 2 at t=%d", t).isLessThan(EXACT);
            assertThat(s.step3Residual()).as("step 3 at t=%d", t).isLessThan(EXACT);
            worst5 = Math.max(worst5, s.step5Residual());
        }
        assertThat(worst5).as("ΔW_j ≠ −ηG_j under heavy ball").isGreaterThan(0.1);
    }

    @Test
    void orthogonalPastInputsContributeNothing() {
        // 16 inputs in 4 blocks; step t's inputs live in block t mod 4 only
        Config c = Config.defaults(11).withBatch(2);
        LinearConsistencyModel m = new LinearConsistencyModel(c);
        List<Batch> data = new ArrayList<>();
        for (int t = 0; t < 12; t++) {
            Batch b = m.batch(t);
            int block = t % 4;
            for (int i = 0; i < c.in(); i++) if (i / 4 != block) for (int k = 0; k < c.batch(); k++) b.x()[i][k] = b.teacherX()[i][k] = 0;
            data.add(b);
        }
        Trajectory tr = m.run(data);
        int t = 11;
        double[][] sameBlock = Matrices.zeros(c.out(), c.in());
        for (int j = 0; j < t; j++) {
            double[][] cj = LinearConsistencyModel.pastContribution(tr, t, j);
            PropositionSummary.PastStep p = PropositionSummary.pastStep(tr, t, j);
            if (j % 4 != t % 4) {
                assertThat(Matrices.norm(cj)).as("orthogonal step %d", j).isZero();
                assertThat(p.similarity()).isZero();
                assertThat(p.undone()).isZero();
            } else {
                assertThat(Matrices.norm(cj)).as("same-block step %d", j).isPositive();
                assertThat(p.undone()).isPositive();
                sameBlock = Matrices.add(sameBlock, cj);
            }
        }
        assertThat(relativeResidual(sameBlock, tr.step(t).consistencyGrad())).as("the consistency gradient is the same-block steps' alone").isLessThan(EXACT);
    }

    @Test
    void theShareOfAPastStepTakenBackGrowsWithTheSquareOfTheInputOverlap() {
        // one column; x_1 = a·x_0/‖x_0‖ + b·u with u ⟂ x_0: undone(1, 0) = γηα (x_0ᵀx_1)² / ‖x_0‖² (closed form, G_0 = e_0 x_0ᵀ)
        Config c = new Config(4, 3, 1, 0.05, 0.8, 1.5, 0, 0, 0, 0.3, TeacherInput.SAME, 2);
        LinearConsistencyModel m = new LinearConsistencyModel(c);
        double[][] x0 = {{1}, {2}, {0}, {-1}}, u = {{0}, {0}, {1}, {0}};
        double[][] y = {{0.5}, {-1}, {2}};
        for (double a : new double[]{0, 0.5, 1, 2}) {
            double[][] x1 = Matrices.add(Matrices.scale(x0, a / Math.sqrt(6)), u);
            Trajectory tr = m.run(List.of(new Batch(x0, x0, y), new Batch(x1, x1, y)));
            double overlap = Matrices.dot(x0, x1);
            double expected = c.gamma() * c.eta() * c.alpha() * overlap * overlap / 6;
            assertThat(PropositionSummary.pastStep(tr, 1, 0).undone()).as("a = %s", a).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-14));
        }
    }

    @Test
    void theConsistencyUpdatePointsAgainstThePastUpdatesWithTheSameMask() {
        List<StepSummary> s = PropositionSummary.of(new LinearConsistencyModel(Config.defaults(9)).run(STEPS));
        assertThat(s.get(0).cosUpdateGap()).isNaN(); // D_0 = 0
        for (int t = 1; t < STEPS; t++) assertThat(s.get(t).cosUpdateGap()).as("t=%d", t).isLessThanOrEqualTo(EXACT);
        assertThat(s.get(STEPS - 1).cosUpdateGap()).isLessThan(-0.1);
    }

    @Test
    void runsAreSeededAndConfigsValidated() {
        Trajectory a = new LinearConsistencyModel(Config.defaults(1)).run(5), b = new LinearConsistencyModel(Config.defaults(1)).run(5);
        Trajectory other = new LinearConsistencyModel(Config.defaults(2)).run(5);
        assertThat(a.finalW()).isDeepEqualTo(b.finalW());
        assertThat(a.finalW()).isNotEqualTo(other.finalW());
        Batch d = new LinearConsistencyModel(Config.defaults(1)).batch(0);
        for (int k = 0; k < 4; k++) {
            int zeros = 0;
            for (double[] row : d.x()) if (row[k] == 0) zeros++;
            assertThat(zeros).as("mask ratio 0.5 of 16 inputs").isEqualTo(8);
        }
        assertThatThrownBy(() -> Config.defaults(1).withAlpha(1.5)).hasMessageContaining("α must be in [0, 1]");
        assertThatThrownBy(() -> new LinearConsistencyModel(Config.defaults(1)).run(List.of(new Batch(new double[3][2], new double[3][2], new double[8][2]))))
                .hasMessageContaining("batch 0").hasMessageContaining("in×B = 16×B");
    }
}
