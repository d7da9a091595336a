// Regenerates the embedded Fashion-MNIST subset (resources under io/tessera/ssl/data/
// fashion-mnist-embedded/) from the full IDX files. Run by hand:
//   java -cp ssl/target/classes:ssl/target/test-classes io.tessera.ssl.data.EmbeddedSubsetTool \
//        /usr/share/datasets/fashion-mnist ssl/src/main/resources/io/tessera/ssl/data/fashion-mnist-embedded
package io.tessera.ssl.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builds the class-balanced subset: first 200 (train) / 50 (test) images of each class in file order. */
public final class EmbeddedSubsetTool {
    private EmbeddedSubsetTool() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) throw new IllegalArgumentException("usage: EmbeddedSubsetTool SOURCE_DIR OUT_DIR");
        write(Path.of(args[0]), Path.of(args[1]));
    }

    /** Writes the four gzipped IDX files of the subset of {@code source} into {@code out}. */
    public static void write(Path source, Path out) throws IOException {
        Files.createDirectories(out);
        for (Split split : Split.values()) {
            IdxDataset full = Datasets.idx("fashion-mnist", source, split, IdxDataset.FASHION_MNIST_CLASSES);
            int per = split == Split.TRAIN ? EmbeddedFashionMnist.TRAIN_PER_CLASS : EmbeddedFashionMnist.TEST_PER_CLASS;
            int[] picked = select(full, per);
            String[] names = EmbeddedFashionMnist.fileNames(split);
            Files.write(out.resolve(names[0]), gzip(imagesIdx(full, picked)));
            Files.write(out.resolve(names[1]), gzip(labelsIdx(full, picked)));
        }
    }

    /** Indices kept: walk in order, keep i while label(i) has fewer than {@code perClass} kept. */
    static int[] select(IdxDataset full, int perClass) {
        int[] count = new int[full.numClasses()];
        int[] keep = new int[perClass * full.numClasses()];
        int k = 0;
        for (int i = 0; i < full.size() && k < keep.length; i++) {
            int l = full.label(i);
            if (count[l] < perClass) {
                count[l]++;
                keep[k++] = i;
            }
        }
        if (k != keep.length) throw new IllegalStateException("source has fewer than " + perClass + " images of some class");
        return keep;
    }

    static byte[] imagesIdx(IdxDataset d, int[] picked) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        writeInt(b, 0x00000803);
        writeInt(b, picked.length);
        writeInt(b, d.height());
        writeInt(b, d.width());
        for (int i : picked) {
            for (float v : d.get(i).image().data()) b.write(Math.round(v * 255f));
        }
        return b.toByteArray();
    }

    static byte[] labelsIdx(IdxDataset d, int[] picked) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        writeInt(b, 0x00000801);
        writeInt(b, picked.length);
        for (int i : picked) b.write(d.label(i));
        return b.toByteArray();
    }

    private static void writeInt(OutputStream o, int v) {
        try {
            o.write(new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v});
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(b) {
            { def.setLevel(java.util.zip.Deflater.BEST_COMPRESSION); }
        }) {
            gz.write(raw);
        }
        return b.toByteArray();
    }
}
