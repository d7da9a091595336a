package io.tessera.nn.optim;

/**
 * Layer-wise learning-rate decay for fine-tuning (MAE util/lr_decay.py, after BEiT): with
 * n = depth + 1, the parameter with layer id ℓ gets scale decay^(n − ℓ), where cls_token,
 * pos_embed and patch_embed.* have id 0, blocks.k.* have id k + 1 and everything else
 * (fc_norm, norm, head) has id n (scale 1).
 */
public record LayerDecay(double decay, int depth) {
    public LayerDecay {
        if (!(decay > 0 && decay <= 1)) throw new IllegalArgumentException("layer decay must be in (0, 1], got " + decay);
        if (depth < 1) throw new IllegalArgumentException("depth must be ≥ 1, got " + depth);
    }

    /** The layer id of a parameter name in the timm / MAE naming. */
    public int layerId(String name) {
        if (name.equals("cls_token") || name.equals("mask_token") || name.equals("pos_embed") || name.startsWith("patch_embed")) {
            return 0;
        }
        if (name.startsWith("blocks.")) {
            int end = name.indexOf('.', 7);
            try {
                return Integer.parseInt(name.substring(7, end < 0 ? name.length() : end)) + 1;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("cannot read the block index of parameter " + name);
            }
        }
        return depth + 1;
    }

    /** The learning-rate scale of a parameter. */
    public double scale(String name) {
        return Math.pow(decay, depth + 1 - layerId(name));
    }
}
