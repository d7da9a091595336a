// Scalars that make Proposition 4.1 visible on a linear toy trajectory (methods spec §4.7): per
// step, the direction of the consistency update against the accumulated past updates, the residual
// of each identity of the derivation, and per past step how much of it the current update takes
// back as a function of the similarity of past and current inputs. Undefined values are NaN.
package io.tessera.ssl.rcmae.theory;

import io.tessera.ssl.rcmae.theory.LinearConsistencyModel.Step;
import io.tessera.ssl.rcmae.theory.LinearConsistencyModel.Trajectory;

import java.util.ArrayList;
import java.util.List;

import static io.tessera.ssl.rcmae.theory.LinearConsistencyModel.relativeResidual;

/** Summaries of a {@link Trajectory}; every method is a pure function of it. */
public final class PropositionSummary {
    private PropositionSummary() {
    }

    /**
     * Step t's scalars (norms Frobenius, D_t = W_t − Ŵ_t, u_t = −η∇ℓ_c the consistency part of the update).
     *
     * @param cosUpdateGap          cos(u_t, D_t) = −cos(∇ℓ_c, D_t): ≤ 0 whenever the teacher sees X_t, since
     *                              ⟨D_t X_t X_tᵀ, D_t⟩ = ‖D_t X_t‖² ≥ 0 — the consistency update points
     *                              against the α-discounted sum of past updates (the ViT log's {@code cos_c_gap}
     *                              is cos(∇L_c, θ_S − θ_T), the negative of this); NaN at t = 0
     * @param cosConsistencyReconstruction cos(∇ℓ_c, ∇ℓ_r) (the ViT log's {@code cos_c_r})
     * @param gapNorm               ‖D_t‖
     * @param consistencyGradNorm   ‖∇ℓ_c‖
     * @param reconstructionGradNorm ‖∇ℓ_r‖
     * @param step2Residual         ‖D_t − Σ α^{t−j}ΔW_j‖ / ‖D_t‖ (any optimizer: rounding only)
     * @param step3Residual         ‖∇ℓ_c − γ D_t X_t X_tᵀ‖ / ‖∇ℓ_c‖ (same mask: rounding; independent: O(1))
     * @param step5Residual         ‖∇ℓ_c − (−γη Σ α^{t−j} G_j X_t X_tᵀ)‖ / ‖∇ℓ_c‖ (SGD, same mask: rounding)
     * @param errorApproxResidual   ‖∇ℓ_c − (−γη Σ α^{t−j} E_j (X_jᵀX_t) X_tᵀ)‖ / ‖∇ℓ_c‖, the cost of G_j ≈ E_j X_jᵀ
     * @param step6Residual         ‖∇ℓ_c − (γ D_t X_t X_tᵀ + γ Ŵ_t (X_t − X_t') X_tᵀ)‖ / ‖∇ℓ_c‖ (rounding either way)
     * @param maskTermShare         ‖γ Ŵ_t (X_t − X_t') X_tᵀ‖ / ‖∇ℓ_c‖: 0 with the same mask
     * @param undoneLastStep        {@link PastStep#undone()} of j = t − 1
     * @param lastStepSimilarity    {@link PastStep#similarity()} of j = t − 1
     */
    public record StepSummary(int t, double cosUpdateGap, double cosConsistencyReconstruction, double gapNorm, double consistencyGradNorm,
                              double reconstructionGradNorm, double step2Residual, double step3Residual, double step5Residual,
                              double errorApproxResidual, double step6Residual, double maskTermShare, double undoneLastStep,
                              double lastStepSimilarity) {
    }

    /**
     * What step 5 says the update of step t does to past step j < t.
     *
     * @param j            the past step
     * @param discount     α^{t−j}
     * @param similarity   ‖X_jᵀ X_t‖ / (‖X_j‖ ‖X_t‖): 0 for orthogonal inputs, 1 for one repeated input
     * @param contribution ‖γη α^{t−j} G_j X_t X_tᵀ‖, its part of ∇ℓ_c ({@link LinearConsistencyModel#pastContribution})
     * @param undone       the share of past update ΔW_j = W_{j+1} − W_j that the consistency update takes back,
     *                     −⟨−η·c_{j,t}, ΔW_j⟩ / ‖ΔW_j‖² with c_{j,t} that contribution; under SGD it is
     *                     γη³ α^{t−j} ‖G_j X_t‖² / ‖ΔW_j‖² ≥ 0, i.e. γ η α^{t−j} ‖R_j X_jᵀ X_t‖² / ‖R_j X_jᵀ‖²
     *                     (G_j = R_j X_jᵀ): it grows with the square of the input overlap and vanishes for
     *                     orthogonal inputs; NaN when ΔW_j = 0
     */
    public record PastStep(int j, double discount, double similarity, double contribution, double undone) {
    }

    /** One {@link StepSummary} per step of the trajectory. */
    public static List<StepSummary> of(Trajectory tr) {
        List<StepSummary> out = new ArrayList<>(tr.length());
        for (int t = 0; t < tr.length(); t++) out.add(step(tr, t));
        return out;
    }

    /** Step t's summary. */
    public static StepSummary step(Trajectory tr, int t) {
        Step s = tr.step(t);
        double[][] gc = s.consistencyGrad(), d = LinearConsistencyModel.gap(tr, t);
        double cosUpdateGap = -Matrices.cosine(gc, d);
        double undone = Double.NaN, similarity = Double.NaN;
        if (t > 0) {
            PastStep last = pastStep(tr, t, t - 1);
            undone = last.undone();
            similarity = last.similarity();
        }
        double gn = Matrices.norm(gc);
        return new StepSummary(t, cosUpdateGap, Matrices.cosine(gc, s.reconstructionGrad()), Matrices.norm(d), gn, Matrices.norm(s.reconstructionGrad()),
                relativeResidual(LinearConsistencyModel.gapFromUpdates(tr, t), d),
                relativeResidual(LinearConsistencyModel.consistencyGradientFromGap(tr, t), gc),
                relativeResidual(LinearConsistencyModel.consistencyGradientFromPastGradients(tr, t), gc),
                relativeResidual(LinearConsistencyModel.consistencyGradientFromErrors(tr, t), gc),
                relativeResidual(LinearConsistencyModel.consistencyGradientWithMaskTerm(tr, t), gc),
                gn == 0 ? Double.NaN : Matrices.norm(LinearConsistencyModel.maskTerm(tr, t)) / gn, undone, similarity);
    }

    /** Every past step's {@link PastStep} at step t, j = 0 … t−1. */
    public static List<PastStep> pastSteps(Trajectory tr, int t) {
        List<PastStep> out = new ArrayList<>(t);
        for (int j = 0; j < t; j++) out.add(pastStep(tr, t, j));
        return out;
    }

    /** Past step j's {@link PastStep} at step t. */
    public static PastStep pastStep(Trajectory tr, int t, int j) {
        double[][] c = LinearConsistencyModel.pastContribution(tr, t, j);
        double[][] xj = tr.step(j).x(), xt = tr.step(t).x();
        double denom = Matrices.norm(xj) * Matrices.norm(xt);
        double similarity = denom == 0 ? Double.NaN : Matrices.norm(Matrices.transposedMul(xj, xt)) / denom;
        double[][] dw = Matrices.sub(tr.w(j + 1), tr.w(j));
        double dd = Matrices.dot(dw, dw);
        double eta = tr.config().eta();
        double undone = dd == 0 ? Double.NaN : eta * Matrices.dot(c, dw) / dd; // −⟨−η c, ΔW⟩ / ‖ΔW‖²
        return new PastStep(j, Math.pow(tr.config().alpha(), t - j), similarity, Matrices.norm(c), undone);
    }
}
