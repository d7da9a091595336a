// The linear-probing loss as an objective for the Hessian and landscape tools: the cross-entropy of a
// probed model (frozen encoder, BatchNorm on its running statistics, linear head) with the encoder's
// parameters as the ones analysed and the head held fixed — the loss-landscape paper's linear-probe
// landscape around a pre-trained encoder. Not a training method: it never updates anything.
package io.tessera.eval.probe;

import io.tessera.nn.ParameterStore;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;

/** The probe's cross-entropy (and top-1 accuracy) of a batch, over the encoder's trainable store. */
public final class ProbeLoss implements PretrainMethod {
    private final ProbedModel model;

    public ProbeLoss(ProbedModel model) {
        this.model = model;
    }

    public ProbedModel model() {
        return model;
    }

    @Override
    public String name() {
        return "linear-probe";
    }

    /** The encoder's parameters: what the analyses perturb and differentiate (the head stays fixed). */
    @Override
    public ParameterStore trainable() {
        return model.encoder().store();
    }

    @Override
    public Map<String, ParameterStore> stores() {
        return Map.of("encoder", model.encoder().store(), "head", model.head().store());
    }

    @Override
    public String evaluationRole() {
        return "encoder";
    }

    @Override
    public StepLosses forward(Ops ops, Batch batch, Rng rng) {
        if (batch.labels() == null) throw new IllegalArgumentException("the linear-probe loss needs labels in the batch");
        Tensor logits = model.logits(ops, batch.images());
        Tensor loss = ops.crossEntropy(logits, batch.labels(), 0);
        Map<String, Tensor> parts = new LinkedHashMap<>();
        parts.put("loss_ce", loss);
        io.tessera.eval.downstream.TopK top = new io.tessera.eval.downstream.TopK();
        top.add(logits.toFloatArray(), batch.labels().toIntArray(), logits.dim(1));
        parts.put("accuracy", ops.scalar(top.top1(), logits.dtype()));
        return new StepLosses(loss, parts);
    }

    @Override
    public void train(boolean on) {
        model.encoder().eval();
        model.head().train(false);
    }
}
