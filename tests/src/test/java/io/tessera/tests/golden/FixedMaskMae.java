package io.tessera.tests.golden;

import io.tessera.nn.ParameterStore;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

import java.util.Map;

/** MAE with a golden file's mask (from its noise) instead of a drawn one, as a method the analyses take. */
record FixedMaskMae(MaskedAutoencoder mae, MaskPlan plan) implements PretrainMethod {
    public String name() { return "mae"; }
    public ParameterStore trainable() { return mae.store(); }
    public Map<String, ParameterStore> stores() { return Map.of("student", mae.store()); }
    public String evaluationRole() { return "student"; }
    public StepLosses forward(Ops ops, Batch batch, Rng rng) {
        Tensor loss = mae.forward(ops, batch.images(), plan).loss();
        return new StepLosses(loss, Map.of("loss_r", loss));
    }
    public void train(boolean on) { mae.train(on); }
}
