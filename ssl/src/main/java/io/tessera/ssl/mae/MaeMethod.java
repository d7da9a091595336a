package io.tessera.ssl.mae;

import io.tessera.nn.ParameterStore;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;

import java.util.Map;

/** MAE as a pre-training method: masks with the step's stream and returns the reconstruction loss. */
public final class MaeMethod implements PretrainMethod {
    private final MaskedAutoencoder model;

    public MaeMethod(MaskedAutoencoder model) {
        this.model = model;
    }

    public MaskedAutoencoder model() {
        return model;
    }

    @Override
    public String name() {
        return "mae";
    }

    @Override
    public ParameterStore trainable() {
        return model.store();
    }

    @Override
    public Map<String, ParameterStore> stores() {
        return Map.of("student", model.store());
    }

    /** The masking noise is drawn row by row: a slice of the global batch skips to its rows. */
    @Override
    public boolean drawsRowsFromFirstSample() {
        return true;
    }

    @Override
    public String evaluationRole() {
        return "student";
    }

    @Override
    public StepLosses forward(Ops ops, Batch batch, Rng rng) {
        MaskedAutoencoder.Output out = model.forward(ops, batch.images(), model.mask(ops, rng.split("mask"), batch.size(), batch.firstSample()));
        return new StepLosses(out.loss(), Map.of("loss_r", out.loss()));
    }

    @Override
    public void train(boolean on) {
        model.train(on);
    }
}
