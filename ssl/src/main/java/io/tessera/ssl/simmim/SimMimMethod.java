// SimMIM as a pre-training method: one coarse-grid mask per sample from the step's stream, L1 loss
// on the masked pixels. Not the model (see SimMim).
package io.tessera.ssl.simmim;

import io.tessera.nn.ParameterStore;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;

import java.util.Map;

/** Trainer contract for {@link SimMim}: one store "student", which downstream evaluation uses. */
public final class SimMimMethod implements PretrainMethod {
    private final SimMim model;

    public SimMimMethod(SimMim model) {
        this.model = model;
    }

    public SimMim model() { return model; }

    @Override
    public String name() { return "simmim"; }

    @Override
    public ParameterStore trainable() { return model.store(); }

    @Override
    public Map<String, ParameterStore> stores() { return Map.of("student", model.store()); }

    @Override
    public String evaluationRole() { return "student"; }

    /** The permutations are drawn sample by sample: a slice of the global batch skips to its rows. */
    @Override
    public boolean drawsRowsFromFirstSample() {
        return true;
    }

    /**
     * Masks with this slice's rows of {@code rng.split("mask")} ({@link SimMimMasking#sample},
     * {@link Batch#rowStream}); part "loss_rec".
     */
    @Override
    public StepLosses forward(Ops ops, Batch batch, Rng rng) {
        var c = model.config();
        var mask = SimMimMasking.sample(ops, batch.rowStream(rng.split("mask"), SimMimMasking.drawsPerSample(c.cells())), batch.size(), c);
        SimMim.Output out = model.forward(ops, batch.images(), mask);
        return new StepLosses(out.loss(), Map.of("loss_rec", out.loss()));
    }

    @Override
    public void train(boolean on) {
        model.train(on);
    }
}
