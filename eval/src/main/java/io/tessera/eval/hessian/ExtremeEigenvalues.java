package io.tessera.eval.hessian;

// λmax and λmin of a Hessian at one point by two independent routes, and the eigen-ratio of
// each (Li et al. 2018's convexity measure): (a) one Lanczos run, largest and smallest Ritz
// value; (b) power iteration for λmax, then power iteration on H − s·λmax·I for λmin.

/** Both routes to (λmax, λmin) and |λmin/λmax| at one point in weight space. */
public final class ExtremeEigenvalues {
    private ExtremeEigenvalues() {
    }

    /** Which of the two routes to run. */
    public enum Routes {
        LANCZOS, SHIFTED_POWER, BOTH;

        boolean lanczos() {
            return this != SHIFTED_POWER;
        }

        boolean shifted() {
            return this != LANCZOS;
        }
    }

    /**
     * @param routes      which routes run
     * @param lanczos     settings of route (a)
     * @param power       settings of both power iterations of route (b) (topK is forced to 1; the
     *                    shifted run uses seed + 1)
     * @param shiftFactor s in σ = s·λmax for route (b): {@link SpectralShift#LI_ET_AL} or {@link SpectralShift#FULL}
     */
    public record Settings(Routes routes, Lanczos.Settings lanczos, PowerIteration.Settings power, double shiftFactor) {
        public Settings {
            if (routes == null || lanczos == null || power == null) throw new IllegalArgumentException("extreme eigenvalues: routes, lanczos and power settings are required");
            Checks.finite("extreme eigenvalues: shiftFactor", shiftFactor);
        }

        /** Both routes: 100 Lanczos steps (float basis), PyHessian's power iteration, Li et al.'s s = 0.51. */
        public static Settings defaults() {
            return new Settings(Routes.BOTH, Lanczos.Settings.defaults(), PowerIteration.Settings.pyHessian(), SpectralShift.LI_ET_AL);
        }
    }

    /** Runs with {@link ProgressListener#NONE}. */
    public static ExtremesResult compute(SymmetricOperator op, Settings settings) {
        return compute(op, settings, ProgressListener.NONE);
    }

    /**
     * Runs the chosen routes. Route (a) costs m operator applications; route (b) costs two power
     * iterations (at most 2·maxIter). Progress stages: {@code "lanczos"}, {@code "power λmax"},
     * {@code "power λmin (shifted)"}.
     */
    public static ExtremesResult compute(SymmetricOperator op, Settings settings, ProgressListener progress) {
        LanczosResult lanczos = null;
        EigenRatio byLanczos = null;
        if (settings.routes().lanczos()) {
            lanczos = Lanczos.run(op, settings.lanczos(), progress);
            byLanczos = EigenRatio.of(lanczos.lambdaMax(), lanczos.lambdaMin(), EigenRatio.Route.LANCZOS);
        }
        PowerIterationResult top = null;
        ShiftResult shift = null;
        EigenRatio byShift = null;
        if (settings.routes().shifted()) {
            PowerIteration.Settings p = settings.power().withTopK(1);
            top = PowerIteration.run(op, p, (stage, done, total) -> progress.step("power λmax", done, total));
            // a shifted spectrum puts the dense bulk near the top in magnitude, where the relative-change rule
            // stops on a random vector's quotient: the shifted run stops on the eigen-residual instead
            PowerIteration.Settings ps = p.withSeed(p.seed() + 1).withStop(PowerIteration.Stop.RESIDUAL);
            shift = SpectralShift.minEigenvalue(op, top.top(), settings.shiftFactor(), ps,
                    (stage, done, total) -> progress.step("power λmin (shifted)", done, total));
            byShift = EigenRatio.of(top.top(), shift.lambdaMin(), EigenRatio.Route.SHIFTED_POWER);
        }
        return new ExtremesResult(settings, lanczos, byLanczos, top, shift, byShift);
    }
}
