// What the robustness analyses and the downstream evaluations need from a trained classifier: logits
// of normalised images, the class count, the input geometry and the normalisation it was trained with.
// A probed encoder (encoder + BN + head) and a fine-tuned ViT both are one.
package io.tessera.eval.downstream;

import io.tessera.nn.VitConfig;
import io.tessera.ssl.data.Normalize;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

/** An image classifier in evaluation mode. */
public interface Classifier {
    /** images (B, C, H, W), normalised with {@link #normalize()} → logits (B, V). */
    Tensor logits(Ops ops, Tensor images);

    /** V. */
    int classes();

    /** The network's input geometry (image size, patch, channels). */
    VitConfig input();

    /** The per-channel normalisation its inputs get. */
    Normalize normalize();

    /** A one-line description for logs and reports. */
    String describe();
}
