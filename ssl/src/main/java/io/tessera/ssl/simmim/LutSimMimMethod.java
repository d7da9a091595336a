// LUT-SimMIM as a pre-training method (UNVERIFIED recipe, see LutSimMim): two views per batch, one cell
// permutation per sample for both masks, target updated after every optimizer step.
package io.tessera.ssl.simmim;

import io.tessera.nn.ParameterStore;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Trainer contract for {@link LutSimMim} — the recipe is an inference, UNVERIFIED against the
 * LUT paper. Stores "student" (online) and "target"; evaluation uses "student".
 */
public final class LutSimMimMethod implements PretrainMethod {
    private final LutSimMim model;
    private final MomentumSchedule momentum;

    public LutSimMimMethod(LutSimMim model, MomentumSchedule momentum) {
        this.model = model;
        this.momentum = momentum;
    }

    public LutSimMim model() { return model; }

    @Override
    public String name() { return "lut-simmim"; }

    @Override
    public ParameterStore trainable() { return model.online().store(); }

    @Override
    public Map<String, ParameterStore> stores() {
        Map<String, ParameterStore> m = new LinkedHashMap<>();
        m.put("student", model.online().store());
        m.put("target", model.target().store());
        return m;
    }

    @Override
    public String evaluationRole() { return "student"; }

    /** Masks from {@code rng.split("mask")}; parts "loss_rec", "loss_bc". */
    @Override
    public StepLosses forward(Ops ops, Batch batch, Rng rng) {
        SimMimMasking.Pair masks = SimMimMasking.samplePair(ops, rng.split("mask"), batch.size(), model.config().simmim());
        LutSimMim.Losses l = model.forward(ops, batch.images(), batch.view(1), masks);
        Map<String, Tensor> parts = new LinkedHashMap<>();
        parts.put("loss_rec", l.reconstruction());
        parts.put("loss_bc", l.bc());
        return new StepLosses(l.total(), parts);
    }

    /** t ← m(k)·t + (1 − m(k))·s, k the 0-based global data iteration (see {@link PretrainMethod#afterOptimizerStep}). */
    @Override
    public void afterOptimizerStep(long iteration) {
        model.updateTarget(momentum.at(iteration));
    }

    @Override
    public void train(boolean on) {
        model.online().train(on);
        model.target().eval();
    }
}
