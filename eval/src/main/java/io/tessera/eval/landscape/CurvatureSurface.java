// The eigen-ratio map of Li et al. (2018): at each grid point the extreme eigenvalues of the FULL
// Hessian of the objective (not of the 2-D slice), from exact Hessian-vector products, by Lanczos with
// full re-orthogonalisation, and |λmin/λmax| (with their swap rule). Near 0: locally almost convex.
package io.tessera.eval.landscape;

import io.tessera.eval.hessian.EigenRatio;
import io.tessera.eval.hessian.HessianVectorProduct;
import io.tessera.eval.hessian.Lanczos;
import io.tessera.eval.hessian.LanczosResult;
import io.tessera.eval.objective.FrozenObjective;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.tensor.ExecutionContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** λmax, λmin and |λmin/λmax| at points of a plane. */
public final class CurvatureSurface implements PointFunction {
    public static final List<String> FIELDS = List.of("lambda_max", "lambda_min", "ratio");

    private final ExecutionContext ctx;
    private final FrozenObjective objective;
    private final PerturbedWeights weights;
    private final ParameterSelection hessianOver;
    private final Lanczos.Settings lanczos;

    /**
     * @param hessianOver the parameters whose Hessian is taken (may differ from the perturbed ones)
     * @param lanczos     steps and seed (the same seed at every point)
     */
    public CurvatureSurface(ExecutionContext ctx, FrozenObjective objective, PerturbedWeights weights, ParameterSelection hessianOver,
                            Lanczos.Settings lanczos) {
        this.ctx = ctx;
        this.objective = objective;
        this.weights = weights;
        this.hessianOver = hessianOver;
        this.lanczos = lanczos;
    }

    @Override
    public Map<String, Double> at(double alpha, double beta) {
        weights.moveTo(alpha, beta);
        LanczosResult r;
        try (HessianVectorProduct hvp = new HessianVectorProduct(ctx, objective, hessianOver)) {
            r = Lanczos.run(hvp, lanczos);
        }
        EigenRatio e = EigenRatio.of(r.lambdaMax(), r.lambdaMin(), EigenRatio.Route.LANCZOS);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("lambda_max", e.lambdaMax());
        m.put("lambda_min", e.lambdaMin());
        m.put("ratio", e.ratio());
        return m;
    }
}
