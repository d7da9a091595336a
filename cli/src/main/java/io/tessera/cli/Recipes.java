package io.tessera.cli;

import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.HorizontalFlip;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.RandomResizedCrop;
import io.tessera.ssl.data.SimpleResizedCrop;
import io.tessera.ssl.data.ColorJitter;
import io.tessera.ssl.data.ThreeAugment;
import io.tessera.ssl.data.Transform;
import io.tessera.ssl.mae.MaeConfig;

import java.util.List;

/** The per-method choices the command line makes for a dataset: model shape, augmentations, normalisation. */
final class Recipes {
    private Recipes() {
    }

    /** Channel statistics for the dataset: Fashion-MNIST's or MNIST's for those, ImageNet's for RGB, else 0.5/0.5. */
    static Normalize normalizeFor(String spec, Dataset d) {
        if (spec.startsWith("fashion-mnist")) return Normalize.fashionMnist();
        if (spec.startsWith("mnist")) return Normalize.mnist();
        if (d.channels() == 3) return Normalize.imagenet();
        float[] half = new float[d.channels()];
        java.util.Arrays.fill(half, 0.5f);
        return new Normalize(half, half);
    }

    /** The official MAE model names (models_mae.py) accepted by {@code --model}, with the preset and patch each one is. */
    static final java.util.Map<String, java.util.Map.Entry<String, Integer>> OFFICIAL_NAMES = java.util.Map.of(
            "mae_vit_base_patch16", java.util.Map.entry("base", 16),
            "mae_vit_large_patch16", java.util.Map.entry("large", 16),
            "mae_vit_huge_patch14", java.util.Map.entry("huge", 14));

    /** The preset a {@code --model} value names: a preset itself, or the preset of an official MAE name. */
    static String canonicalPreset(String model) {
        var official = OFFICIAL_NAMES.get(model);
        if (official != null) return official.getKey();
        if (!MaeConfig.PRESETS.contains(model)) {
            throw new IllegalArgumentException("unknown --model '" + model + "'; presets: " + String.join(", ", MaeConfig.PRESETS)
                    + ", or the official names " + String.join(", ", new java.util.TreeSet<>(OFFICIAL_NAMES.keySet())));
        }
        return model;
    }

    /**
     * The model a {@code --model} value names for square images of side {@code size} with
     * {@code channels} channels. The patch is {@code patch} when given; an official name fixes it
     * (16 for mae_vit_base_patch16); otherwise it is the preset's when it divides the image size
     * into at least 2 × 2 patches, else 4.
     */
    static MaeConfig model(String model, int size, int channels, Integer patch) {
        String preset = canonicalPreset(model);
        MaeConfig base = MaeConfig.preset(preset);
        var official = OFFICIAL_NAMES.get(model);
        if (official != null && patch != null && !patch.equals(official.getValue())) {
            throw new IllegalArgumentException("--model " + model + " has " + official.getValue() + "-pixel patches; --patch " + patch
                    + " contradicts it (use --model " + preset + " --patch " + patch + ")");
        }
        if (patch != null && (patch < 1 || patch > size)) throw new IllegalArgumentException("--patch must be from 1 to the image size " + size + ", got " + patch);
        int pp = base.encoder().patchSize();
        int p = official != null ? official.getValue() : patch != null ? patch : size % pp == 0 && size / pp >= 2 ? pp : 4;
        if (size % p != 0) {
            throw new IllegalArgumentException((official != null ? "--model " + model + " has " + p + "-pixel patches, which do not" : "patch " + p + " does not")
                    + " divide the image size " + size + "; give " + (official != null ? "--input-size " + (224 % p == 0 ? 224 : 16 * p) + " or --model " + preset : "--patch or --input-size"));
        }
        return base.forImages(size, p, channels);
    }

    /** MAE's augmentation for {@code d}'s own image size (see {@link #maeViews(int, Normalize)}). */
    static List<Transform> maeViews(Dataset d, Normalize n) {
        return maeViews(d.height(), n);
    }

    /** MAE's augmentation: random resized crop to {@code size} (scale 0.2–1) and horizontal flip, then normalisation. */
    static List<Transform> maeViews(int size, Normalize n) {
        return List.of(Transform.compose(RandomResizedCrop.maePretrain(size), HorizontalFlip.half(), n));
    }

    /** LUT's two views for {@code d}'s own image size (see {@link #lutViews(int, Normalize)}). */
    static List<Transform> lutViews(Dataset d, Normalize n) {
        return lutViews(d.height(), n);
    }

    /**
     * LUT's two views: simple resized crop (DeiT III) and flip for both; the second view adds
     * colour jitter (p 0.8) and then one of grayscale, solarize or blur.
     */
    static List<Transform> lutViews(int size, Normalize n) {
        return List.of(Transform.compose(SimpleResizedCrop.deit3(size), HorizontalFlip.half(), n),
                Transform.compose(SimpleResizedCrop.deit3(size), HorizontalFlip.half(), ColorJitter.lut(), new ThreeAugment(), n));
    }

    /** True for the small presets meant for 28×28 / 32×32 images on a CPU (micro16, micro28, mini, tiny32). */
    static boolean isSmallPreset(String preset) {
        return switch (preset) {
            case "micro16", "micro28", "mini", "tiny32" -> true;
            default -> false;
        };
    }

    /** Default base learning rate: the official 1.5e-4 for ImageNet-scale presets, 5e-3 for the small ones. */
    static double defaultBlr(String preset) {
        return isSmallPreset(preset) ? 5e-3 : 1.5e-4;
    }

    /** Default hidden width of LUT's projector and predictor: the official 4096, or 4 × width for the small presets. */
    static int defaultHeadHidden(String preset, int width) {
        return isSmallPreset(preset) ? 4 * width : 4096;
    }
}
