// Configuration of LUT (Kim et al., ECCV 2024): the MAE it extends, the projector/predictor hidden
// width and the loss weights. Presets follow the released recipe (docs/PRETRAIN.md); it is not a
// training-schedule config (epochs, learning rate and momentum live with the trainer).
package io.tessera.ssl.lut;

import io.tessera.ssl.mae.MaeConfig;

/**
 * @param mae        the online MAE (encoder, decoder, mask ratio ≥ 0.5 so two disjoint visible
 *                   sets of K tokens fit, norm-pix flag)
 * @param headHidden hidden width of {@code head} and {@code predictor} (4096 officially)
 * @param wMae       weight of the reconstruction loss (1.0)
 * @param wBc        λ, weight of the cross-view consistency loss (0.25 for ViT-B)
 */
public record LutConfig(MaeConfig mae, int headHidden, double wMae, double wBc) {
    public LutConfig {
        if (mae == null) throw new IllegalArgumentException("LutConfig needs an MAE config");
        if (headHidden < 1 || headHidden > io.tessera.nn.VitConfig.MAX_WIDTH) {
            throw new IllegalArgumentException("LUT head hidden width must be from 1 to " + io.tessera.nn.VitConfig.MAX_WIDTH + ", got " + headHidden);
        }
        if (!(wMae >= 0 && wMae < Double.POSITIVE_INFINITY) || !(wBc >= 0 && wBc < Double.POSITIVE_INFINITY)) throw new IllegalArgumentException("LUT loss weights must be finite and ≥ 0, got w_mae " + wMae + ", w_bc " + wBc);
        int l = mae.encoder().numPatches();
        int k = (int) Math.floor(l * (1 - mae.maskRatio()));
        if (2 * k > l) {
            throw new IllegalArgumentException("LUT needs two disjoint visible sets of K = " + k + " of L = " + l
                    + " patches; mask ratio " + mae.maskRatio() + " is below 0.5");
        }
    }

    /** LUT ViT-B/16: MAE-B with the 512-d/8-block decoder, heads 768→4096→768, λ = 0.25. */
    public static LutConfig base() {
        return new LutConfig(MaeConfig.base(), 4096, 1.0, 0.25);
    }

    /**
     * LUT ViT-S/16: ViT-S with the 512-d/8-block/16-head decoder (lut_vit_small_patch16), λ = 1.0
     * (the ViT-S weight is not in the released code or docs: unverified).
     */
    public static LutConfig small() {
        return new LutConfig(MaeConfig.small().withDecoder(512, 8, 16), 4096, 1.0, 1.0);
    }

    /** LUT ViT-L/16: MAE-L with the 512-d/8-block decoder, λ = 0.25 (the ViT-B value; unverified for L). */
    public static LutConfig large() {
        return new LutConfig(MaeConfig.large(), 4096, 1.0, 0.25);
    }

    /** The micro MAE of the tests (16×16, patch 4, D 32) with heads 32→48→32 and λ = 0.25. */
    public static LutConfig micro16() {
        return new LutConfig(MaeConfig.micro16(), 48, 1.0, 0.25);
    }

    public LutConfig withHeadHidden(int hidden) {
        return new LutConfig(mae, hidden, wMae, wBc);
    }

    public LutConfig withWeights(double mae, double bc) {
        return new LutConfig(this.mae, headHidden, mae, bc);
    }
}
