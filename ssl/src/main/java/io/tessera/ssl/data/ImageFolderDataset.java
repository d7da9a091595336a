// Reader for image folders with one sub-folder per class (torchvision's ImageFolder layout):
// classes are the sub-folder names in sorted order; PNG/JPEG files are decoded strictly
// (ImageDecoder) on each access. decoded(i) is the file at its own size, for training crops;
// get(i) brings it to a fixed size by shorter-side resize and centre crop, for evaluation.
package io.tessera.ssl.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Stream;

/** Labelled images from DIR/&lt;class&gt;/*.{png,jpg,jpeg}, decoded lazily to (C, size, size). */
public final class ImageFolderDataset implements Dataset {
    private final Path root;
    private final List<String> classes;
    private final List<Path> files;
    private final int[] labels;
    private final int channels, size;
    private final Interpolation interpolation;
    private final List<String> skipped;

    private ImageFolderDataset(Path root, List<String> classes, List<Path> files, int[] labels, int channels,
                               int size, Interpolation interpolation, List<String> skipped) {
        this.root = root;
        this.classes = classes;
        this.files = files;
        this.labels = labels;
        this.channels = channels;
        this.size = size;
        this.interpolation = interpolation;
        this.skipped = skipped;
    }

    /** What {@link #open} does with files that do not decode. */
    public enum BadImages {
        /** Nothing is checked at open; the first access to a bad file throws, naming it. */
        FAIL,
        /**
         * Every file is decoded once at open (a full pass over the data) and those that fail are
         * left out, counted in {@link #skippedFiles()} and reported through the notices.
         */
        SKIP
    }

    /**
     * Scans {@code dir}: every sub-folder is a class (sorted by name), every file ending in .png,
     * .jpg or .jpeg (any case) directly inside it is a sample, sorted by name; other files are
     * ignored. Images are resized (shorter side → size, {@code interpolation}) and centre-cropped
     * to size × size by {@link #get}; {@code channels} 3 gives RGB (gray repeated), 1 gives PIL luma.
     * A file that does not decode fails the access to it ({@link BadImages#FAIL}).
     *
     * @throws DataFormatException if dir is missing, has no class folders, or a class has no images
     */
    public static ImageFolderDataset open(Path dir, int size, int channels, Interpolation interpolation) {
        return open(dir, size, channels, interpolation, BadImages.FAIL, null);
    }

    /**
     * {@link #open(Path, int, int, Interpolation)} with an explicit rule for files that do not
     * decode; with {@link BadImages#SKIP} one line naming the count and the first files goes to
     * {@code notices} (when given) if any file was left out.
     */
    public static ImageFolderDataset open(Path dir, int size, int channels, Interpolation interpolation, BadImages badImages,
                                          Consumer<String> notices) {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("ImageFolderDataset: channels must be 1 or 3, got " + channels);
        }
        if (size <= 0) throw new IllegalArgumentException("ImageFolderDataset: size must be positive, got " + size);
        if (!Files.isDirectory(dir)) {
            throw new DataFormatException(dir.toString(), -1, "not a directory (expected one sub-folder per class)");
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(dir)) {
            classDirs = s.filter(Files::isDirectory).sorted().toList();
        } catch (IOException e) {
            throw new DataFormatException(dir, "cannot list: " + e.getMessage(), e);
        }
        if (classDirs.isEmpty()) {
            throw new DataFormatException(dir.toString(), -1, "no class sub-folders (expected DIR/<class>/*.png|jpg)");
        }
        List<String> classes = new ArrayList<>();
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        for (int c = 0; c < classDirs.size(); c++) {
            Path cd = classDirs.get(c);
            classes.add(cd.getFileName().toString());
            List<Path> imgs = images(cd);
            int kept = 0;
            for (Path p : imgs) {
                if (badImages == BadImages.SKIP) {
                    try {
                        ImageDecoder.decode(p, channels);
                    } catch (DataFormatException e) {
                        skipped.add(e.getMessage());
                        continue;
                    }
                }
                files.add(p);
                labels.add(c);
                kept++;
            }
            if (kept == 0) throw new DataFormatException(cd.toString(), -1, "class folder has no image that decodes (" + imgs.size() + " skipped)");
        }
        if (!skipped.isEmpty() && notices != null) {
            notices.accept("skipped " + skipped.size() + " of " + (files.size() + skipped.size()) + " images of " + dir
                    + " that do not decode: " + String.join("; ", skipped.subList(0, Math.min(3, skipped.size())))
                    + (skipped.size() > 3 ? "; …" : ""));
        }
        return new ImageFolderDataset(dir, List.copyOf(classes), List.copyOf(files),
                labels.stream().mapToInt(Integer::intValue).toArray(), channels, size, interpolation, List.copyOf(skipped));
    }

    /** The image files of a class folder, sorted by name; at least one. */
    private static List<Path> images(Path classDir) {
        List<Path> imgs;
        try (Stream<Path> s = Files.list(classDir)) {
            imgs = s.filter(p -> Files.isRegularFile(p) && isImageName(p)).sorted().toList();
        } catch (IOException e) {
            throw new DataFormatException(classDir, "cannot list: " + e.getMessage(), e);
        }
        if (imgs.isEmpty()) throw new DataFormatException(classDir.toString(), -1, "class folder has no .png/.jpg/.jpeg files");
        return imgs;
    }

    private static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    @Override public int size() { return files.size(); }
    @Override public int channels() { return channels; }
    @Override public int height() { return size; }
    @Override public int width() { return size; }
    @Override public int numClasses() { return classes.size(); }
    @Override public Optional<List<String>> classNames() { return Optional.of(classes); }

    @Override
    public String name() {
        return "folder " + root + " (" + size() + " × " + shapeString() + ", " + numClasses() + " classes)";
    }

    /** The file of sample i. */
    public Path file(int i) {
        checkIndex(i);
        return files.get(i);
    }

    /** The files left out at open by {@link BadImages#SKIP}, each with the reason. */
    public List<String> skippedFiles() {
        return skipped;
    }

    /**
     * Decodes file i, resizes the shorter side to size and centre-crops to size × size (only the
     * kept window is resampled, so an extreme aspect ratio costs no more than a square image).
     */
    @Override
    public Sample get(int i) {
        Sample s = decoded(i);
        return new Sample(Resample.resizeShorterCenterCrop(s.image(), size, size, interpolation), s.label());
    }

    /** File i decoded at its own size (C, H_i, W_i), for crops that choose their box on the whole image. */
    @Override
    public Sample decoded(int i) {
        checkIndex(i);
        return new Sample(decode(files.get(i), channels), labels[i]);
    }

    /**
     * Decodes a PNG/JPEG into (channels, H, W) floats in [0, 1] ({@link ImageDecoder#decode(Path, int)}).
     *
     * @throws DataFormatException naming the file when it cannot be read or decoded, or its decoder warns
     */
    public static Image decode(Path f, int channels) {
        return ImageDecoder.decode(f, channels);
    }
}
