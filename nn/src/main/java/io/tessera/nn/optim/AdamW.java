package io.tessera.nn.optim;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW (decoupled weight decay) as torch.optim.AdamW: per trainable parameter,
 * p ← p(1 − η·wd); m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; p ← p − η·m̂/(√v̂ + ε), with bias
 * corrections, η = lr × the group's scale and wd applied only to decayed parameters. MAE
 * pre-trains with β = (0.9, 0.95), wd 0.05; fine-tuning uses β₂ = 0.999.
 */
public final class AdamW extends StepCounter {
    private final ParamGroups groups;
    private final double beta1, beta2, eps, weightDecay;
    private final Tensor m, v;

    public AdamW(ParameterStore store, ParamGroups groups, double beta1, double beta2, double eps, double weightDecay) {
        super(store);
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
            throw new IllegalArgumentException("AdamW betas must be in [0, 1), got (" + beta1 + ", " + beta2 + ")");
        }
        if (!(eps > 0) || !(weightDecay >= 0)) throw new IllegalArgumentException("AdamW needs eps > 0 and weight decay ≥ 0");
        this.groups = groups;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.m = stateBuffer("exp_avg");
        this.v = stateBuffer("exp_avg_sq");
    }

    /** MAE's pre-training optimizer: β = (0.9, 0.95), ε = 1e-8, wd 0.05, MAE's decay groups. */
    public static AdamW maePretrain(ParameterStore store) {
        return new AdamW(store, ParamGroups.pretrain(), 0.9, 0.95, 1e-8, 0.05);
    }

    /**
     * One step over every trainable parameter, as one {@code adamwUpdateSegments} call on the
     * flat store (a GPU backend runs it in one launch per (lr, decay) pair instead of one per tensor).
     */
    @Override
    public void step(double lr) {
        beginStep(lr);
        List<Parameter> trainable = store.parameters().stream().filter(Parameter::trainable).toList();
        int n = trainable.size();
        int[] offsets = new int[n], sizes = new int[n];
        double[] lrs = new double[n], wds = new double[n];
        for (int i = 0; i < n; i++) {
            Parameter p = trainable.get(i);
            offsets[i] = p.offset();
            sizes[i] = p.size();
            lrs[i] = lr * groups.lrScale().applyAsDouble(p.name());
            wds[i] = groups.decays().test(p) ? weightDecay : 0.0;
        }
        store.context().backend().adamwUpdateSegments(store.values(), m, v, store.gradients(), offsets, sizes, lrs, wds,
                beta1, beta2, eps, steps());
    }

    @Override
    public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        s.put("exp_avg", m);
        s.put("exp_avg_sq", v);
        return s;
    }
}
