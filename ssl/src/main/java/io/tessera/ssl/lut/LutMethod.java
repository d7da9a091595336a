// LUT as a pre-training method: two views per batch (batch.images() clean, batch.view(1) colour
// augmented), one noise draw per step for both masks, the target updated after every optimizer step
// with the cosine momentum schedule indexed by the 0-based global data iteration. Not the model (see Lut).
package io.tessera.ssl.lut;

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
 * Trainer contract for {@link Lut}: stores "student" (online, trainable) and "target";
 * downstream evaluation uses the online weights ("student"), as LUT's fine-tuning does.
 */
public final class LutMethod implements PretrainMethod {
    private final Lut lut;
    private final MomentumSchedule momentum;

    /** {@code momentum}: LUT's recipe is {@code MomentumSchedule.cosine(0.996, totalIterations)}. */
    public LutMethod(Lut lut, MomentumSchedule momentum) {
        this.lut = lut;
        this.momentum = momentum;
    }

    /** LUT's recipe: momentum cosine from 0.996 to 1 over {@code totalIterations} global data iterations. */
    public static LutMethod withCosineMomentum(Lut lut, long totalIterations) {
        return new LutMethod(lut, MomentumSchedule.cosine(0.996, totalIterations));
    }

    public Lut model() { return lut; }

    @Override
    public String name() { return "lut"; }

    @Override
    public ParameterStore trainable() { return lut.online().store(); }

    @Override
    public Map<String, ParameterStore> stores() {
        Map<String, ParameterStore> m = new LinkedHashMap<>();
        m.put("student", lut.online().store());
        m.put("target", lut.target().store());
        return m;
    }

    @Override
    public String evaluationRole() { return "student"; }

    /** The masking noise is drawn row by row: a slice of the global batch skips to its rows. */
    @Override
    public boolean drawsRowsFromFirstSample() {
        return true;
    }

    /**
     * Masks both views from this slice's rows of the stream {@code rng.split("mask")} (L draws per
     * sample, {@link Batch#rowStream}) and returns L with parts loss_mae, loss_bc.
     */
    @Override
    public StepLosses forward(Ops ops, Batch batch, Rng rng) {
        var mae = lut.config().mae();
        int tokens = mae.encoder().numPatches();
        LutMasking.Plans plans = LutMasking.sample(ops, batch.rowStream(rng.split("mask"), tokens), batch.size(), tokens, mae.maskRatio());
        Lut.Losses l = lut.forward(ops, batch.images(), batch.view(1), plans);
        Map<String, Tensor> parts = new LinkedHashMap<>();
        parts.put("loss_mae", l.mae());
        parts.put("loss_bc", l.bc());
        return new StepLosses(l.total(), parts);
    }

    /** t ← m(k)·t + (1 − m(k))·s with k the 0-based global data iteration (see {@link PretrainMethod#afterOptimizerStep}), buffers included. */
    @Override
    public void afterOptimizerStep(long iteration) {
        lut.updateTarget(momentum.at(iteration));
    }

    /** Every BatchNorm of the online and target networks takes the group's statistics (SyncBatchNorm, as the official code converts them). */
    @Override
    public void useProcessGroup(Collective group) {
        BatchNorm1d.synchronizeAll(lut.online(), group);
        BatchNorm1d.synchronizeAll(lut.target(), group);
    }

    @Override
    public void train(boolean on) {
        lut.online().train(on);
        lut.target().eval(); // the official target is put in eval mode once and never switched back
    }
}
