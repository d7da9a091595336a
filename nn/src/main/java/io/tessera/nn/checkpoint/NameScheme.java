package io.tessera.nn.checkpoint;

/**
 * Parameter naming schemes that checkpoints move between. The official MAE pre-training
 * checkpoints and timm's ViT share the encoder names ({@code patch_embed.proj.weight},
 * {@code cls_token}, {@code pos_embed}, {@code blocks.i.*}, {@code norm.*}); MAE adds its
 * decoder ({@code mask_token}, {@code decoder_*}), timm adds a classifier ({@code head.*}) and,
 * with global pooling, {@code fc_norm.*} in place of the final {@code norm.*}.
 */
public enum NameScheme {
    /** facebookresearch/mae models_mae.py (encoder + decoder). */
    MAE,
    /** timm VisionTransformer (encoder + optional head). */
    TIMM;

    /** True for names that exist only in MAE's decoder. */
    public static boolean isDecoder(String name) {
        return name.equals("mask_token") || name.startsWith("decoder_");
    }

    /**
     * Maps a name of this scheme to {@code target}, or returns null when the tensor has no
     * counterpart there (MAE's decoder in timm, timm's head in MAE).
     */
    public String convert(String name, NameScheme target) {
        if (this == target) return name;
        if (this == MAE) return isDecoder(name) ? null : name;
        return name.startsWith("head.") || name.startsWith("fc_norm.") ? null : name;
    }
}
