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

    /** A preset adapted to the dataset's square images; the patch must divide the image size. */
    static MaeConfig model(String preset, Dataset d, Integer patch) {
        if (d.height() != d.width()) throw new IllegalArgumentException("pre-training needs square images, " + d.name() + " has " + d.shapeString());
        MaeConfig base = MaeConfig.preset(preset);
        int p = patch != null ? patch : (d.height() % base.encoder().patchSize() == 0 && d.height() / base.encoder().patchSize() >= 2
                ? base.encoder().patchSize() : 4);
        if (d.height() % p != 0) throw new IllegalArgumentException("patch " + p + " does not divide the image size " + d.height());
        return base.forImages(d.height(), p, d.channels());
    }

    /** MAE's augmentation: random resized crop (scale 0.2–1) and horizontal flip, then normalisation. */
    static List<Transform> maeViews(Dataset d, Normalize n) {
        return List.of(Transform.compose(RandomResizedCrop.maePretrain(d.height()), HorizontalFlip.half(), n));
    }

    /**
     * LUT's two views: simple resized crop (DeiT III) and flip for both; the second view adds
     * colour jitter (p 0.8) and then one of grayscale, solarize or blur.
     */
    static List<Transform> lutViews(Dataset d, Normalize n) {
        return List.of(Transform.compose(SimpleResizedCrop.deit3(d.height()), HorizontalFlip.half(), n),
                Transform.compose(SimpleResizedCrop.deit3(d.height()), HorizontalFlip.half(), ColorJitter.lut(), new ThreeAugment(), n));
    }

    /** True for the small presets meant for 28×28 / 32×32 images on a CPU (micro16, mini, tiny32). */
    static boolean isSmallPreset(String preset) {
        return switch (preset) {
            case "micro16", "mini", "tiny32" -> true;
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
