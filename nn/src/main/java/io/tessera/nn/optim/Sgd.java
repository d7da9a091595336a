package io.tessera.nn.optim;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.tensor.Tensor;

import java.util.Map;

/**
 * SGD with heavy-ball momentum as torch.optim.SGD (no dampening, no Nesterov): d = g + wd·p;
 * buf ← μ·buf + d; p ← p − η·buf, with wd only on decayed parameters.
 */
public final class Sgd implements Optimizer {
    private final ParameterStore store;
    private final ParamGroups groups;
    private final double momentum, weightDecay;
    private final Tensor buf;
    private long steps;

    public Sgd(ParameterStore store, ParamGroups groups, double momentum, double weightDecay) {
        if (!(momentum >= 0 && momentum < 1) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("SGD needs momentum in [0, 1) and weight decay ≥ 0, got " + momentum + ", " + weightDecay);
        }
        this.store = store;
        this.groups = groups;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.buf = store.context().allocatePersistent(store.values().shape(), store.dtype(), true).named("momentum_buffer");
    }

    @Override
    public void step(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("learning rate must be finite and ≥ 0, got " + lr);
        steps++;
        for (Parameter p : store.parameters()) {
            if (!p.trainable()) continue;
            double wd = groups.decays().test(p) ? weightDecay : 0.0;
            store.context().backend().momentumUpdate(p.tensor(), buf.narrow0(p.offset(), p.size()).view(p.shape()), p.grad(),
                    lr * groups.lrScale().applyAsDouble(p.name()), momentum, wd, 1.0);
        }
    }

    @Override
    public long steps() {
        return steps;
    }

    @Override
    public void setSteps(long steps) {
        this.steps = steps;
    }

    @Override
    public Map<String, Tensor> state() {
        return Map.of("momentum_buffer", buf);
    }
}
