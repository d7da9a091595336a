// A fine-tuned ViT classifier (MAE's models_vit.VisionTransformer: global average pooling + fc_norm,
// or the cls token after the final norm, then the head) with the normalisation of its inputs. What a
// fine-tune checkpoint rebuilds; always evaluated in evaluation mode (no drop path).
package io.tessera.eval.finetune;

import io.tessera.eval.downstream.Classifier;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.ssl.data.Normalize;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

import java.util.Locale;

/** A {@link VisionTransformer} with a head, as a {@link Classifier}. */
public final class FinetunedModel implements Classifier {
    private final VisionTransformer model;
    private final Normalize normalize;

    public FinetunedModel(VisionTransformer model, Normalize normalize) {
        if (model.config().numClasses() < 2) throw new IllegalArgumentException("a fine-tuned model needs a head of ≥ 2 classes, got " + model.config().numClasses());
        if (normalize.channels() != model.config().inChannels()) {
            throw new IllegalArgumentException("normalisation for " + normalize.channels() + " channel(s), the model takes " + model.config().inChannels());
        }
        this.model = model;
        this.normalize = normalize;
    }

    public VisionTransformer model() { return model; }

    @Override
    public Tensor logits(Ops ops, Tensor images) {
        model.eval();
        return model.forward(ops, images);
    }

    @Override
    public int classes() { return model.config().numClasses(); }

    @Override
    public VitConfig input() { return model.config(); }

    @Override
    public Normalize normalize() { return normalize; }

    @Override
    public String describe() {
        VitConfig c = model.config();
        return String.format(Locale.ROOT, "fine-tuned ViT %d×%d (%s pooling, %d classes), patch %d, %d×%d×%d input", c.width(), c.depth(),
                c.pooling() == VitConfig.Pooling.MEAN ? "avg" : "cls", c.numClasses(), c.patchSize(), c.inChannels(), c.imageSize(), c.imageSize());
    }
}
