package io.tessera.eval.hessian;

import io.tessera.nn.checkpoint.JsonFields;

import java.util.LinkedHashMap;
import java.util.Map;

// Li et al. 2018's local convexity measure |λmin/λmax| at one point in weight space
// (loss-landscape hess_vec_prod.min_max_hessian_eigs and plot_2D.plot_2d_eig_ratio): near 0 the
// loss is almost convex there, large values mean strong negative curvature.

/**
 * |λmin / λmax| with the route that produced the two eigenvalues.
 *
 * @param lambdaMax λmax after the swap rule
 * @param lambdaMin λmin after the swap rule
 * @param ratio     |λmin / λmax|
 * @param swapped   whether the inputs were swapped (λmax ≤ 0 and λmin &gt; 0)
 * @param route     how λmin and λmax were computed
 */
public record EigenRatio(double lambdaMax, double lambdaMin, double ratio, boolean swapped, Route route) {
    /** How the extreme eigenvalues were obtained. */
    public enum Route {
        /** Largest and smallest Ritz value of one Lanczos run. */
        LANCZOS,
        /** λmax by power iteration, λmin by power iteration on H − s·λmax·I. */
        SHIFTED_POWER
    }

    public EigenRatio {
        Checks.finite("eigen-ratio: lambdaMax", lambdaMax);
        Checks.finite("eigen-ratio: lambdaMin", lambdaMin);
        Checks.finite("eigen-ratio: ratio", ratio);
        if (route == null) throw new IllegalArgumentException("eigen-ratio: route is null");
    }

    /**
     * Li et al.'s rule: if λmax ≤ 0 and λmin &gt; 0 the two are swapped; then ratio = |λmin / λmax|.
     *
     * @throws IllegalArgumentException if an input is not finite or λmax is 0 after the swap (the
     *                                  ratio is undefined)
     */
    public static EigenRatio of(double lambdaMax, double lambdaMin, Route route) {
        Checks.finite("eigen-ratio: lambdaMax", lambdaMax);
        Checks.finite("eigen-ratio: lambdaMin", lambdaMin);
        boolean swap = lambdaMax <= 0 && lambdaMin > 0;
        double max = swap ? lambdaMin : lambdaMax, min = swap ? lambdaMax : lambdaMin;
        if (max == 0) throw new IllegalArgumentException("eigen-ratio: λmax is 0 (λmin = " + min + "), so |λmin/λmax| is undefined");
        return new EigenRatio(max, min, Math.abs(min / max), swap, route);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("lambda_max", lambdaMax);
        m.put("lambda_min", lambdaMin);
        m.put("ratio", ratio);
        m.put("swapped", swapped);
        m.put("route", route.name());
        return m;
    }

    static EigenRatio fromJson(JsonFields m) {
        return new EigenRatio(m.real("lambda_max"), m.real("lambda_min"), m.real("ratio"),
                m.bool("swapped"), m.constant("route", Route.class));
    }
}
