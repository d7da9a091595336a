// Configuration of LUT applied to SimMIM: the SimMIM model, the projector/predictor hidden width and
// the loss weights. UNVERIFIED recipe (the LUT paper's SimMIM settings were not retrievable).
package io.tessera.ssl.simmim;

/**
 * @param simmim     the SimMIM model (mask ratio ≥ 0.5 so view 2's visible cells fit inside view 1's masked ones)
 * @param headHidden hidden width of {@code head} and {@code predictor}
 * @param wRec       weight of the SimMIM L1 loss (1.0)
 * @param wBc        λ, weight of the cross-view loss (0.25, LUT's ViT-B value; unverified for SimMIM)
 */
public record LutSimMimConfig(SimMimConfig simmim, int headHidden, double wRec, double wBc) {
    public LutSimMimConfig {
        if (simmim == null) throw new IllegalArgumentException("LutSimMimConfig needs a SimMIM config");
        if (headHidden < 1 || headHidden > io.tessera.nn.VitConfig.MAX_WIDTH) {
            throw new IllegalArgumentException("head hidden width must be from 1 to " + io.tessera.nn.VitConfig.MAX_WIDTH + ", got " + headHidden);
        }
        if (!(wRec >= 0 && wRec < Double.POSITIVE_INFINITY) || !(wBc >= 0 && wBc < Double.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("loss weights must be finite and ≥ 0, got " + wRec + ", " + wBc);
        }
        if (2 * simmim.maskedCells() < simmim.cells()) {
            throw new IllegalArgumentException("LUT-SimMIM needs mask ratio ≥ 0.5 for disjoint visible sets, got " + simmim.maskRatio());
        }
    }

    /** SimMIM ViT-B/16 with heads 768→4096→768, w_rec 1, λ 0.25. */
    public static LutSimMimConfig base() {
        return new LutSimMimConfig(SimMimConfig.base(), 4096, 1.0, 0.25);
    }

    /** The micro SimMIM of the tests with heads 32→48→32. */
    public static LutSimMimConfig micro16() {
        return new LutSimMimConfig(SimMimConfig.micro16(), 48, 1.0, 0.25);
    }
}
