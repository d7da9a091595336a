// The supervised ViT baseline (DeiT-style training of a ViT classifier from scratch) as a method under
// the same trainer: cross-entropy with label smoothing on batch.labels(). Not a fine-tuning recipe
// (layer decay, Mixup/CutMix and RandAug belong to the trainer and data pipeline).
package io.tessera.ssl.supervised;

import io.tessera.nn.ParameterStore;
import io.tessera.nn.VisionTransformer;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.method.PretrainMethod;
import io.tessera.ssl.method.StepLosses;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;

import java.util.Map;

/**
 * L = mean_n [ −(1 − ε)·log p_n[y_n] − (ε/V)·Σ_v log p_n[v] ], p = softmax(vit(x)), ε = 0.1 by
 * default. One store "student", used for evaluation.
 */
public final class SupervisedMethod implements PretrainMethod {
    private final VisionTransformer vit;
    private final double smoothing;

    /** {@code vit} must have a head ({@code numClasses > 0}); {@code smoothing} ε in [0, 1). */
    public SupervisedMethod(VisionTransformer vit, double smoothing) {
        if (vit.config().numClasses() < 1) {
            throw new IllegalArgumentException("the supervised baseline needs a ViT with a classification head, got numClasses " + vit.config().numClasses());
        }
        if (!(smoothing >= 0 && smoothing < 1)) throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + smoothing);
        this.vit = vit;
        this.smoothing = smoothing;
    }

    /** Label smoothing 0.1. */
    public SupervisedMethod(VisionTransformer vit) {
        this(vit, 0.1);
    }

    public VisionTransformer model() { return vit; }

    public double smoothing() { return smoothing; }

    @Override
    public String name() { return "supervised"; }

    @Override
    public ParameterStore trainable() { return vit.store(); }

    @Override
    public Map<String, ParameterStore> stores() { return Map.of("student", vit.store()); }

    @Override
    public String evaluationRole() { return "student"; }

    /** Drop path draws sample by sample of the global batch ({@link io.tessera.nn.DropPath#setRng(Rng, int, int)}). */
    @Override
    public boolean drawsRowsFromFirstSample() {
        return true;
    }

    /**
     * Logits (B, V) from batch.images(), cross-entropy against batch.labels() (I32 (B)); parts "loss_ce"
     * and "accuracy" (top-1 fraction of the batch, not differentiable). Drop path draws from {@code rng.split("drop_path")},
     * this slice's rows of the global batch's draws.
     */
    @Override
    public StepLosses forward(Ops ops, Batch batch, Rng rng) {
        if (batch.labels() == null) throw new IllegalArgumentException("the supervised baseline needs labels in the batch");
        if (vit.config().dropPathRate() > 0) vit.setDropPathRng(rng.split("drop_path"), batch.firstSample(), batch.globalSize());
        Tensor logits = vit.forward(ops, batch.images());
        Tensor loss = ops.crossEntropy(logits, batch.labels(), smoothing);
        Map<String, Tensor> parts = new java.util.LinkedHashMap<>();
        parts.put("loss_ce", loss);
        parts.put("accuracy", ops.scalar(top1(logits, batch.labels()), logits.dtype()));
        return new StepLosses(loss, parts);
    }

    /** The fraction of rows whose largest logit is at the label (ties go to the lower class, as argmax). */
    static double top1(Tensor logits, Tensor labels) {
        float[] z = logits.toFloatArray();
        int[] y = labels.toIntArray();
        int v = logits.dim(1), correct = 0;
        for (int i = 0; i < y.length; i++) {
            int best = 0;
            for (int c = 1; c < v; c++) if (z[i * v + c] > z[i * v + best]) best = c;
            if (best == y[i]) correct++;
        }
        return y.length == 0 ? 0 : correct / (double) y.length;
    }

    @Override
    public void train(boolean on) {
        vit.train(on);
    }
}
