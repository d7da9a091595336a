// Reader for the IDX format of MNIST and Fashion-MNIST (LeCun's "idx3-ubyte"/"idx1-ubyte"), plain
// or gzip-compressed (detected by the gzip magic, not the file name). Validates magic numbers,
// element type, dimensions, label range and lengths against the header; never returns a short set.
package io.tessera.ssl.data;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * An IDX image file (magic 0x00000803: unsigned bytes, dims N, H, W) paired with an IDX label file
 * (magic 0x00000801: unsigned bytes, dim N), loaded fully into memory as (N, 1, H, W).
 */
public final class IdxDataset extends ByteImages {
    /** Fashion-MNIST's class names, by label. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover",
            "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");
    /** MNIST's class names (the digits), by label. */
    public static final List<String> MNIST_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    /** Largest IDX file accepted, in bytes (plain or after decompression): one Java array. */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private static final int UBYTE = 0x08;

    private IdxDataset(String name, byte[] pixels, int[] labels, int h, int w, int classes, List<String> names) {
        super(name, pixels, labels, 1, h, w, classes, names);
    }

    /**
     * Opens an image file and a label file (each gzip or plain). With {@code classNames} null the
     * class count is max(label) + 1; otherwise every label must lie in [0, classNames.size()).
     *
     * @throws DataFormatException naming the path (and byte offset) of a missing, truncated or
     *                             malformed file, or a label/image count mismatch
     */
    public static IdxDataset open(String name, Path images, Path labels, List<String> classNames) {
        byte[] img = readFile(images);
        byte[] lab = readFile(labels);
        return parse(name, images.toString(), img, labels.toString(), lab, classNames);
    }

    /** Like {@link #open} from two streams (e.g. class-path resources); the streams are closed. */
    public static IdxDataset read(String name, String imagesName, InputStream images, String labelsName,
                                  InputStream labels, List<String> classNames) {
        byte[] img = readStream(imagesName, images);
        byte[] lab = readStream(labelsName, labels);
        return parse(name, imagesName, img, labelsName, lab, classNames);
    }

    private static IdxDataset parse(String name, String imgPath, byte[] img, String labPath, byte[] lab,
                                    List<String> classNames) {
        int[] imgDims = header(imgPath, img, 3, "(N, H, W) images");
        int[] labDims = header(labPath, lab, 1, "(N) labels");
        int n = imgDims[0], h = imgDims[1], w = imgDims[2];
        if (labDims[0] != n) {
            throw new DataFormatException(labPath, 4, "label file holds " + labDims[0]
                    + " labels but image file " + imgPath + " holds " + n + " images");
        }
        int imgHeader = 4 + 4 * 3;
        byte[] pixels = new byte[img.length - imgHeader]; // exactly n·h·w bytes, checked by header()
        System.arraycopy(img, imgHeader, pixels, 0, pixels.length);
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = lab[8 + i] & 0xff;
        int classes;
        if (classNames != null) {
            classes = classNames.size();
        } else {
            classes = 0;
            for (int l : labels) classes = Math.max(classes, l + 1);
        }
        checkLabels(labPath, labels, classes, 8, 1);
        return new IdxDataset(name, pixels, labels, h, w, classes, classNames);
    }

    /**
     * Parses and validates an IDX header: two zero bytes, type 0x08, {@code rank} dims, and a total
     * length of exactly 4 + 4·rank + ∏dims bytes. Returns the dims.
     */
    static int[] header(String path, byte[] b, int rank, String what) {
        if (b.length < 4) {
            throw new DataFormatException(path, b.length, "truncated IDX header: file has " + b.length
                    + " bytes, the magic number alone needs 4");
        }
        int magic = readInt(b, 0);
        if (b[0] != 0 || b[1] != 0) {
            throw new DataFormatException(path, 0, String.format("bad IDX magic 0x%08X: expected 0x%08X for %s",
                    magic, (UBYTE << 8) | rank, what));
        }
        if ((b[2] & 0xff) != UBYTE) {
            throw new DataFormatException(path, 2, String.format("IDX element type 0x%02X is not supported: "
                    + "expected 0x08 (unsigned byte)", b[2] & 0xff));
        }
        if ((b[3] & 0xff) != rank) {
            throw new DataFormatException(path, 3, "IDX file has " + (b[3] & 0xff) + " dimensions, expected "
                    + rank + " for " + what);
        }
        int headerLen = 4 + 4 * rank;
        if (b.length < headerLen) {
            throw new DataFormatException(path, b.length, "truncated IDX header: expected " + headerLen
                    + " bytes, file has " + b.length);
        }
        int[] dims = new int[rank];
        for (int d = 0; d < rank; d++) {
            dims[d] = readInt(b, 4 + 4 * d);
            if (dims[d] <= 0) {
                throw new DataFormatException(path, 4 + 4 * d, "IDX dimension " + d + " is " + dims[d]
                        + ", expected a positive size");
            }
        }
        long expected = length(dims);
        if (expected > MAX_BYTES) {
            throw new DataFormatException(path, 4, "IDX dims " + Arrays.toString(dims) + " describe "
                    + (expected == Long.MAX_VALUE ? "more than 2^63" : Long.toString(expected)) + " bytes, more than the "
                    + MAX_BYTES + " one file may hold");
        }
        if (b.length < expected) {
            throw new DataFormatException(path, b.length, "truncated IDX data: dims "
                    + Arrays.toString(dims) + " need " + expected + " bytes, file has " + b.length);
        }
        if (b.length > expected) {
            throw new DataFormatException(path, expected, "IDX file has " + (b.length - expected)
                    + " trailing bytes: dims " + Arrays.toString(dims) + " need exactly " + expected
                    + " bytes, file has " + b.length);
        }
        return dims;
    }

    /** 4 + 4·rank + ∏dims for positive dims, or Long.MAX_VALUE when that overflows a long. */
    private static long length(int[] dims) {
        try {
            long n = 1;
            for (int d : dims) n = Math.multiplyExact(n, d);
            return Math.addExact(n, 4 + 4L * dims.length);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /**
     * The total length the IDX header at the start of {@code b} declares, once {@code n} bytes
     * of it are known: −1 while the header is incomplete, −2 for a header that is not one
     * ({@link #header} then says why).
     */
    private static long declaredLength(byte[] b, int n) {
        if (n < 4) return -1;
        if (b[0] != 0 || b[1] != 0 || (b[2] & 0xff) != UBYTE || b[3] == 0) return -2;
        int rank = b[3] & 0xff;
        if (n < 4 + 4 * rank) return -1;
        int[] dims = new int[rank];
        for (int d = 0; d < rank; d++) {
            dims[d] = readInt(b, 4 + 4 * d);
            if (dims[d] <= 0) return -2;
        }
        return length(dims);
    }

    private static int readInt(byte[] b, int off) {
        return ((b[off] & 0xff) << 24) | ((b[off + 1] & 0xff) << 16) | ((b[off + 2] & 0xff) << 8) | (b[off + 3] & 0xff);
    }

    /** Reads a whole file, gunzipping it when it starts with the gzip magic 1F 8B. */
    static byte[] readFile(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new DataFormatException(path.toString(), -1, Files.exists(path) ? "not a regular file"
                    : "file not found");
        }
        try {
            long size = Files.size(path);
            if (size > MAX_BYTES) {
                throw new DataFormatException(path.toString(), 0, "file of " + size + " bytes is larger than the " + MAX_BYTES
                        + " an IDX file may hold");
            }
            return readStream(path.toString(), Files.newInputStream(path));
        } catch (NoSuchFileException e) {
            throw new DataFormatException(path.toString(), -1, "file not found", e);
        } catch (IOException e) {
            throw new DataFormatException(path.toString(), -1, "cannot read: " + e.getMessage(), e);
        }
    }

    /** Reads a whole stream (gzip detected by magic) and closes it. */
    static byte[] readStream(String path, InputStream raw) {
        if (raw == null) throw new DataFormatException(path, -1, "resource not found");
        try (InputStream in = raw.markSupported() ? raw : new java.io.BufferedInputStream(raw)) {
            in.mark(2);
            int b0 = in.read(), b1 = in.read();
            in.reset();
            if (b0 == 0x1f && b1 == 0x8b) return gunzip(path, in);
            byte[] all = in.readNBytes((int) MAX_BYTES);
            if (in.read() >= 0) {
                throw new DataFormatException(path, MAX_BYTES, "stream is longer than the " + MAX_BYTES + " bytes an IDX file may hold");
            }
            return all;
        } catch (IOException e) {
            throw new DataFormatException(path, -1, "cannot read: " + e.getMessage(), e);
        }
    }

    /**
     * Inflates a gzip stream, never more than one byte past the length its IDX header declares:
     * a decompression bomb or trailing data stops there with an error instead of filling the
     * heap. A prefix that is not a valid IDX header stops inflation at once; {@link #header}
     * then names the problem.
     */
    private static byte[] gunzip(String path, InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] head = new byte[4 + 4 * 255];
        int known = 0;
        long limit = -1; // the declared length, once the header is known
        try (GZIPInputStream gz = new GZIPInputStream(in, 1 << 16)) {
            byte[] buf = new byte[1 << 16];
            while (true) {
                int want = limit < 0 ? buf.length : (int) Math.min(buf.length, limit + 1 - out.size());
                int r = gz.read(buf, 0, want);
                if (r < 0) break;
                out.write(buf, 0, r);
                if (limit < 0) {
                    int take = Math.min(r, head.length - known);
                    System.arraycopy(buf, 0, head, known, take);
                    known += take;
                    long declared = declaredLength(head, known);
                    if (declared == -2 || declared > MAX_BYTES) break; // not a loadable IDX header
                    limit = declared;
                }
                if (limit >= 0 && out.size() > limit) {
                    throw new DataFormatException(path, limit, "gzip stream inflates past the " + limit
                            + " bytes its IDX header declares (trailing data, or a decompression bomb)");
                }
            }
        } catch (EOFException e) {
            throw new DataFormatException(path, out.size(), "truncated gzip stream: it ends after "
                    + out.size() + " decompressed bytes", e);
        } catch (ZipException e) {
            throw new DataFormatException(path, out.size(), "corrupt gzip stream after " + out.size()
                    + " decompressed bytes: " + e.getMessage(), e);
        }
        return out.toByteArray();
    }
}
