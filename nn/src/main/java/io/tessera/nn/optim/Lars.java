package io.tessera.nn.optim;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;

import java.util.Map;

/**
 * LARS as used by MAE's linear probe (util/lars.py, after MoCo v3): for tensors with more
 * than one dimension, d = g + wd·p and the trust ratio q = η_t·‖p‖/‖d‖ (q = 1 when either norm
 * is 0) scales it; 1-D tensors (biases, norms) skip both. Then μ ← m·μ + d, p ← p − lr·μ.
 */
public final class Lars extends StepCounter {
    private final double momentum, weightDecay, trust;
    private final Tensor mu;

    /** MAE's settings: momentum 0.9, weight decay 0, trust coefficient 0.001. */
    public static Lars maeLinearProbe(ParameterStore store) {
        return new Lars(store, 0.9, 0.0, 0.001);
    }

    public Lars(ParameterStore store, double momentum, double weightDecay, double trust) {
        super(store);
        if (!(momentum >= 0 && momentum < 1) || !(weightDecay >= 0) || !(trust > 0)) {
            throw new IllegalArgumentException("LARS needs momentum in [0, 1), weight decay ≥ 0 and trust > 0");
        }
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.trust = trust;
        this.mu = stateBuffer("mu");
    }

    @Override
    public void step(double lr) {
        beginStep(lr);
        Ops ops = store.context().ops();
        forEachTrainable(mu, (p, buf) -> {
            boolean matrix = p.shape().rank() > 1;
            double wd = matrix ? weightDecay : 0.0, scale = 1.0;
            if (matrix) {
                try (Scope s = store.context().openScope()) {
                    double pNorm = Math.sqrt(ops.sum(ops.square(p.tensor())).item());
                    Tensor d = wd == 0 ? p.grad() : ops.add(p.grad(), ops.scale(p.tensor(), wd));
                    double dNorm = Math.sqrt(ops.sum(ops.square(d)).item());
                    if (pNorm > 0 && dNorm > 0) scale = trust * pNorm / dNorm;
                }
            }
            store.context().backend().momentumUpdate(p.tensor(), buf, p.grad(), lr, momentum, wd, scale);
        });
    }

    @Override
    public Map<String, Tensor> state() {
        return Map.of("mu", mu);
    }
}
