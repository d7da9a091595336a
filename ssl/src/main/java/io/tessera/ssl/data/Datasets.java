// Opens a dataset from a short spec string, as the command line names them. The one place that
// knows system locations (Debian's dataset-fashion-mnist package) and the embedded default.
package io.tessera.ssl.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Dataset specs: fashion-mnist, fashion-mnist-embedded, mnist:DIR, cifar10:DIR, cifar100:DIR, folder:DIR. */
public final class Datasets {
    /** Where Debian's {@code dataset-fashion-mnist} package installs the IDX files. */
    public static final Path SYSTEM_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    /** Image size for {@code folder:} specs (shorter-side resize + centre crop). */
    public static final int FOLDER_SIZE = 224;
    /** What {@link #open} accepts, for messages. */
    public static final String ACCEPTED = "accepted dataset specs: fashion-mnist[:DIR] (default DIR "
            + SYSTEM_FASHION_MNIST + "), fashion-mnist-embedded (2,000/500-image subset shipped with Tessera), "
            + "mnist:DIR, cifar10:DIR, cifar100:DIR (fine labels), cifar100-coarse:DIR, folder:DIR "
            + "(one sub-folder per class; DIR/train and DIR/val or DIR/test used for the splits when present)";

    private Datasets() {
    }

    /** The training split of {@code spec}; null or empty gives the embedded Fashion-MNIST subset. */
    public static Dataset open(String spec) {
        return open(spec, Split.TRAIN);
    }

    /**
     * Opens {@code spec} for {@code split}. {@code fashion-mnist} without a directory reads the
     * system copy and, when it is absent, fails with a message naming the package and the
     * embedded alternative (no silent substitution).
     *
     * @throws IllegalArgumentException for an unknown spec, listing what is accepted
     * @throws DataFormatException      for missing or malformed files
     */
    public static Dataset open(String spec, Split split) {
        return open(spec, split, null);
    }

    /**
     * Like {@link #open(String, Split)}, but when {@code notices} is given and the system
     * Fashion-MNIST named by plain {@code fashion-mnist} is absent, falls back to the embedded
     * subset and reports the substitution (with the reason) through {@code notices}.
     */
    public static Dataset open(String spec, Split split, Consumer<String> notices) {
        return open(spec, split, notices, SYSTEM_FASHION_MNIST);
    }

    /** {@link #open(String, Split, Consumer)} with the system Fashion-MNIST location given. */
    static Dataset open(String spec, Split split, Consumer<String> notices, Path systemFashionMnist) {
        if (notices != null && "fashion-mnist".equals(spec) && !Files.isDirectory(systemFashionMnist)) {
            notices.accept("Fashion-MNIST not found in " + systemFashionMnist + " (install Debian's "
                    + "dataset-fashion-mnist package or pass fashion-mnist:DIR); using the embedded subset of "
                    + EmbeddedFashionMnist.TRAIN_PER_CLASS * 10 + " training / " + EmbeddedFashionMnist.TEST_PER_CLASS * 10
                    + " test images instead");
            return EmbeddedFashionMnist.load(split);
        }
        if (spec == null || spec.isBlank() || spec.equals("fashion-mnist-embedded")) {
            return EmbeddedFashionMnist.load(split);
        }
        int colon = spec.indexOf(':');
        String kind = colon < 0 ? spec : spec.substring(0, colon);
        String arg = colon < 0 ? null : spec.substring(colon + 1);
        if (arg != null && arg.isEmpty()) {
            throw new IllegalArgumentException("dataset spec '" + spec + "' has an empty directory; " + ACCEPTED);
        }
        return switch (kind) {
            case "fashion-mnist" -> fashionMnist(arg == null ? null : Path.of(arg), systemFashionMnist, split);
            case "mnist" -> idx("mnist", requireDir(spec, arg), split, IdxDataset.MNIST_CLASSES);
            case "cifar10" -> CifarDataset.cifar10(requireDir(spec, arg), split);
            case "cifar100" -> CifarDataset.cifar100(requireDir(spec, arg), split, CifarDataset.Cifar100Label.FINE);
            case "cifar100-coarse" -> CifarDataset.cifar100(requireDir(spec, arg), split, CifarDataset.Cifar100Label.COARSE);
            case "folder" -> folder(requireDir(spec, arg), split);
            default -> throw new IllegalArgumentException("unknown dataset spec '" + spec + "'; " + ACCEPTED);
        };
    }

    private static Path requireDir(String spec, String arg) {
        if (arg == null) throw new IllegalArgumentException("dataset spec '" + spec + "' needs a directory (KIND:DIR); " + ACCEPTED);
        return Path.of(arg);
    }

    private static Dataset fashionMnist(Path dir, Path system, Split split) {
        Path d = dir == null ? system : dir;
        if (dir == null && !Files.isDirectory(d)) {
            throw new DataFormatException(d.toString(), -1, "Fashion-MNIST not found; install Debian's "
                    + "dataset-fashion-mnist package, pass fashion-mnist:DIR with the four IDX files, or use "
                    + "fashion-mnist-embedded for the small subset shipped with Tessera");
        }
        return idx("fashion-mnist", d, split, IdxDataset.FASHION_MNIST_CLASSES);
    }

    /** IDX pair in dir: {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz], gz preferred when both exist. */
    static IdxDataset idx(String name, Path dir, Split split, java.util.List<String> classes) {
        if (!Files.isDirectory(dir)) {
            throw new DataFormatException(dir.toString(), -1, "not a directory (expected the " + name + " IDX files)");
        }
        String p = split == Split.TRAIN ? "train" : "t10k";
        Path img = pick(dir, p + "-images-idx3-ubyte");
        Path lab = pick(dir, p + "-labels-idx1-ubyte");
        return IdxDataset.open(name + " " + split.name().toLowerCase(), img, lab, classes);
    }

    private static Path pick(Path dir, String base) {
        Path gz = dir.resolve(base + ".gz");
        if (Files.exists(gz)) return gz;
        Path plain = dir.resolve(base);
        if (Files.exists(plain)) return plain;
        throw new DataFormatException(dir.resolve(base + ".gz").toString(), -1, "file not found (nor " + plain + ")");
    }

    private static Dataset folder(Path dir, Split split) {
        Path d = dir;
        if (split == Split.TRAIN) {
            if (Files.isDirectory(dir.resolve("train"))) d = dir.resolve("train");
        } else {
            if (Files.isDirectory(dir.resolve("val"))) d = dir.resolve("val");
            else if (Files.isDirectory(dir.resolve("test"))) d = dir.resolve("test");
            else throw new DataFormatException(dir.toString(), -1, "no val/ or test/ sub-folder for the test split");
        }
        return ImageFolderDataset.open(d, FOLDER_SIZE, 3, Interpolation.BICUBIC);
    }
}
