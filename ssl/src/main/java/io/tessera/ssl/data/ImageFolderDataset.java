// Reader for image folders with one sub-folder per class (torchvision's ImageFolder layout):
// classes are the sub-folder names in sorted order; PNG/JPEG files are decoded with javax.imageio
// on each get() and brought to a fixed size by shorter-side resize and centre crop.
package io.tessera.ssl.data;

import javax.imageio.ImageIO;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/** Labelled images from DIR/&lt;class&gt;/*.{png,jpg,jpeg}, decoded lazily to (C, size, size). */
public final class ImageFolderDataset implements Dataset {
    private final Path root;
    private final List<String> classes;
    private final List<Path> files;
    private final int[] labels;
    private final int channels, size;
    private final Interpolation interpolation;

    private ImageFolderDataset(Path root, List<String> classes, List<Path> files, int[] labels, int channels,
                               int size, Interpolation interpolation) {
        this.root = root;
        this.classes = classes;
        this.files = files;
        this.labels = labels;
        this.channels = channels;
        this.size = size;
        this.interpolation = interpolation;
    }

    /**
     * Scans {@code dir}: every sub-folder is a class (sorted by name), every file ending in .png,
     * .jpg or .jpeg (any case) directly inside it is a sample, sorted by name; other files are
     * ignored. Images are resized (shorter side → size, {@code interpolation}) and centre-cropped
     * to size × size; {@code channels} 3 gives RGB (gray repeated), 1 gives PIL luma.
     *
     * @throws DataFormatException if dir is missing, has no class folders, or a class has no images
     */
    public static ImageFolderDataset open(Path dir, int size, int channels, Interpolation interpolation) {
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
        for (int c = 0; c < classDirs.size(); c++) {
            Path cd = classDirs.get(c);
            classes.add(cd.getFileName().toString());
            List<Path> imgs;
            try (Stream<Path> s = Files.list(cd)) {
                imgs = s.filter(p -> Files.isRegularFile(p) && isImageName(p)).sorted().toList();
            } catch (IOException e) {
                throw new DataFormatException(cd, "cannot list: " + e.getMessage(), e);
            }
            if (imgs.isEmpty()) {
                throw new DataFormatException(cd.toString(), -1, "class folder has no .png/.jpg/.jpeg files");
            }
            for (Path p : imgs) {
                files.add(p);
                labels.add(c);
            }
        }
        return new ImageFolderDataset(dir, List.copyOf(classes), List.copyOf(files),
                labels.stream().mapToInt(Integer::intValue).toArray(), channels, size, interpolation);
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

    /** Decodes file i, resizes the shorter side to size and centre-crops to size × size. */
    @Override
    public Sample get(int i) {
        checkIndex(i);
        Path f = files.get(i);
        Image img = decode(f, channels);
        img = Resample.resizeShorter(img, size, interpolation);
        img = Resample.centerCrop(img, size, size);
        return new Sample(img, labels[i]);
    }

    /**
     * Decodes a PNG/JPEG into (channels, H, W) floats in [0, 1]; alpha is dropped, gray is repeated
     * for RGB, RGB becomes PIL luma (299·R + 587·G + 114·B)/1000 for 1 channel.
     *
     * @throws DataFormatException naming the file when it cannot be read or decoded
     */
    public static Image decode(Path f, int channels) {
        BufferedImage bi;
        try {
            bi = ImageIO.read(f.toFile());
        } catch (IOException | RuntimeException e) {
            throw new DataFormatException(f, "cannot decode image: " + e.getMessage(), e);
        }
        if (bi == null) {
            throw new DataFormatException(f.toString(), -1, "not a readable PNG/JPEG image (no javax.imageio decoder accepted it)");
        }
        int h = bi.getHeight(), w = bi.getWidth();
        float[] out = new float[channels * h * w];
        if (bi.getColorModel().getColorSpace().getType() == ColorSpace.TYPE_GRAY
                && bi.getRaster().getNumBands() == 1) {
            // read gray samples directly: getRGB would apply a gamma conversion to linear gray
            double max = (1L << bi.getColorModel().getComponentSize(0)) - 1;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = (float) (bi.getRaster().getSample(x, y, 0) / max);
                    for (int c = 0; c < channels; c++) out[(c * h + y) * w + x] = v;
                }
            }
            return new Image(channels, h, w, out);
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            bi.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int argb = row[x];
                int r = (argb >> 16) & 0xff, g = (argb >> 8) & 0xff, b = argb & 0xff;
                if (channels == 3) {
                    out[y * w + x] = r / 255f;
                    out[(h + y) * w + x] = g / 255f;
                    out[(2 * h + y) * w + x] = b / 255f;
                } else {
                    out[y * w + x] = (float) ((r * 299 + g * 587 + b * 114) / 1000.0 / 255.0);
                }
            }
        }
        return new Image(channels, h, w, out);
    }
}
