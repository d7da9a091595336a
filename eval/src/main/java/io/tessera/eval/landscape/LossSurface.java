// The point function of a loss landscape: at (α, β) the frozen objective's value (the method's loss on
// fixed data with fixed masks, eval mode, inference mode) at θ* + α·δ + β·η, plus the accuracy when the
// method reports one (the supervised ViT). The centre point is the checkpoint's own loss on that data.
package io.tessera.eval.landscape;

import io.tessera.eval.objective.FrozenObjective;
import io.tessera.tensor.ExecutionContext;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Loss (and accuracy) at points of a plane; the fields are {@link #fields()}. */
public final class LossSurface implements PointFunction {
    private final ExecutionContext ctx;
    private final FrozenObjective objective;
    private final PerturbedWeights weights;
    private final boolean accuracy;

    public LossSurface(ExecutionContext ctx, FrozenObjective objective, PerturbedWeights weights) {
        this.ctx = ctx;
        this.objective = objective;
        this.weights = weights;
        this.accuracy = objective.method().name().equals("supervised") || objective.method().name().equals("linear-probe");
    }

    /** "loss", and "accuracy" (in %) for a method that reports it. */
    public List<String> fields() {
        return accuracy ? List.of("loss", "accuracy") : List.of("loss");
    }

    @Override
    public Map<String, Double> at(double alpha, double beta) {
        weights.moveTo(alpha, beta);
        FrozenObjective.Evaluation e = objective.evaluate(ctx);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("loss", e.loss());
        if (accuracy) m.put("accuracy", 100 * e.parts().getOrDefault("accuracy", Double.NaN));
        return m;
    }
}
