package io.tessera.nn.optim;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.tensor.Tensor;

import java.util.Map;

/**
 * SGD with heavy-ball momentum as torch.optim.SGD (no dampening, no Nesterov): d = g + wd·p;
 * buf ← μ·buf + d; p ← p − η·buf, with wd only on decayed parameters.
 */
public final class Sgd extends StepCounter {
    private final ParamGroups groups;
    private final double momentum, weightDecay;
    private final Tensor buf;

    public Sgd(ParameterStore store, ParamGroups groups, double momentum, double weightDecay) {
        super(store);
        if (!(momentum >= 0 && momentum < 1) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException("SGD needs momentum in [0, 1) and weight decay ≥ 0, got " + momentum + ", " + weightDecay);
        }
        this.groups = groups;
        this.momentum = momentum;
        this.weightDecay = weightDecay;
        this.buf = stateBuffer("momentum_buffer");
    }

    @Override
    public void step(double lr) {
        beginStep(lr);
        forEachTrainable(buf, (p, b) -> store.context().backend().momentumUpdate(p.tensor(), b, p.grad(),
                lr * groups.lrScale().applyAsDouble(p.name()), momentum, groups.decays().test(p) ? weightDecay : 0.0, 1.0));
    }

    @Override
    public Map<String, Tensor> state() {
        return Map.of("momentum_buffer", buf);
    }
}
