package io.tessera.eval.report;

import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;

import java.awt.image.BufferedImage;

/**
 * MAE's reconstruction picture for a batch of images: mask with {@code rng}, predict, undo the
 * per-patch normalisation of a norm-pix model with the original patches' mean and (unbiased)
 * variance, unpatchify, undo the dataset normalisation, and render the four-panel grid.
 */
public final class MaeReconstruction {
    private MaeReconstruction() {
    }

    /** imgs: (B, C, H, W) normalised as the model was trained; returns the grid image. */
    public static BufferedImage render(MaskedAutoencoder mae, Ops ops, Tensor imgs, Normalize normalize, Rng rng, int scale) {
        var e = mae.config().encoder();
        int b = imgs.dim(0), c = e.inChannels(), s = e.imageSize(), p = e.patchSize(), g = e.gridSize();
        try (Scope scope = ops.context().openScope()) {
            MaskPlan plan = mae.mask(ops, rng, b);
            Tensor pred = mae.decode(ops, mae.encode(ops, imgs, plan), plan);     // (B, L, P·P·C)
            if (mae.config().normPixLoss()) {
                Tensor t = mae.patchify(ops, imgs);
                Tensor mean = ops.mean(t, true, -1), std = ops.sqrt(ops.addScalar(ops.var(t, true, 1, -1), 1e-6));
                pred = ops.add(ops.mul(pred, std), mean);
            }
            float[] rec = ops.unpatchify(pred, p, c, g, g).toFloatArray();
            float[] orig = imgs.toFloatArray();
            denormalize(orig, normalize, b, c, s);
            denormalize(rec, normalize, b, c, s);
            return ReconstructionGrid.render(orig, rec, plan.mask().toFloatArray(), b, c, s, s, p, scale);
        }
    }

    private static void denormalize(float[] x, Normalize n, int b, int c, int s) {
        for (int i = 0; i < b; i++) {
            io.tessera.ssl.data.Image img = new io.tessera.ssl.data.Image(c, s, s, java.util.Arrays.copyOfRange(x, i * c * s * s, (i + 1) * c * s * s));
            System.arraycopy(n.invert(img).data(), 0, x, i * c * s * s, c * s * s);
        }
    }
}
