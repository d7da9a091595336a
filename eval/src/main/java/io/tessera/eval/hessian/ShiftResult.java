package io.tessera.eval.hessian;

import io.tessera.nn.checkpoint.JsonFields;

import java.util.LinkedHashMap;
import java.util.Map;

// The outcome of SpectralShift: the shift that was used, the shifted eigenvalue and the
// λmin it gives once the shift is added back, with the power-iteration record behind it.

/**
 * λmin = μ + σ from power iteration on H − σ·I.
 *
 * @param lambdaMax the λmax the shift was built from
 * @param factor    s in σ = s·λmax
 * @param shift     σ
 * @param lambdaMin μ + σ
 * @param shifted   the power iteration on H − σ·I (its top() is μ)
 */
public record ShiftResult(double lambdaMax, double factor, double shift, double lambdaMin, PowerIterationResult shifted) {
    public ShiftResult {
        Checks.finite("shift result: lambdaMax", lambdaMax);
        Checks.finite("shift result: factor", factor);
        Checks.finite("shift result: shift", shift);
        Checks.finite("shift result: lambdaMin", lambdaMin);
        if (shifted == null) throw new IllegalArgumentException("shift result: the shifted power iteration is null");
    }

    /** μ, the largest-magnitude eigenvalue of H − σ·I. */
    public double shiftedEigenvalue() {
        return shifted.top();
    }

    /**
     * Whether the shifted iteration landed on the other end of the spectrum from λmax: μ has the
     * opposite sign of σ (or is 0). For λmax &gt; 0 and s &lt; 1, false means H has no eigenvalue below
     * (2s − 1)·λmax and lambdaMin merely repeats λmax.
     */
    public boolean reachedOtherEnd() {
        return Math.signum(shiftedEigenvalue()) != Math.signum(shift) || shift == 0;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algorithm", "power iteration on H - s*lambda_max*I, shift added back");
        m.put("lambda_max", lambdaMax);
        m.put("factor", factor);
        m.put("shift", shift);
        m.put("shifted_eigenvalue", shiftedEigenvalue());
        m.put("lambda_min", lambdaMin);
        m.put("reached_other_end", reachedOtherEnd());
        m.put("power", shifted.toJson());
        return m;
    }

    static ShiftResult fromJson(JsonFields m) {
        return new ShiftResult(m.real("lambda_max"), m.real("factor"), m.real("shift"),
                m.real("lambda_min"), PowerIterationResult.fromJson(m.object("power")));
    }
}
