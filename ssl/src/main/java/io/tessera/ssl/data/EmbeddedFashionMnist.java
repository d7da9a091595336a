// The demo's default dataset: a small, class-balanced subset of Fashion-MNIST (Zalando Research,
// MIT licence; see fashion-mnist-embedded/NOTICE.md next to the files) shipped as gzipped IDX
// class-path resources. Not the full dataset: use Datasets.open("fashion-mnist") for that.
package io.tessera.ssl.data;

import java.io.InputStream;

/**
 * 2,000 training and 500 test images of Fashion-MNIST, (1, 28, 28), 10 classes. Selection rule:
 * walk the official file in order and keep an image while its class has fewer than 200 (train)
 * or 50 (test) kept images, so each class has exactly 200 / 50 and the original order is kept.
 */
public final class EmbeddedFashionMnist {
    /** Resource folder, relative to this class's package. */
    public static final String FOLDER = "fashion-mnist-embedded/";
    /** Images per class in the embedded training subset. */
    public static final int TRAIN_PER_CLASS = 200;
    /** Images per class in the embedded test subset. */
    public static final int TEST_PER_CLASS = 50;

    private EmbeddedFashionMnist() {
    }

    /** Resource file names for a split: {images, labels}, in the official naming. */
    public static String[] fileNames(Split split) {
        String p = split == Split.TRAIN ? "train" : "t10k";
        return new String[] {p + "-images-idx3-ubyte.gz", p + "-labels-idx1-ubyte.gz"};
    }

    /** Loads the embedded subset of {@code split} (2,000 train or 500 test images). */
    public static IdxDataset load(Split split) {
        String[] f = fileNames(split);
        InputStream img = EmbeddedFashionMnist.class.getResourceAsStream(FOLDER + f[0]);
        InputStream lab = EmbeddedFashionMnist.class.getResourceAsStream(FOLDER + f[1]);
        String where = "classpath:io/tessera/ssl/data/" + FOLDER;
        return IdxDataset.read("fashion-mnist-embedded " + split.name().toLowerCase(), where + f[0], img,
                where + f[1], lab, IdxDataset.FASHION_MNIST_CLASSES);
    }

    /** The attribution and licence text shipped with the subset (NOTICE.md). */
    public static String notice() {
        try (InputStream in = EmbeddedFashionMnist.class.getResourceAsStream(FOLDER + "NOTICE.md")) {
            if (in == null) throw new DataFormatException("classpath:io/tessera/ssl/data/" + FOLDER + "NOTICE.md", -1, "resource not found");
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new DataFormatException("classpath:io/tessera/ssl/data/" + FOLDER + "NOTICE.md", -1, "cannot read", e);
        }
    }
}
