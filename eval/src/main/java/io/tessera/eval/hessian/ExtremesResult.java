package io.tessera.eval.hessian;

import io.tessera.nn.checkpoint.JsonFields;

import java.util.LinkedHashMap;
import java.util.Map;

// The outcome of ExtremeEigenvalues: each route's raw result and its eigen-ratio. A route that
// did not run has null parts (and no JSON key).

/**
 * λmax, λmin and |λmin/λmax| by the Lanczos route and/or the shifted-power route.
 *
 * @param lanczos   route (a), or null
 * @param byLanczos ratio of route (a), or null
 * @param top       route (b)'s λmax power iteration, or null
 * @param shift     route (b)'s shifted power iteration for λmin, or null
 * @param byShift   ratio of route (b), or null
 */
public record ExtremesResult(ExtremeEigenvalues.Settings settings, LanczosResult lanczos, EigenRatio byLanczos,
                             PowerIterationResult top, ShiftResult shift, EigenRatio byShift) {
    public ExtremesResult {
        if (settings == null) throw new IllegalArgumentException("extremes result: settings are null");
        if ((lanczos == null) != (byLanczos == null)) throw new IllegalArgumentException("extremes result: the Lanczos route needs both its run and its ratio");
        if ((top == null) != (shift == null) || (shift == null) != (byShift == null)) {
            throw new IllegalArgumentException("extremes result: the shifted route needs its λmax run, its shift run and its ratio");
        }
        if (lanczos == null && shift == null) throw new IllegalArgumentException("extremes result: no route ran");
    }

    /** The ratio of the Lanczos route if it ran, else the shifted route's. */
    public EigenRatio preferred() {
        return byLanczos != null ? byLanczos : byShift;
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("routes", settings.routes().name());
        s.put("shift_factor", settings.shiftFactor());
        s.put("lanczos", LanczosResult.settingsJson(settings.lanczos()));
        s.put("power", PowerIterationResult.settingsJson(settings.power()));
        m.put("settings", s);
        if (lanczos != null) {
            m.put("lanczos", lanczos.toJson());
            m.put("ratio_lanczos", byLanczos.toJson());
        }
        if (shift != null) {
            m.put("power_lambda_max", top.toJson());
            m.put("shift", shift.toJson());
            m.put("ratio_shifted_power", byShift.toJson());
        }
        return m;
    }

    static ExtremesResult fromJson(JsonFields m) {
        JsonFields s = m.object("settings");
        ExtremeEigenvalues.Settings settings = new ExtremeEigenvalues.Settings(
                s.constant("routes", ExtremeEigenvalues.Routes.class),
                LanczosResult.settingsFromJson(s.object("lanczos")),
                PowerIterationResult.settingsFromJson(s.object("power")), s.real("shift_factor"));
        JsonFields l = m.has("lanczos") ? m.object("lanczos") : null, sh = m.has("shift") ? m.object("shift") : null;
        return new ExtremesResult(settings,
                l == null ? null : LanczosResult.fromJson(l),
                l == null ? null : EigenRatio.fromJson(m.object("ratio_lanczos")),
                sh == null ? null : PowerIterationResult.fromJson(m.object("power_lambda_max")),
                sh == null ? null : ShiftResult.fromJson(sh),
                sh == null ? null : EigenRatio.fromJson(m.object("ratio_shifted_power")));
    }
}
