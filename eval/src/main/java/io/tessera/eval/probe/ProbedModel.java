// A frozen encoder with its trained linear probe: pool(encoder(x)) → BatchNorm (running statistics)
// → Linear. What a probe checkpoint rebuilds, and the classifier the robustness analyses and the
// probe's loss landscape evaluate. Always in evaluation mode.
package io.tessera.eval.probe;

import io.tessera.eval.downstream.Classifier;
import io.tessera.eval.downstream.Pooling;
import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.ssl.data.Normalize;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

import java.util.Locale;

/** encoder + pooling + {@link LinearHead}, with the normalisation the features were computed under. */
public final class ProbedModel implements Classifier {
    private final VisionTransformer encoder;
    private final Pooling pooling;
    private final LinearHead head;
    private final Normalize normalize;

    public ProbedModel(VisionTransformer encoder, Pooling pooling, LinearHead head, Normalize normalize) {
        if (head.dim() != encoder.config().width()) {
            throw new IllegalArgumentException("the probe head takes " + head.dim() + " features, the encoder gives " + encoder.config().width());
        }
        if (normalize.channels() != encoder.config().inChannels()) {
            throw new IllegalArgumentException("normalisation for " + normalize.channels() + " channel(s), the encoder takes " + encoder.config().inChannels());
        }
        this.encoder = encoder;
        this.pooling = pooling;
        this.head = head;
        this.normalize = normalize;
        encoder.eval();
        head.train(false);
    }

    public VisionTransformer encoder() { return encoder; }

    public Pooling pooling() { return pooling; }

    public LinearHead head() { return head; }

    /** Pooled features (B, D) of normalised images (B, C, H, W). */
    public Tensor features(Ops ops, Tensor images) {
        encoder.eval();
        return pooling.features(ops, encoder, images);
    }

    /** logits (B, V) = Linear(BN_running(pool(encoder(images)))). */
    @Override
    public Tensor logits(Ops ops, Tensor images) {
        head.train(false);
        return head.forward(ops, features(ops, images));
    }

    /** The probe's mean cross-entropy on a batch (I32 labels (B)): the objective of its loss landscape. */
    public Tensor crossEntropy(Ops ops, Tensor images, Tensor labels) {
        return ops.crossEntropy(logits(ops, images), labels, 0);
    }

    @Override
    public int classes() { return head.classes(); }

    @Override
    public VitConfig input() { return encoder.config(); }

    @Override
    public Normalize normalize() { return normalize; }

    @Override
    public String describe() {
        VitConfig c = encoder.config();
        return String.format(Locale.ROOT, "linear probe (%s pooling, %d classes) on ViT %d×%d, patch %d, %d×%d×%d input",
                pooling.label(), head.classes(), c.width(), c.depth(), c.patchSize(), c.inChannels(), c.imageSize(), c.imageSize());
    }
}
