// Information loss by occlusion, applied to [0, 1] images before normalisation: a centred box covering
// a given fraction of the image (the "centre occlusion" of the robustness literature; the exact
// protocol of the seed papers is not published), or PatchDrop (Naseer et al. 2021): a random subset
// of the ViT's patches. Occluded pixels take the fill colour (the dataset mean, i.e. 0 after
// normalisation, or black).
package io.tessera.eval.robustness;

import io.tessera.ssl.data.Image;
import io.tessera.ssl.data.Transform;
import io.tessera.tensor.Rng;

import java.util.Locale;

/** A deterministic (centre) or per-image random (patches) occlusion of a fraction r of the image. */
public final class Occlusion implements Transform {
    /** Where the occluded pixels are. */
    public enum Mode {
        /** One centred box of round(H·√r) × round(W·√r) pixels (the image's aspect, area ≈ r·H·W). */
        CENTER,
        /** round(r·L) of the L patches (P × P, the model's grid), chosen uniformly per image. */
        PATCHES;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Mode parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "center", "centre" -> CENTER;
                case "patches", "patchdrop", "random-patches" -> PATCHES;
                default -> throw new IllegalArgumentException("unknown occlusion mode '" + s + "'; choose center or patches");
            };
        }
    }

    private final Mode mode;
    private final double ratio;
    private final float[] fill;
    private final int patch;

    /**
     * @param ratio fraction of the image area in [0, 1]
     * @param fill  per-channel value in [0, 1] of occluded pixels
     * @param patch patch side for {@link Mode#PATCHES} (must divide the image sides)
     */
    public Occlusion(Mode mode, double ratio, float[] fill, int patch) {
        if (!(ratio >= 0 && ratio <= 1)) throw new IllegalArgumentException("occlusion ratio must be in [0, 1], got " + ratio);
        if (fill.length == 0) throw new IllegalArgumentException("occlusion needs a fill value per channel");
        if (patch < 1) throw new IllegalArgumentException("patch side must be ≥ 1, got " + patch);
        this.mode = mode;
        this.ratio = ratio;
        this.fill = fill.clone();
        this.patch = patch;
    }

    /** The centred box {top, left, h, w} for an H × W image. */
    public static int[] centerBox(int height, int width, double ratio) {
        int h = (int) Math.rint(height * Math.sqrt(ratio)), w = (int) Math.rint(width * Math.sqrt(ratio));
        return new int[] {(height - h) / 2, (width - w) / 2, h, w};
    }

    /** The fraction of pixels this occlusion covers on an H × W image. */
    public double coveredFraction(int height, int width) {
        if (mode == Mode.CENTER) {
            int[] b = centerBox(height, width, ratio);
            return (double) b[2] * b[3] / ((double) height * width);
        }
        int l = (height / patch) * (width / patch);
        return (double) dropped(l) / l;
    }

    private int dropped(int patches) {
        return (int) Math.rint(ratio * patches);
    }

    @Override
    public Image apply(Image img, Rng rng) {
        if (img.channels() != fill.length) {
            throw new IllegalArgumentException("occlusion fill has " + fill.length + " channel(s), the image " + img.shapeString());
        }
        int c = img.channels(), h = img.height(), w = img.width();
        float[] out = img.data().clone();
        if (mode == Mode.CENTER) {
            int[] b = centerBox(h, w, ratio);
            fillBox(out, c, h, w, b[0], b[1], b[2], b[3]);
        } else {
            if (h % patch != 0 || w % patch != 0) throw new IllegalArgumentException("patch " + patch + " does not divide the image " + img.shapeString());
            int gw = w / patch, l = (h / patch) * gw, k = dropped(l);
            int[] idx = new int[l];
            for (int i = 0; i < l; i++) idx[i] = i;
            for (int i = 0; i < k; i++) { // partial Fisher–Yates: the first k are a uniform k-subset
                int j = i + rng.nextInt(l - i);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
                fillBox(out, c, h, w, (idx[i] / gw) * patch, (idx[i] % gw) * patch, patch, patch);
            }
        }
        return new Image(c, h, w, out);
    }

    private void fillBox(float[] out, int c, int h, int w, int top, int left, int bh, int bw) {
        for (int ch = 0; ch < c; ch++) {
            for (int y = top; y < top + bh; y++) java.util.Arrays.fill(out, (ch * h + y) * w + left, (ch * h + y) * w + left + bw, fill[ch]);
        }
    }
}
