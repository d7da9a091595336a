// How a frozen encoder's tokens become one feature vector for a probe or k-NN: MAE's cls token after
// the final norm (main_linprobe --cls_token, DINO's k-NN) or the global average of the patch tokens
// followed by a parameter-free LayerNorm (main_linprobe --global_pool: a fresh, frozen fc_norm has
// weight 1 and bias 0; the pre-trained final norm is not applied).
package io.tessera.eval.downstream;

import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Tensor;

import java.util.Locale;

/** Feature pooling of a ViT for probing: {@link #CLS} or {@link #AVG}. */
public enum Pooling {
    /** norm(x)[:, 0]: the cls token after the encoder's final LayerNorm. */
    CLS,
    /** LN(mean_l x[:, 1 + l]) without affine (eps of the encoder), x the output of the last block. */
    AVG;

    /** "cls" or "avg". */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses cls, avg (also: mean, global). */
    public static Pooling parse(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "cls", "cls_token" -> CLS;
            case "avg", "mean", "global", "global_pool" -> AVG;
            default -> throw new IllegalArgumentException("unknown pooling '" + s + "'; choose cls or avg");
        };
    }

    /** imgs (B, C, H, W) → features (B, D). A mean-pooled encoder (with its own fc_norm) serves AVG only. */
    public Tensor features(Ops ops, VisionTransformer vit, Tensor imgs) {
        boolean meanModel = vit.config().pooling() == VitConfig.Pooling.MEAN;
        if (this == CLS) {
            if (meanModel) throw new IllegalArgumentException("cls pooling needs an encoder with a final norm; this one pools the mean (fc_norm)");
            return vit.features(ops, imgs);
        }
        if (meanModel) return vit.features(ops, imgs);
        Tensor x = vit.runBlocks(ops, vit.prependCls(ops, vit.embedPatches(ops, imgs)));           // (B, T, D)
        Tensor mean = ops.mean(ops.slice(x, 1, 1, x.dim(1) - 1), false, 1);                       // (B, D)
        return ops.layerNorm(mean, null, null, vit.config().layerNormEps());
    }
}
