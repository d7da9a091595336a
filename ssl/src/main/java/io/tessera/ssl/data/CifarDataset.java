// Reader for the CIFAR-10 and CIFAR-100 "binary version" files (cifar-10-batches-bin/*.bin,
// cifar-100-binary/*.bin). Records are label byte(s) then 3072 pixel bytes already in CHW order
// (1024 R, 1024 G, 1024 B, rows of 32). Not the Python pickle version.
package io.tessera.ssl.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** CIFAR-10 (records of 1 + 3072 bytes) or CIFAR-100 (2 + 3072: coarse, fine) as (N, 3, 32, 32). */
public final class CifarDataset extends ByteImages {
    /** Pixel bytes per record: 3 × 32 × 32. */
    public static final int PIXELS = 3 * 32 * 32;
    /** Most bytes the record files of one dataset may hold together (one Java array of pixels). */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 8;
    /** CIFAR-10 class names (batches.meta.txt), by label. */
    public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer",
            "dog", "frog", "horse", "ship", "truck");

    /** Which CIFAR-100 label to use. */
    public enum Cifar100Label { FINE, COARSE }

    private CifarDataset(String name, byte[] pixels, int[] labels, int classes, List<String> names) {
        super(name, pixels, labels, 3, 32, 32, classes, names);
    }

    /**
     * CIFAR-10 from {@code dir} (the extracted {@code cifar-10-batches-bin} folder or its parent):
     * train = data_batch_1..5.bin (50,000), test = test_batch.bin (10,000). Class names come from
     * batches.meta.txt when present, else the standard list.
     */
    public static CifarDataset cifar10(Path dir, Split split) {
        Path root = locate(dir, "cifar-10-batches-bin", "test_batch.bin");
        List<Path> files = new ArrayList<>();
        if (split == Split.TRAIN) {
            for (int i = 1; i <= 5; i++) files.add(root.resolve("data_batch_" + i + ".bin"));
        } else {
            files.add(root.resolve("test_batch.bin"));
        }
        List<String> names = readNames(root.resolve("batches.meta.txt"), 10);
        return read("cifar10 " + split.name().toLowerCase(), files, 1, 0, 10, names != null ? names : CIFAR10_CLASSES);
    }

    /**
     * CIFAR-100 from {@code dir} (the extracted {@code cifar-100-binary} folder or its parent):
     * train.bin (50,000) or test.bin (10,000); {@code label} picks the 100 fine or 20 coarse classes.
     */
    public static CifarDataset cifar100(Path dir, Split split, Cifar100Label label) {
        Path root = locate(dir, "cifar-100-binary", "test.bin");
        Path file = root.resolve(split == Split.TRAIN ? "train.bin" : "test.bin");
        boolean fine = label == Cifar100Label.FINE;
        int classes = fine ? 100 : 20;
        List<String> names = readNames(root.resolve(fine ? "fine_label_names.txt" : "coarse_label_names.txt"), classes);
        return read("cifar100-" + label.name().toLowerCase() + " " + split.name().toLowerCase(), List.of(file),
                2, fine ? 1 : 0, classes, names);
    }

    /**
     * Reads record files of {@code labelBytes} + 3072 bytes, taking the label at byte
     * {@code labelIndex} of each record. A file whose size is not a positive multiple of the record
     * size is an error naming the path and the size; so is an empty list of files.
     */
    public static CifarDataset read(String name, List<Path> files, int labelBytes, int labelIndex, int classes,
                                    List<String> classNames) {
        if (files.isEmpty()) throw new IllegalArgumentException(name + ": no CIFAR files to read (an empty dataset is not a dataset)");
        if (labelBytes < 1 || labelIndex < 0 || labelIndex >= labelBytes || classes < 1 || classes > 256) {
            throw new IllegalArgumentException(name + ": need 0 <= labelIndex < labelBytes and 1 <= classes <= 256, got label byte "
                    + labelIndex + " of " + labelBytes + ", " + classes + " classes");
        }
        int rec = labelBytes + PIXELS;
        List<byte[]> contents = new ArrayList<>();
        long total = 0, bytes = 0;
        for (Path f : files) {
            if (!Files.isRegularFile(f)) {
                throw new DataFormatException(f.toString(), -1, "file not found (expected the CIFAR binary file "
                        + f.getFileName() + " here)");
            }
            byte[] b;
            try {
                long size = Files.size(f);
                bytes += size;
                if (bytes > MAX_BYTES) {
                    throw new DataFormatException(f.toString(), 0, "the files up to this one hold " + bytes + " bytes, more than the "
                            + MAX_BYTES + " one dataset may hold in memory");
                }
                b = Files.readAllBytes(f);
            } catch (IOException e) {
                throw new DataFormatException(f, "cannot read: " + e.getMessage(), e);
            }
            if (b.length == 0 || b.length % rec != 0) {
                throw new DataFormatException(f.toString(), (long) (b.length / rec) * rec, "file size " + b.length
                        + " is not a positive multiple of the " + rec + "-byte record (" + labelBytes
                        + " label byte(s) + 3072 pixels); the last record is truncated or the file is not "
                        + (labelBytes == 1 ? "CIFAR-10" : "CIFAR-100") + " binary");
            }
            contents.add(b);
            total += b.length / rec;
        }
        int n = (int) total; // total · 3072 < bytes <= MAX_BYTES
        byte[] pixels = new byte[n * PIXELS];
        int[] labels = new int[n];
        int k = 0;
        for (int fi = 0; fi < files.size(); fi++) {
            byte[] b = contents.get(fi);
            int count = b.length / rec;
            int[] fileLabels = new int[count];
            for (int r = 0; r < count; r++) {
                fileLabels[r] = b[r * rec + labelIndex] & 0xff;
                System.arraycopy(b, r * rec + labelBytes, pixels, (k + r) * PIXELS, PIXELS);
            }
            checkLabels(files.get(fi).toString(), fileLabels, classes, labelIndex, rec);
            System.arraycopy(fileLabels, 0, labels, k, count);
            k += count;
        }
        return new CifarDataset(name, pixels, labels, classes, classNames);
    }

    private static Path locate(Path dir, String sub, String probe) {
        if (!Files.isDirectory(dir)) {
            throw new DataFormatException(dir.toString(), -1, "not a directory (expected the extracted " + sub
                    + " folder or its parent)");
        }
        if (Files.isRegularFile(dir.resolve(probe))) return dir;
        Path nested = dir.resolve(sub);
        if (Files.isDirectory(nested)) return nested;
        return dir; // the reader then names the missing file
    }

    private static List<String> readNames(Path file, int classes) {
        if (!Files.isRegularFile(file)) return null;
        try {
            List<String> names = Files.readAllLines(file).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
            if (names.size() != classes) {
                throw new DataFormatException(file.toString(), -1, "expected " + classes + " class names, found "
                        + names.size());
            }
            return names;
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot read: " + e.getMessage(), e);
        }
    }
}
