package io.tessera.eval.hessian;

import io.tessera.nn.checkpoint.JsonFields;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

// The outcome of SpectralDensity (SLQ): each run's nodes and weights, the grid (stored as its
// ends and size, as numpy.linspace makes it) and the density values on it.

/**
 * SLQ spectral density.
 *
 * @param runs         the quadrature of every run
 * @param gridMin      the first grid point
 * @param gridMax      the last grid point
 * @param sigmaSquared the kernel variance used, sigmaSquared·max(1, range)
 * @param density      ρ at each grid point; Σ ρ·Δx = 1
 */
public record DensityResult(SpectralDensity.Settings settings, int dimension, List<SpectralDensity.Run> runs,
                            double gridMin, double gridMax, double sigmaSquared, double[] density,
                            long operatorApplications, double wallSeconds) {
    public DensityResult {
        runs = List.copyOf(runs);
        if (runs.size() != settings.runs()) throw new IllegalArgumentException("density result: expected " + settings.runs() + " runs, got " + runs.size());
        if (density.length != settings.bins()) throw new IllegalArgumentException("density result: expected " + settings.bins() + " density values, got " + density.length);
        Checks.finite("density values", density);
        Checks.finite("density grid minimum", gridMin);
        Checks.finite("density grid maximum", gridMax);
        if (!(gridMax > gridMin)) throw new IllegalArgumentException("density result: grid [" + gridMin + ", " + gridMax + "] is empty");
    }

    /** The grid points x₀..x_{bins−1}. */
    public double[] grid() {
        double[] x = new double[density.length];
        for (int j = 0; j < x.length; j++) x[j] = SpectralDensity.gridPoint(gridMin, gridMax, x.length, j);
        return x;
    }

    /** Δx between grid points. */
    public double spacing() {
        return (gridMax - gridMin) / (density.length - 1);
    }

    Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algorithm", "stochastic Lanczos quadrature, full re-orthogonalisation");
        m.put("settings", settingsJson());
        m.put("dimension", dimension);
        List<Object> rs = new ArrayList<>();
        for (SpectralDensity.Run r : runs) {
            Map<String, Object> rm = new LinkedHashMap<>();
            rm.put("nodes", r.nodes());
            rm.put("weights", r.weights());
            rm.put("restarts", r.restarts());
            rs.add(rm);
        }
        m.put("runs", rs);
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("min", gridMin);
        g.put("max", gridMax);
        g.put("bins", density.length);
        g.put("sigma_squared_used", sigmaSquared);
        m.put("grid", g);
        m.put("density", density);
        m.put("operator_applications", operatorApplications);
        m.put("wall_seconds", wallSeconds);
        return m;
    }

    private Map<String, Object> settingsJson() {
        SpectralDensity.Settings s = settings;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("steps", s.steps());
        m.put("runs", s.runs());
        m.put("bins", s.bins());
        m.put("sigma_squared", s.sigmaSquared());
        m.put("overhead", s.overhead());
        m.put("storage", s.storage().name());
        m.put("seed", s.seed());
        return m;
    }

    static DensityResult fromJson(JsonFields m) {
        JsonFields s = m.object("settings");
        SpectralDensity.Settings settings = new SpectralDensity.Settings(s.integer("steps", 0, Integer.MAX_VALUE), s.integer("runs", 0, Integer.MAX_VALUE),
                s.integer("bins", 0, Integer.MAX_VALUE), s.real("sigma_squared"), s.real("overhead"),
                s.constant("storage", BasisStorage.class), s.longInteger("seed"));
        List<SpectralDensity.Run> runs = new ArrayList<>();
        for (JsonFields r : m.objects("runs")) {
            runs.add(new SpectralDensity.Run(r.doubles("nodes"), r.doubles("weights"), r.integer("restarts", 0, Integer.MAX_VALUE)));
        }
        JsonFields g = m.object("grid");
        return new DensityResult(settings, m.integer("dimension", 0, Integer.MAX_VALUE), runs, g.real("min"), g.real("max"),
                g.real("sigma_squared_used"), m.doubles("density"), m.longInteger("operator_applications", 0, Long.MAX_VALUE),
                m.real("wall_seconds"));
    }
}
