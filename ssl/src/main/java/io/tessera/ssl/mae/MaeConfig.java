package io.tessera.ssl.mae;

import io.tessera.nn.VitConfig;

/**
 * A masked autoencoder: its ViT encoder, its decoder (width, depth, heads; MLP ratio 4, eps
 * 1e-6, as the official code), the mask ratio and whether the target is the per-patch
 * normalised pixels (norm_pix_loss).
 */
public record MaeConfig(VitConfig encoder, int decoderWidth, int decoderDepth, int decoderHeads,
                        double maskRatio, boolean normPixLoss) {

    public MaeConfig {
        if (encoder.pooling() != VitConfig.Pooling.CLS || encoder.numClasses() != 0) {
            throw new IllegalArgumentException("the MAE encoder is a ViT with cls token, final norm and no head; got " + encoder);
        }
        if (encoder.posEmbed() != VitConfig.PosEmbed.FIXED_SINCOS) {
            throw new IllegalArgumentException("MAE pre-training uses the fixed sin-cos position table");
        }
        if (decoderWidth < 4 || decoderWidth % 4 != 0 || decoderWidth > VitConfig.MAX_WIDTH) {
            throw new IllegalArgumentException("decoder width must be a multiple of 4 (sin-cos table) from 4 to " + VitConfig.MAX_WIDTH + ", got " + decoderWidth);
        }
        if (decoderDepth < 1 || decoderDepth > VitConfig.MAX_DEPTH) {
            throw new IllegalArgumentException("decoder depth must be from 1 to " + VitConfig.MAX_DEPTH + ", got " + decoderDepth);
        }
        if (decoderHeads < 1 || decoderWidth % decoderHeads != 0) {
            throw new IllegalArgumentException("decoder heads " + decoderHeads + " must divide decoder width " + decoderWidth);
        }
        if (!(maskRatio >= 0 && maskRatio < 1)) throw new IllegalArgumentException("mask ratio must be in [0, 1), got " + maskRatio);
        long decoder = decoderParameters(encoder, decoderWidth, decoderDepth);
        if (decoder > VitConfig.MAX_STORE - encoder.parameterCount()) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the MAE (encoder %,d, decoder %,d parameters) is larger than the %,d "
                    + "one parameter store holds; use a smaller decoder", encoder.parameterCount(), decoder, VitConfig.MAX_STORE));
        }
    }

    /**
     * Parameters and buffers of the decoder, counted exactly: decoder_embed D·Dd + Dd, mask token
     * Dd, the fixed position table T·Dd, per block 4Dd + 4Dd² + 4Dd (attention with qkv bias) +
     * 8Dd² + 5Dd (MLP ratio 4), decoder_norm 2Dd and decoder_pred Dd·P²C + P²C. MAE-B's
     * 512-wide, 8-block decoder: 26,008,320 trainable plus 100,864 in the table.
     */
    public long decoderParameterCount() {
        return decoderParameters(encoder, decoderWidth, decoderDepth);
    }

    /** Encoder and decoder together: {@link VitConfig#parameterCount()} + {@link #decoderParameterCount()}. */
    public long parameterCount() {
        return encoder.parameterCount() + decoderParameterCount();
    }

    private static long decoderParameters(VitConfig e, long dd, long depth) {
        long values = (long) e.patchSize() * e.patchSize() * e.inChannels();
        long block = 4 * dd + 3 * dd * dd + 3 * dd + dd * dd + dd + 2 * dd * 4 * dd + 4 * dd + dd;
        return e.width() * dd + dd + dd + (long) e.numTokens() * dd + depth * block + 2 * dd + dd * values + values;
    }

    /** MAE ViT-B/16 with the 512-wide, 8-block decoder (111,655,680 trainable parameters). */
    public static MaeConfig base() {
        return new MaeConfig(VitConfig.base(), 512, 8, 16, 0.75, true);
    }

    /** MAE ViT-L/16 with the 512-wide, 8-block decoder. */
    public static MaeConfig large() {
        return new MaeConfig(VitConfig.large(), 512, 8, 16, 0.75, true);
    }

    /** MAE ViT-H/14 with the 512-wide, 8-block decoder. */
    public static MaeConfig huge() {
        return new MaeConfig(VitConfig.huge(), 512, 8, 16, 0.75, true);
    }

    /** RC-MAE's ViT-S/16 with its 256-wide, 4-block, 8-head decoder. */
    public static MaeConfig small() {
        return new MaeConfig(VitConfig.small(), 256, 4, 8, 0.75, true);
    }

    /** RC-MAE's ViT-Ti/16 with its 128-wide, 2-block, 4-head decoder. */
    public static MaeConfig tiny() {
        return new MaeConfig(VitConfig.tiny(), 128, 2, 4, 0.75, true);
    }

    /** ViT-Tiny encoder on 32×32 images with patch 4, decoder 128 wide and 4 deep (the CPU benchmark). */
    public static MaeConfig tiny32() {
        return new MaeConfig(VitConfig.tiny32(), 128, 4, 4, 0.75, true);
    }

    /**
     * A micro model for tests and quick checks: 16×16 RGB, patch 4, width 32, 2 blocks, 4 heads;
     * decoder 24 wide, 1 block, 3 heads.
     */
    public static MaeConfig micro16() {
        return new MaeConfig(new VitConfig(16, 4, 3, 32, 2, 4, 4.0, true, 1e-6, VitConfig.Pooling.CLS,
                VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0), 24, 1, 3, 0.75, true);
    }

    /**
     * A small model for 28×28 or 32×32 images on a laptop CPU (the demo): width 128, 6 blocks,
     * 4 heads, patch 4; decoder 64 wide, 2 blocks, 4 heads.
     */
    public static MaeConfig mini() {
        return new MaeConfig(new VitConfig(28, 4, 1, 128, 6, 4, 4.0, true, 1e-6, VitConfig.Pooling.CLS,
                VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0), 64, 2, 4, 0.75, true);
    }

    /**
     * A compact model for 28×28 images, sized so that four methods × three seeds of a few epochs on
     * the full Fashion-MNIST fit in hours on a 2-core CPU (the reproduction study): width 64,
     * 4 blocks, 4 heads, patch 4; decoder 32 wide, 2 blocks, 4 heads.
     */
    public static MaeConfig micro28() {
        return new MaeConfig(new VitConfig(28, 4, 1, 64, 4, 4, 4.0, true, 1e-6, VitConfig.Pooling.CLS,
                VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0), 32, 2, 4, 0.75, true);
    }

    /** The preset names {@link #preset} accepts. */
    public static final java.util.List<String> PRESETS = java.util.List.of("micro16", "micro28", "mini", "tiny32", "tiny", "small", "base", "large", "huge");

    /** A preset by name (see {@link #PRESETS}). */
    public static MaeConfig preset(String name) {
        return switch (name) {
            case "micro16" -> micro16();
            case "micro28" -> micro28();
            case "mini" -> mini();
            case "tiny32" -> tiny32();
            case "tiny" -> tiny();
            case "small" -> small();
            case "base" -> base();
            case "large" -> large();
            case "huge" -> huge();
            default -> throw new IllegalArgumentException("unknown model '" + name + "'; presets: " + String.join(", ", PRESETS));
        };
    }

    /** This model for images of another size, patch and channel count (widths and depths unchanged). */
    public MaeConfig forImages(int size, int patch, int channels) {
        return withEncoder(encoder.withImage(size, patch, channels));
    }

    /** The fields a checkpoint sidecar records to rebuild this model. */
    public java.util.Map<String, Object> toMap() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("image_size", (long) encoder.imageSize());
        m.put("patch_size", (long) encoder.patchSize());
        m.put("in_chans", (long) encoder.inChannels());
        m.put("embed_dim", (long) encoder.width());
        m.put("depth", (long) encoder.depth());
        m.put("num_heads", (long) encoder.heads());
        m.put("mlp_ratio", encoder.mlpRatio());
        m.put("decoder_embed_dim", (long) decoderWidth);
        m.put("decoder_depth", (long) decoderDepth);
        m.put("decoder_num_heads", (long) decoderHeads);
        m.put("mask_ratio", maskRatio);
        m.put("norm_pix_loss", normPixLoss);
        return m;
    }

    /** Rebuilds a config from {@link #toMap()}'s fields (e.g. read back from a sidecar), each checked and bounded. */
    public static MaeConfig fromMap(java.util.Map<?, ?> m) {
        return fromJson(io.tessera.nn.checkpoint.JsonFields.of(m, null));
    }

    /**
     * Rebuilds a config from {@link #toMap()}'s fields: integers must be integral and within the
     * bounds of {@link VitConfig} (a width of 32.5 or 10¹² is refused, not truncated), errors name
     * the file and the field.
     */
    public static MaeConfig fromJson(io.tessera.nn.checkpoint.JsonFields f) {
        int image = f.integer("image_size", 1, VitConfig.MAX_IMAGE_SIZE);
        try {
            return build(f, image);
        } catch (IllegalArgumentException inconsistent) {
            if (f.file() == null) throw inconsistent;
            throw new io.tessera.nn.checkpoint.CheckpointFormatException(f.file(), 0, "the model it describes is not valid: " + inconsistent.getMessage());
        }
    }

    private static MaeConfig build(io.tessera.nn.checkpoint.JsonFields f, int image) {
        VitConfig e = new VitConfig(image, f.integer("patch_size", 1, image), f.integer("in_chans", 1, VitConfig.MAX_CHANNELS),
                f.integer("embed_dim", 4, VitConfig.MAX_WIDTH), f.integer("depth", 1, VitConfig.MAX_DEPTH), f.integer("num_heads", 1, VitConfig.MAX_WIDTH),
                f.real("mlp_ratio", 0, VitConfig.MAX_WIDTH), true, 1e-6, VitConfig.Pooling.CLS, VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0);
        return new MaeConfig(e, f.integer("decoder_embed_dim", 4, VitConfig.MAX_WIDTH), f.integer("decoder_depth", 1, VitConfig.MAX_DEPTH),
                f.integer("decoder_num_heads", 1, VitConfig.MAX_WIDTH), f.real("mask_ratio", 0, 0.999999), f.bool("norm_pix_loss"));
    }

    /** Number of values per patch, P·P·C: the decoder's prediction width. */
    public int patchValues() {
        return encoder.patchSize() * encoder.patchSize() * encoder.inChannels();
    }

    public MaeConfig withMaskRatio(double r) {
        return new MaeConfig(encoder, decoderWidth, decoderDepth, decoderHeads, r, normPixLoss);
    }

    public MaeConfig withNormPixLoss(boolean on) {
        return new MaeConfig(encoder, decoderWidth, decoderDepth, decoderHeads, maskRatio, on);
    }

    public MaeConfig withEncoder(VitConfig e) {
        return new MaeConfig(e, decoderWidth, decoderDepth, decoderHeads, maskRatio, normPixLoss);
    }

    public MaeConfig withDecoder(int width, int depth, int heads) {
        return new MaeConfig(encoder, width, depth, heads, maskRatio, normPixLoss);
    }
}
