package io.tessera.cli.study;

import io.tessera.cli.study.Study.Mask;
import io.tessera.cli.study.Study.Method;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The five claims, each tested with a criterion written here, before any number is read: a
 * paired difference over seeds in the claimed direction, reproduced when its 95 % interval is
 * above zero (see {@link io.tessera.eval.study.Verdict}). Nothing here knows an outcome.
 */
final class Claims {
    private Claims() {
    }

    static final String RULE = "Each part is a difference paired by seed, signed so that a positive value supports the claim; "
            + "a part is reproduced when the 95 % t-interval of its mean over seeds lies above 0, not reproduced when it lies below 0, "
            + "and inconclusive otherwise (or with one seed). A claim is reproduced when all its parts are, not reproduced when any part is not.";

    static List<Claim> evaluate(StudyResults r) {
        return List.of(claim1(r), claim2(r), claim3(r), claim4(r), claim5(r));
    }

    private static Claim claim1(StudyResults r) {
        String epochs = r.probeEpochs.toString();
        List<Claim.Part> parts = new ArrayList<>();
        for (boolean knn : new boolean[]{false, true}) {
            Map<Method, double[][]> acc = knn ? r.knnTop1 : r.probeTop1;
            double[] mae = meanOverEpochs(acc.get(Method.MAE)), rc = meanOverEpochs(acc.get(Method.RCMAE));
            parts.add(Claim.Part.of(knn ? "k-NN (k = 20)" : "linear probe",
                    "top-1 (%) averaged over the probed epochs " + epochs + " (the area under the accuracy curve)",
                    values(Method.MAE, mae, Method.RCMAE, rc), diff(rc, mae)));
        }
        return Claim.of(1, "RC-MAE converges faster than MAE",
                "RC-MAE reaches higher linear-probe (and k-NN) accuracy than MAE at equal pre-training epochs.",
                "RC-MAE − MAE of the top-1 accuracy averaged over the probed epochs, for the linear probe and for k-NN; both must be reproduced.", parts);
    }

    private static Claim claim2(StudyResults r) {
        double[] mae = lastEpoch(r.probeTop1.get(Method.MAE)), lut = lastEpoch(r.probeTop1.get(Method.LUT));
        Claim.Part p = Claim.Part.of("linear probe at epoch " + r.settings.epochs(), "top-1 (%) of the linear probe after the last pre-training epoch",
                values(Method.MAE, mae, Method.LUT, lut), diff(lut, mae));
        return Claim.of(2, "LUT beats MAE on linear probing", "LUT's linear-probe accuracy exceeds MAE's at equal pre-training epochs.",
                "LUT − MAE of the linear-probe top-1 after the last epoch.", List.of(p));
    }

    private static Claim claim3(StudyResults r) {
        List<Claim.Part> parts = new ArrayList<>();
        Map<Method, StudyResults.Landscape[]> pre = r.landscapes.get("pretrain"), probe = r.landscapes.get("probe");
        ToDoubleFunction<StudyResults.Landscape> convex = l -> 100 * l.convexFraction(), basin = l -> 100 * l.basinFraction();
        double[] maeC = of(pre.get(Method.MAE), convex), supC = of(pre.get(Method.SUPERVISED), convex);
        parts.add(Claim.Part.of("smoother: MAE vs supervised ViT (pre-training loss)", "% of the landscape grid where the surface is locally convex (2×2 finite-difference Hessian PSD)",
                values(Method.MAE, maeC, Method.SUPERVISED, supC), diff(maeC, supC)));
        double[] maeB = of(pre.get(Method.MAE), basin), supB = of(pre.get(Method.SUPERVISED), basin);
        parts.add(Claim.Part.of("wider: MAE vs supervised ViT (pre-training loss)",
                "% of the landscape grid whose loss is within " + StudyResults.BASIN_FACTOR + "× the minimum's (each model's own pre-training loss)",
                values(Method.MAE, maeB, Method.SUPERVISED, supB), diff(maeB, supB)));
        for (String loss : List.of("pretrain", "probe")) {
            Map<Method, StudyResults.Landscape[]> l = loss.equals("pretrain") ? pre : probe;
            String name = loss.equals("pretrain") ? "pre-training loss" : "linear-probe loss";
            double[] mc = of(l.get(Method.MAE), convex), rc = of(l.get(Method.RCMAE), convex);
            parts.add(Claim.Part.of("RC-MAE widens the convex region (" + name + ")", "% of the landscape grid where the surface is locally convex",
                    values(Method.MAE, mc, Method.RCMAE, rc), diff(rc, mc)));
            StudyResults.Hessian[] hm = r.hessians.get(loss).get(Method.MAE), hr = r.hessians.get(loss).get(Method.RCMAE);
            double[] ratioM = new double[hm.length], ratioR = new double[hr.length];
            for (int s = 0; s < hm.length; s++) {
                ratioM[s] = hm[s].ratio();
                ratioR[s] = hr[s].ratio();
            }
            parts.add(Claim.Part.of("RC-MAE is more convex at its minimum (" + name + ")",
                    "|λmin/λmax| of the Hessian at the minimum (Lanczos); the difference is MAE − RC-MAE, since a smaller ratio is more convex",
                    values(Method.MAE, ratioM, Method.RCMAE, ratioR), diff(ratioM, ratioR)));
        }
        return Claim.of(3, "Landscapes: MAE smoother and wider than supervised; the EMA teacher widens the region of convexity",
                "MAE's pre-training-loss landscape is smoother and wider than the supervised ViT's, and RC-MAE's EMA teacher widens the region of convexity, "
                        + "in the pre-training loss and in the linear-probe loss.",
                "MAE − supervised of the locally convex share and of the basin share of the pre-training-loss landscape; RC-MAE − MAE of the convex share and "
                        + "MAE − RC-MAE of the eigen-ratio at the minimum, for both losses; all six must be reproduced. Each landscape and Hessian is of the model's own "
                        + "training objective around its trained weights (MAE: L_r; RC-MAE: L_r + L_c over the student with its stored teacher fixed; supervised: "
                        + "cross-entropy), and of the linear-probe cross-entropy over the evaluation encoder with the probe's head fixed.", parts);
    }

    private static Claim claim4(StudyResults r) {
        double[] mae = lastHalf(r.attentionByBlock.get(Method.MAE)), lut = lastHalf(r.attentionByBlock.get(Method.LUT));
        int depth = r.attentionByBlock.get(Method.MAE)[0].length;
        int from = depth / 2;
        Claim.Part att = Claim.Part.of("attention distance in the last layers", "mean attention distance (pixels) of blocks " + from + "–" + (depth - 1) + " (of 0–" + (depth - 1)
                + "), all heads, cls row and column dropped", values(Method.MAE, mae, Method.LUT, lut), diff(lut, mae));
        double[] rm = r.rankMe.get(Method.MAE), rl = r.rankMe.get(Method.LUT);
        Claim.Part sv = Claim.Part.of("larger singular values", "RankMe (effective rank from the singular values of the final cls features; larger = more, larger singular values)",
                values(Method.MAE, rm, Method.LUT, rl), diff(rl, rm));
        return Claim.of(4, "LUT attends further and has a richer spectrum than MAE",
                "LUT has longer attention distance in its last layers and larger singular values of its representations than MAE.",
                "LUT − MAE of the mean attention distance over the last half of the blocks, and of RankMe; both must be reproduced.", List.of(att, sv));
    }

    private static Claim claim5(StudyResults r) {
        List<Claim.Part> parts = new ArrayList<>(LinearModelStudy.parts(r.linearModel));
        int n = r.settings.seeds();
        double[] gapS = new double[n], gapD = new double[n], cosRS = new double[n], cosRD = new double[n];
        for (int s = 0; s < n; s++) {
            gapS[s] = r.prop.get(Mask.S)[s].meanCosGap();
            gapD[s] = r.prop.get(Mask.D)[s].meanCosGap();
            cosRS[s] = r.prop.get(Mask.S)[s].meanCosR();
            cosRD[s] = r.prop.get(Mask.D)[s].meanCosR();
        }
        String over = "mean over steps " + StudyResults.FIRST_STEP + "–" + r.settings.propSteps() + " (step 1 has θ_S = θ_T; step 2 follows the warm-up's lr-0 step)";
        parts.add(Claim.Part.of("ViT, same mask: the consistency gradient points along θ_S − θ_T", "cos(∇L_c, θ_S − θ_T), " + over,
                Map.of("RC-MAE-S", gapS), gapS));
        parts.add(Claim.Part.of("ViT: more cleanly with the same mask than an independent one", "cos(∇L_c, θ_S − θ_T), " + over + "; the difference is S − D",
                ordered("RC-MAE-S", gapS, "RC-MAE-D", gapD), diff(gapS, gapD)));
        double[] negR = new double[n];
        for (int s = 0; s < n; s++) negR[s] = -cosRS[s];
        parts.add(Claim.Part.of("ViT, same mask: the consistency gradient opposes the reconstruction gradient", "cos(∇L_c, ∇L_r), " + over + "; the tested value is its negative",
                ordered("RC-MAE-S", cosRS, "RC-MAE-D", cosRD), negR));
        return Claim.of(5, "Proposition 4.1: the consistency gradient is a conditional momentum regulariser",
                "In a linear model the consistency gradient removes earlier update directions in proportion to input similarity; in the ViT, cos(∇L_c, θ_S − θ_T) "
                        + "and cos(∇L_c, ∇L_r) behave as the derivation predicts (positive, and negative when successive reconstruction gradients agree), "
                        + "more cleanly with the same mask (S) than with an independent one (D).",
                "The linear-model identities hold to 1e-10 (relative, float64); in the ViT, cos(∇L_c, θ_S − θ_T) under S above 0, S − D of it above 0, "
                        + "and −cos(∇L_c, ∇L_r) under S above 0.", parts);
    }

    // ---- helpers

    private static double[] meanOverEpochs(double[][] bySeed) {
        double[] m = new double[bySeed.length];
        for (int s = 0; s < m.length; s++) {
            double sum = 0;
            for (double v : bySeed[s]) sum += v;
            m[s] = 100 * sum / bySeed[s].length;
        }
        return m;
    }

    private static double[] lastEpoch(double[][] bySeed) {
        double[] m = new double[bySeed.length];
        for (int s = 0; s < m.length; s++) m[s] = 100 * bySeed[s][bySeed[s].length - 1];
        return m;
    }

    private static double[] lastHalf(double[][] bySeed) {
        double[] m = new double[bySeed.length];
        for (int s = 0; s < m.length; s++) {
            double[] b = bySeed[s];
            double sum = 0;
            int from = b.length / 2;
            for (int i = from; i < b.length; i++) sum += b[i];
            m[s] = sum / (b.length - from);
        }
        return m;
    }

    private static double[] of(StudyResults.Landscape[] ls, ToDoubleFunction<StudyResults.Landscape> f) {
        double[] v = new double[ls.length];
        for (int i = 0; i < v.length; i++) v[i] = f.applyAsDouble(ls[i]);
        return v;
    }

    private static double[] diff(double[] a, double[] b) {
        return io.tessera.eval.study.Stats.differences(a, b);
    }

    private static Map<String, double[]> values(Method a, double[] va, Method b, double[] vb) {
        return ordered(a.label, va, b.label, vb);
    }

    private static Map<String, double[]> ordered(String a, double[] va, String b, double[] vb) {
        Map<String, double[]> m = new LinkedHashMap<>();
        m.put(a, va);
        m.put(b, vb);
        return m;
    }
}
