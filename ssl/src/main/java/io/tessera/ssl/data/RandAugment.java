// timm's RandAugment (timm/data/auto_augment.py, v0.3.x), the policy MAE fine-tunes with
// ("rand-m9-mstd0.5-inc1"): n operations chosen uniformly with replacement, each applied with
// probability 0.5 at a magnitude drawn from N(m, mstd) clipped to [0, 10]. The image is quantised to
// 8 bits and every operation follows Pillow (PilImageOps), so the augmented pixels are Pillow's.
// Cutout is not part of the set (timm applies random erasing separately, see RandomErasing).
package io.tessera.ssl.data;

import io.tessera.tensor.Rng;

import java.util.List;
import java.util.Locale;

/**
 * RandAugment over the 15 operations of timm's list, all of which apply to 1- and 3-channel images
 * (Color is the identity on grey images: its degenerate image is the image itself):
 * AutoContrast, Equalize, Invert, Rotate (±30°·m/10), Posterize, Solarize, SolarizeAdd (+110·m/10 below
 * 128), Color, Contrast, Brightness, Sharpness, ShearX/Y (±0.3·m/10), TranslateX/YRel (±0.45·m/10 of the
 * side). With {@code inc1} the "increasing" variants are used: Posterize keeps 4 − ⌊4m/10⌋ bits,
 * Solarize thresholds at 256 − ⌊256m/10⌋ and the enhancements take factors 1 ± 0.9·m/10; otherwise
 * Posterize keeps ⌊4m/10⌋ bits, Solarize thresholds at ⌊256m/10⌋ and the factors are 0.1 + 1.8·m/10.
 * Geometric operations resample bicubically and fill uncovered pixels with the dataset mean (timm's
 * {@code img_mean}: round(255·mean) per channel).
 */
public final class RandAugment implements Transform {
    /** The operations, with their timm names; the first 15 of each kind form the active list. */
    public enum Op {
        AUTO_CONTRAST("AutoContrast"), EQUALIZE("Equalize"), INVERT("Invert"), ROTATE("Rotate"), POSTERIZE("Posterize"),
        SOLARIZE("Solarize"), SOLARIZE_ADD("SolarizeAdd"), COLOR("Color"), CONTRAST("Contrast"), BRIGHTNESS("Brightness"),
        SHARPNESS("Sharpness"), SHEAR_X("ShearX"), SHEAR_Y("ShearY"), TRANSLATE_X_REL("TranslateXRel"), TRANSLATE_Y_REL("TranslateYRel");

        private final String timmName;

        Op(String timmName) {
            this.timmName = timmName;
        }

        /** timm's name of the operation (without the "Increasing" suffix). */
        public String timmName() {
            return timmName;
        }
    }

    /** timm's _MAX_LEVEL. */
    public static final double MAX_LEVEL = 10.0;

    /**
     * A RandAugment policy.
     *
     * @param magnitude    m in [0, 10]
     * @param layers       n operations per image
     * @param magnitudeStd σ of the per-operation magnitude noise (0: fixed m)
     * @param increasing   timm's "inc1" variants (severity increases with m for every operation)
     * @param probability  of applying each chosen operation (timm: 0.5)
     */
    public record Policy(double magnitude, int layers, double magnitudeStd, boolean increasing, double probability) {
        public Policy {
            if (!(magnitude >= 0 && magnitude <= MAX_LEVEL)) throw new IllegalArgumentException("RandAugment magnitude must be in [0, 10], got " + magnitude);
            if (layers < 0) throw new IllegalArgumentException("RandAugment needs ≥ 0 operations per image, got " + layers);
            if (!(magnitudeStd >= 0)) throw new IllegalArgumentException("RandAugment magnitude std must be ≥ 0, got " + magnitudeStd);
            if (!(probability >= 0 && probability <= 1)) throw new IllegalArgumentException("RandAugment probability must be in [0, 1], got " + probability);
        }

        /**
         * timm's config string: "rand" then dash-separated sections m&lt;int&gt;, n&lt;int&gt;,
         * mstd&lt;float&gt;, inc&lt;0|1&gt;, e.g. "rand-m9-mstd0.5-inc1" (defaults m 10, n 2, mstd 0,
         * inc 0). timm 0.3 reads any inc value as true; here inc0 means the plain list. Weighted
         * choice ("w") is not supported.
         */
        public static Policy parse(String config) {
            String[] parts = config.split("-");
            if (!parts[0].equals("rand")) throw new IllegalArgumentException("RandAugment config '" + config + "' must start with 'rand'");
            double m = MAX_LEVEL, std = 0;
            int n = 2;
            boolean inc = false;
            for (int i = 1; i < parts.length; i++) {
                String p = parts[i];
                int d = 0;
                while (d < p.length() && !Character.isDigit(p.charAt(d))) d++;
                if (d == p.length()) continue; // timm skips sections without a value
                String key = p.substring(0, d), val = p.substring(d);
                try {
                    switch (key) {
                        case "m" -> m = Integer.parseInt(val);
                        case "n" -> n = Integer.parseInt(val);
                        case "mstd" -> std = Double.parseDouble(val);
                        case "inc" -> inc = Integer.parseInt(val) != 0;
                        case "w" -> throw new IllegalArgumentException("RandAugment config '" + config + "': weighted operation choice (w) is not supported");
                        default -> throw new IllegalArgumentException("RandAugment config '" + config + "': unknown section '" + p + "' (m, n, mstd, inc)");
                    }
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("RandAugment config '" + config + "': section '" + p + "' has no valid number");
                }
            }
            return new Policy(m, n, std, inc, 0.5);
        }

        /** MAE's fine-tuning policy "rand-m9-mstd0.5-inc1". */
        public static Policy mae() {
            return parse("rand-m9-mstd0.5-inc1");
        }

        /** The config string in timm's form. */
        public String label() {
            return String.format(Locale.ROOT, "rand-m%s-n%d-mstd%s-inc%d", fmt(magnitude), layers, fmt(magnitudeStd), increasing ? 1 : 0);
        }

        private static String fmt(double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
        }
    }

    private static final List<Op> OPS = List.of(Op.values());
    private final Policy policy;
    private final int[] fill;

    /** @param fill per-channel fill of the geometric operations, 0…255 (see {@link #fillOf}) */
    public RandAugment(Policy policy, int[] fill) {
        for (int f : fill) if (f < 0 || f > 255) throw new IllegalArgumentException("RandAugment fill must be in [0, 255], got " + f);
        if (fill.length != 1 && fill.length != 3) throw new IllegalArgumentException("RandAugment works on 1- or 3-channel images, got a fill of " + fill.length);
        this.policy = policy;
        this.fill = fill.clone();
    }

    /** timm's img_mean: min(255, round(255·mean_c)) per channel, Python's half-even rounding. */
    public static int[] fillOf(float[] mean) {
        int[] f = new int[mean.length];
        for (int c = 0; c < f.length; c++) f[c] = (int) Math.min(255, Math.max(0, Math.rint(255 * (double) mean[c])));
        return f;
    }

    public Policy policy() {
        return policy;
    }

    @Override
    public Image apply(Image image, Rng rng) {
        return apply(QuantizedImage.of(image), Draws.of(rng)).toImage();
    }

    /**
     * One RandAugment draw: n operation indices (uniform over the 15, with replacement), then per
     * operation: skip when u &gt; p; magnitude clamp(N(m, σ), 0, 10) when σ &gt; 0; a sign (u &gt; ½ negates)
     * for the signed operations; the operation. The draws happen in timm's order.
     */
    public QuantizedImage apply(QuantizedImage img, Draws draws) {
        if (img.channels() != fill.length) {
            throw new IllegalArgumentException("RandAugment with a " + fill.length + "-channel fill applied to an image of " + img.channels() + " channel(s)");
        }
        Op[] chosen = new Op[policy.layers()];
        for (int i = 0; i < chosen.length; i++) chosen[i] = OPS.get(draws.nextInt(OPS.size()));
        QuantizedImage x = img;
        for (Op op : chosen) {
            if (policy.probability() < 1.0 && draws.nextDouble() > policy.probability()) continue;
            double m = policy.magnitude();
            if (policy.magnitudeStd() > 0) m = draws.gaussian(policy.magnitude(), policy.magnitudeStd());
            m = Math.min(MAX_LEVEL, Math.max(0, m));
            x = apply(op, x, m, draws);
        }
        return x;
    }

    /** One operation at magnitude m (drawing its sign when it has one). */
    public QuantizedImage apply(Op op, QuantizedImage x, double m, Draws draws) {
        double level = m / MAX_LEVEL;
        boolean inc = policy.increasing();
        return switch (op) {
            case AUTO_CONTRAST -> PilImageOps.autocontrast(x);
            case EQUALIZE -> PilImageOps.equalize(x);
            case INVERT -> PilImageOps.invert(x);
            case ROTATE -> PilImageOps.rotate(x, signed(level * 30.0, draws), fill);
            case POSTERIZE -> PilImageOps.posterize(x, inc ? 4 - (int) (level * 4) : (int) (level * 4));
            case SOLARIZE -> PilImageOps.solarize(x, inc ? 256 - (int) (level * 256) : (int) (level * 256));
            case SOLARIZE_ADD -> PilImageOps.solarizeAdd(x, (int) (level * 110), 128);
            case COLOR -> PilImageOps.color(x, factor(level, inc, draws));
            case CONTRAST -> PilImageOps.contrast(x, factor(level, inc, draws));
            case BRIGHTNESS -> PilImageOps.brightness(x, factor(level, inc, draws));
            case SHARPNESS -> PilImageOps.sharpness(x, factor(level, inc, draws));
            case SHEAR_X -> PilImageOps.affine(x, new double[] {1, signed(level * 0.3, draws), 0, 0, 1, 0}, fill);
            case SHEAR_Y -> PilImageOps.affine(x, new double[] {1, 0, 0, signed(level * 0.3, draws), 1, 0}, fill);
            case TRANSLATE_X_REL -> PilImageOps.affine(x, new double[] {1, 0, signed(level * 0.45, draws) * x.width(), 0, 1, 0}, fill);
            case TRANSLATE_Y_REL -> PilImageOps.affine(x, new double[] {1, 0, 0, 0, 1, signed(level * 0.45, draws) * x.height()}, fill);
        };
    }

    /** timm's _randomly_negate: −v when u &gt; ½. */
    private static double signed(double v, Draws draws) {
        return draws.nextDouble() > 0.5 ? -v : v;
    }

    /** Enhancement factor: 1 ± 0.9·level (increasing) or 0.1 + 1.8·level. */
    private static double factor(double level, boolean increasing, Draws draws) {
        return increasing ? 1.0 + signed(level * 0.9, draws) : level * 1.8 + 0.1;
    }
}
