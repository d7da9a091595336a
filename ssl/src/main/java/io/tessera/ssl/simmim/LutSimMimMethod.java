// LUT-SimMIM as a pre-training method (UNVERIFIED recipe, see LutSimMim): two views per batch, one cell
// permutation per sample for both masks, target updated after every optimizer step.
package io.tessera.ssl.simmim;

import io.tessera.nn.BatchNorm1d;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.optim.MomentumSchedule;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.dist.Collective;

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

    /** The permutations are drawn sample by sample: a slice of the global batch skips to its rows. */
    @Override
    public boolean drawsRowsFromFirstSample() {
        return true;
    }

    /** Masks from this slice's rows of {@code rng.split("mask")} ({@link Batch#rowStream}); parts "loss_rec", "loss_bc". */
    @Override
    public StepLosses forward(Ops ops, Batch batch, Rng rng) {
        var c = model.config().simmim();
        SimMimMasking.Pair masks = SimMimMasking.samplePair(ops, batch.rowStream(rng.split("mask"), SimMimMasking.drawsPerSample(c.cells())), batch.size(), c);
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

    /** Every BatchNorm of the online and target networks takes the group's statistics (SyncBatchNorm, as the official code converts them). */
    @Override
    public void useProcessGroup(Collective group) {
        BatchNorm1d.synchronizeAll(model.online(), group);
        BatchNorm1d.synchronizeAll(model.target(), group);
    }

    @Override
    public void train(boolean on) {
        model.online().train(on);
        model.target().eval();
    }
}
