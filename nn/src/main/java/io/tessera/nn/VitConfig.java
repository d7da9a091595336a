package io.tessera.nn;

/**
 * Configuration of a {@link VisionTransformer}, validated on construction. Presets follow the
 * MAE / RC-MAE / LUT papers (patch 16 at 224², MLP ratio 4, qkv bias, LayerNorm eps 1e-6) plus
 * small-image presets for CPU work. Presets are encoders: cls pooling with a final norm, fixed
 * sin-cos position table, no classification head; derive variants with the {@code with…}
 * methods.
 *
 * @param imageSize    square input side in pixels
 * @param patchSize    P, the patch side (conv kernel and stride)
 * @param inChannels   C
 * @param width        D
 * @param depth        number of blocks
 * @param heads        H (D must be divisible by H)
 * @param mlpRatio     MLP hidden = D · ratio (must be an integer)
 * @param qkvBias      whether the fused qkv Linear has a bias
 * @param layerNormEps LayerNorm epsilon (1e-6 in every ViT here)
 * @param pooling      CLS (final norm, cls token) or MEAN (mean of patch tokens, then fc_norm)
 * @param posEmbed     fixed sin-cos buffer or a learnable parameter initialised with sin-cos
 * @param numClasses   V, 0 for no head
 * @param dropPathRate stochastic depth at the last block; block i gets rate·i/(depth − 1)
 */
public record VitConfig(int imageSize, int patchSize, int inChannels, int width, int depth, int heads,
                        double mlpRatio, boolean qkvBias, double layerNormEps, Pooling pooling,
                        PosEmbed posEmbed, int numClasses, double dropPathRate) {

    /** How features are pooled from the token sequence. */
    public enum Pooling {
        /** The cls token after the final LayerNorm ({@code norm}). */
        CLS,
        /** Mean of the patch tokens (cls excluded), then {@code fc_norm}; no final {@code norm}. */
        MEAN
    }

    /** How the position table is held. */
    public enum PosEmbed {
        /** Frozen 2-D sin-cos table, stored as a non-trainable buffer (MAE pre-training). */
        FIXED_SINCOS,
        /** Trainable parameter initialised with the sin-cos table (fine-tuning, timm). */
        LEARNABLE
    }

    public VitConfig {
        if (imageSize <= 0 || patchSize <= 0 || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("VitConfig: image size " + imageSize + " must be a positive multiple of patch size " + patchSize);
        }
        if (inChannels <= 0 || depth <= 0 || heads <= 0) {
            throw new IllegalArgumentException("VitConfig: channels " + inChannels + ", depth " + depth + ", heads " + heads + " must be positive");
        }
        if (width <= 0 || width % heads != 0) {
            throw new IllegalArgumentException("VitConfig: width " + width + " must be a positive multiple of heads " + heads);
        }
        if (width % 4 != 0) {
            throw new IllegalArgumentException("VitConfig: width " + width + " must be divisible by 4 for the 2-D sin-cos position embedding");
        }
        double hidden = width * mlpRatio;
        if (!(mlpRatio > 0) || hidden != Math.rint(hidden)) {
            throw new IllegalArgumentException("VitConfig: width " + width + " × mlp ratio " + mlpRatio + " must be a positive integer");
        }
        if (!(layerNormEps > 0)) throw new IllegalArgumentException("VitConfig: LayerNorm eps must be positive, got " + layerNormEps);
        if (pooling == null || posEmbed == null) throw new IllegalArgumentException("VitConfig: pooling and posEmbed must be given");
        if (numClasses < 0) throw new IllegalArgumentException("VitConfig: numClasses must be ≥ 0, got " + numClasses);
        if (!(dropPathRate >= 0 && dropPathRate < 1)) {
            throw new IllegalArgumentException("VitConfig: drop path rate must be in [0, 1), got " + dropPathRate);
        }
    }

    private static VitConfig encoder(int image, int patch, int channels, int width, int depth, int heads) {
        return new VitConfig(image, patch, channels, width, depth, heads, 4.0, true, 1e-6, Pooling.CLS, PosEmbed.FIXED_SINCOS, 0, 0.0);
    }

    /** ViT-Ti/16: D 192, 12 blocks, 3 heads, 224² RGB. */
    public static VitConfig tiny() { return encoder(224, 16, 3, 192, 12, 3); }

    /** ViT-S/16: D 384, 12 blocks, 6 heads. */
    public static VitConfig small() { return encoder(224, 16, 3, 384, 12, 6); }

    /** ViT-B/16: D 768, 12 blocks, 12 heads. */
    public static VitConfig base() { return encoder(224, 16, 3, 768, 12, 12); }

    /** ViT-L/16: D 1024, 24 blocks, 16 heads. */
    public static VitConfig large() { return encoder(224, 16, 3, 1024, 24, 16); }

    /** ViT-H/14: D 1280, 32 blocks, 16 heads, patch 14. */
    public static VitConfig huge() { return encoder(224, 14, 3, 1280, 32, 16); }

    /** ViT-Ti on 32×32 RGB (CIFAR) with 4-pixel patches: 8×8 = 64 patches. */
    public static VitConfig tiny32() { return encoder(32, 4, 3, 192, 12, 3); }

    /** ViT-Ti on 28×28 grey images (MNIST, Fashion-MNIST) with 7-pixel patches: 4×4 = 16 patches. */
    public static VitConfig tiny28() { return encoder(28, 7, 1, 192, 12, 3); }

    /** Patches per side. */
    public int gridSize() { return imageSize / patchSize; }

    /** L, the number of patches. */
    public int numPatches() { return gridSize() * gridSize(); }

    /** T = L + 1 (with the cls token). */
    public int numTokens() { return numPatches() + 1; }

    /** Dh = D / H. */
    public int headDim() { return width / heads; }

    /** MLP hidden width D · ratio. */
    public int mlpHidden() { return (int) Math.rint(width * mlpRatio); }

    /** Drop-path rate of block i: rate · i / (depth − 1) (torch.linspace(0, rate, depth)). */
    public double dropPathAt(int block) {
        return depth == 1 ? 0.0 : dropPathRate * block / (depth - 1);
    }

    public VitConfig withClasses(int v) {
        return new VitConfig(imageSize, patchSize, inChannels, width, depth, heads, mlpRatio, qkvBias, layerNormEps, pooling, posEmbed, v, dropPathRate);
    }

    public VitConfig withPooling(Pooling p) {
        return new VitConfig(imageSize, patchSize, inChannels, width, depth, heads, mlpRatio, qkvBias, layerNormEps, p, posEmbed, numClasses, dropPathRate);
    }

    public VitConfig withPosEmbed(PosEmbed p) {
        return new VitConfig(imageSize, patchSize, inChannels, width, depth, heads, mlpRatio, qkvBias, layerNormEps, pooling, p, numClasses, dropPathRate);
    }

    public VitConfig withDropPath(double rate) {
        return new VitConfig(imageSize, patchSize, inChannels, width, depth, heads, mlpRatio, qkvBias, layerNormEps, pooling, posEmbed, numClasses, rate);
    }

    public VitConfig withDepth(int d) {
        return new VitConfig(imageSize, patchSize, inChannels, width, d, heads, mlpRatio, qkvBias, layerNormEps, pooling, posEmbed, numClasses, dropPathRate);
    }

    /** Another input geometry (image side, patch, channels). */
    public VitConfig withImage(int size, int patch, int channels) {
        return new VitConfig(size, patch, channels, width, depth, heads, mlpRatio, qkvBias, layerNormEps, pooling, posEmbed, numClasses, dropPathRate);
    }
}
