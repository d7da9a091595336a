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

    /** Largest image side accepted, in pixels. */
    public static final int MAX_IMAGE_SIZE = 8192;
    /** Most patches per image (a 256 × 256 grid). */
    public static final int MAX_PATCHES = 65_536;
    /** Largest width D and MLP hidden width accepted. */
    public static final int MAX_WIDTH = 16_384;
    /** Most blocks accepted (the deepest published ViTs have 48). */
    public static final int MAX_DEPTH = 1024;
    /** Most input channels accepted. */
    public static final int MAX_CHANNELS = 1024;
    /** Most classes accepted. */
    public static final int MAX_CLASSES = 1 << 20;
    /** Most parameters and buffers one parameter store holds (its flat buffers are indexed by int). */
    public static final long MAX_STORE = Integer.MAX_VALUE - 8;

    public VitConfig {
        if (patchSize <= 0 || imageSize <= 0 || imageSize > MAX_IMAGE_SIZE || imageSize % patchSize != 0) {
            throw new IllegalArgumentException("VitConfig: image size " + imageSize + " must be a multiple of patch size " + patchSize
                    + ", both from 1 to " + MAX_IMAGE_SIZE);
        }
        if ((long) (imageSize / patchSize) * (imageSize / patchSize) > MAX_PATCHES) {
            throw new IllegalArgumentException("VitConfig: image size " + imageSize + " with patch " + patchSize + " gives " + (long) (imageSize / patchSize) * (imageSize / patchSize)
                    + " patches, more than the " + MAX_PATCHES + " supported; use a larger patch or a smaller image");
        }
        if (inChannels <= 0 || inChannels > MAX_CHANNELS || depth <= 0 || depth > MAX_DEPTH || heads <= 0) {
            throw new IllegalArgumentException("VitConfig: channels " + inChannels + ", depth " + depth + ", heads " + heads
                    + " must be positive, with at most " + MAX_CHANNELS + " channels and " + MAX_DEPTH + " blocks");
        }
        if (width > MAX_WIDTH) throw new IllegalArgumentException("VitConfig: width " + width + " is larger than the " + MAX_WIDTH + " supported");
        if (width <= 0 || width % heads != 0) {
            throw new IllegalArgumentException("VitConfig: width " + width + " must be a positive multiple of heads " + heads);
        }
        if (width % 4 != 0) {
            throw new IllegalArgumentException("VitConfig: width " + width + " must be divisible by 4 for the 2-D sin-cos position embedding");
        }
        double hidden = width * mlpRatio;
        if (!(mlpRatio > 0) || hidden != Math.rint(hidden) || hidden > MAX_WIDTH) {
            throw new IllegalArgumentException("VitConfig: width " + width + " × mlp ratio " + mlpRatio + " must be a positive integer of at most " + MAX_WIDTH);
        }
        if (!(layerNormEps > 0)) throw new IllegalArgumentException("VitConfig: LayerNorm eps must be positive, got " + layerNormEps);
        if (pooling == null || posEmbed == null) throw new IllegalArgumentException("VitConfig: pooling and posEmbed must be given");
        if (numClasses < 0 || numClasses > MAX_CLASSES) throw new IllegalArgumentException("VitConfig: numClasses must be from 0 to " + MAX_CLASSES + ", got " + numClasses);
        if (!(dropPathRate >= 0 && dropPathRate < 1)) {
            throw new IllegalArgumentException("VitConfig: drop path rate must be in [0, 1), got " + dropPathRate);
        }
        long total = countParameters(imageSize, patchSize, inChannels, width, depth, (int) Math.rint(hidden), qkvBias, numClasses);
        if (total > MAX_STORE) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "VitConfig: width %d × depth %d has %,d parameters, more than the %,d "
                    + "one parameter store holds; use a smaller width or depth", width, depth, total, MAX_STORE));
        }
    }

    /**
     * Parameters and buffers of the ViT, counted exactly: patch embedding D·(C·P² + 1), cls token D,
     * position table T·D (a buffer when fixed), per block 4D (two LayerNorms) + 3D² (+ 3D bias) + D² + D
     * (attention) + 2·D·Dm + Dm + D (MLP of hidden width Dm), the final norm 2D and a head V·D + V.
     * ViT-B/16: 85,647,360 trainable plus the 151,296 entries of the fixed table.
     */
    public long parameterCount() {
        return countParameters(imageSize, patchSize, inChannels, width, depth, mlpHidden(), qkvBias, numClasses);
    }

    private static long countParameters(int image, int patch, int channels, long d, int depth, long hidden, boolean qkvBias, int classes) {
        long tokens = (long) (image / patch) * (image / patch) + 1;
        long embed = d * ((long) channels * patch * patch + 1) + d + tokens * d;
        long block = 4 * d + 3 * d * d + (qkvBias ? 3 * d : 0) + d * d + d + 2 * d * hidden + hidden + d;
        long head = classes > 0 ? (long) classes * d + classes : 0;
        return embed + depth * block + 2 * d + head;
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
