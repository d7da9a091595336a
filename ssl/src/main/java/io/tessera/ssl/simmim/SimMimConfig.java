// Configuration of SimMIM (Xie et al., CVPR 2022; simmim: models/simmim.py, data/data_simmim.py) on our
// ViT: the encoder, the mask-patch size of the coarse random grid and the mask ratio. Not the
// optimiser recipe (AdamW (0.9, 0.999), multistep schedule, grad clip 5 belong to the trainer).
package io.tessera.ssl.simmim;

import io.tessera.nn.VitConfig;

/**
 * @param encoder       a ViT with cls token, final norm and no head; its position table is the
 *                      absolute 2-D sin-cos one (the official ViT-B uses a shared relative position
 *                      bias instead, which our ViT does not have)
 * @param maskPatchSize side of one mask cell in pixels, a multiple of the ViT patch (32 officially)
 * @param maskRatio     fraction of cells masked, rounded up: ceil(cells·ratio) (0.6 officially)
 */
public record SimMimConfig(VitConfig encoder, int maskPatchSize, double maskRatio) {
    public SimMimConfig {
        if (encoder == null || encoder.pooling() != VitConfig.Pooling.CLS || encoder.numClasses() != 0) {
            throw new IllegalArgumentException("the SimMIM encoder is a ViT with cls token, final norm and no head; got " + encoder);
        }
        if (maskPatchSize < encoder.patchSize() || maskPatchSize % encoder.patchSize() != 0 || encoder.imageSize() % maskPatchSize != 0) {
            throw new IllegalArgumentException("SimMIM mask patch " + maskPatchSize + " must be a multiple of the ViT patch " + encoder.patchSize()
                    + " and divide the image side " + encoder.imageSize());
        }
        if (!(maskRatio > 0 && maskRatio < 1)) throw new IllegalArgumentException("SimMIM mask ratio must be in (0, 1), got " + maskRatio);
    }

    /** SimMIM ViT-B/16 at 224²: 32-pixel mask cells (7×7 grid, 30 masked), ratio 0.6. */
    public static SimMimConfig base() {
        return new SimMimConfig(VitConfig.base(), 32, 0.6);
    }

    /** The micro ViT of the tests (16×16, patch 4, D 32, 2 blocks, 4 heads) with 8-pixel cells (2×2 grid). */
    public static SimMimConfig micro16() {
        return new SimMimConfig(new VitConfig(16, 4, 3, 32, 2, 4, 4.0, true, 1e-6, VitConfig.Pooling.CLS,
                VitConfig.PosEmbed.FIXED_SINCOS, 0, 0.0), 8, 0.6);
    }

    /** Mask cells per side. */
    public int cellsPerSide() { return encoder.imageSize() / maskPatchSize; }

    /** Number of mask cells. */
    public int cells() { return cellsPerSide() * cellsPerSide(); }

    /** ViT patches per cell side: maskPatchSize / patchSize. */
    public int scale() { return maskPatchSize / encoder.patchSize(); }

    /** Masked cells per sample: ceil(cells · ratio), as np.ceil in the official generator. */
    public int maskedCells() { return (int) Math.ceil(cells() * maskRatio); }

    /** Values per patch P·P·C, the prediction width. */
    public int patchValues() { return encoder.patchSize() * encoder.patchSize() * encoder.inChannels(); }

    public SimMimConfig withMask(int patch, double ratio) {
        return new SimMimConfig(encoder, patch, ratio);
    }
}
