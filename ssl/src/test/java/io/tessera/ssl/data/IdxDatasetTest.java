// IDX reader: plain and gzip round trips, and a clear DataFormatException naming the path for
// every malformation (bad magic, element type, rank, truncation, trailing bytes, counts, labels).
package io.tessera.ssl.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdxDatasetTest {
    @TempDir
    Path dir;

    static byte[] images(int n, int h, int w) {
        ByteBuffer b = ByteBuffer.allocate(16 + n * h * w);
        b.putInt(0x803).putInt(n).putInt(h).putInt(w);
        for (int i = 0; i < n * h * w; i++) b.put((byte) (i * 7 + 3));
        return b.array();
    }

    static byte[] labels(int... l) {
        ByteBuffer b = ByteBuffer.allocate(8 + l.length);
        b.putInt(0x801).putInt(l.length);
        for (int v : l) b.put((byte) v);
        return b.array();
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    @Test
    void plainAndGzipRoundTrip() throws IOException {
        byte[] img = images(3, 4, 5);
        byte[] lab = labels(2, 0, 1);
        for (boolean gz : new boolean[] {false, true}) {
            Path pi = write("img" + gz, gz ? EmbeddedSubsetTool.gzip(img) : img);
            Path pl = write("lab" + gz, gz ? EmbeddedSubsetTool.gzip(lab) : lab);
            IdxDataset d = IdxDataset.open("t", pi, pl, null);
            assertThat(d.size()).isEqualTo(3);
            assertThat(new int[] {d.channels(), d.height(), d.width()}).containsExactly(1, 4, 5);
            assertThat(d.numClasses()).isEqualTo(3);
            assertThat(d.classNames()).isEmpty();
            for (int i = 0; i < 3; i++) {
                Sample s = d.get(i);
                assertThat(s.label()).isEqualTo(lab[8 + i]);
                for (int k = 0; k < 20; k++) {
                    assertThat(s.image().data()[k]).isEqualTo((img[16 + i * 20 + k] & 0xff) / 255f);
                }
            }
        }
    }

    @Test
    void classNamesFixTheClassCount() throws IOException {
        IdxDataset d = IdxDataset.open("t", write("i", images(2, 2, 2)), write("l", labels(1, 1)),
                IdxDataset.FASHION_MNIST_CLASSES);
        assertThat(d.numClasses()).isEqualTo(10);
        assertThat(d.classNames().orElseThrow()).containsExactlyElementsOf(IdxDataset.FASHION_MNIST_CLASSES);
    }

    private void assertBad(byte[] img, byte[] lab, String badFile, String... fragments) throws IOException {
        Path pi = write("images.idx", img), pl = write("labels.idx", lab);
        String path = dir.resolve(badFile).toString();
        assertThatThrownBy(() -> IdxDataset.open("t", pi, pl, List.of("a", "b", "c")))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining(path)
                .satisfies(e -> {
                    for (String f : fragments) assertThat(e.getMessage()).contains(f);
                    assertThat(((DataFormatException) e).path()).isEqualTo(path);
                });
    }

    @Test
    void badMagic() throws IOException {
        byte[] img = images(2, 2, 2);
        img[0] = 0x12;
        assertBad(img, labels(0, 1), "images.idx", "bad IDX magic", "0x00000803");
        assertBad(images(2, 2, 2), images(2, 2, 2), "labels.idx", "dimensions, expected 1");
    }

    @Test
    void unsupportedElementType() throws IOException {
        byte[] img = images(2, 2, 2);
        img[2] = 0x0D; // float
        assertBad(img, labels(0, 1), "images.idx", "element type 0x0D");
    }

    @Test
    void wrongRank() throws IOException {
        byte[] img = images(2, 2, 2);
        img[3] = 2;
        assertBad(img, labels(0, 1), "images.idx", "2 dimensions, expected 3");
    }

    @Test
    void zeroDimension() throws IOException {
        byte[] img = images(2, 2, 2);
        img[11] = 0; // H = 0
        assertBad(img, labels(0, 1), "images.idx", "dimension 1 is 0");
    }

    @Test
    void truncatedDataNamesOffsetAndSizes() throws IOException {
        byte[] img = Arrays.copyOf(images(3, 4, 5), 16 + 50);
        assertBad(img, labels(0, 1, 2), "images.idx", "truncated IDX data", "need 76 bytes", "file has 66",
                "byte offset 66");
        assertBad(images(3, 4, 5), Arrays.copyOf(labels(0, 1, 2), 9), "labels.idx", "truncated IDX data");
        assertBad(Arrays.copyOf(images(3, 4, 5), 10), labels(0, 1, 2), "images.idx", "truncated IDX header");
        assertBad(new byte[0], labels(0, 1, 2), "images.idx", "truncated IDX header");
    }

    @Test
    void truncatedGzip() throws IOException {
        byte[] gz = EmbeddedSubsetTool.gzip(images(50, 10, 10));
        byte[] cut = Arrays.copyOf(gz, gz.length / 2);
        assertBad(cut, labels(0), "images.idx", "truncated gzip stream");
    }

    @Test
    void trailingBytes() throws IOException {
        byte[] img = Arrays.copyOf(images(2, 2, 2), 16 + 8 + 3);
        assertBad(img, labels(0, 1), "images.idx", "3 trailing bytes");
    }

    @Test
    void countMismatch() throws IOException {
        assertBad(images(3, 2, 2), labels(0, 1), "labels.idx", "2 labels", "3 images");
    }

    @Test
    void labelOutOfRange() throws IOException {
        assertBad(images(2, 2, 2), labels(0, 7), "labels.idx", "label 7 of record 1", "[0, 3)", "byte offset 9");
    }

    @Test
    void dimensionsWhoseProductOverflowsAreRefused() throws IOException {
        // 2^21 · 2^21 · 2^22 = 2^64 wraps to 0 in a long: the 16-byte header once passed as complete
        byte[] img = ByteBuffer.allocate(16).putInt(0x803).putInt(1 << 21).putInt(1 << 21).putInt(1 << 22).array();
        assertBad(img, labels(0), "images.idx", "more than 2^63 bytes");
        // a product that fits a long but not an array
        byte[] big = ByteBuffer.allocate(16).putInt(0x803).putInt(1 << 20).putInt(1 << 10).putInt(1 << 10).array();
        assertBad(big, labels(0), "images.idx", "describe 1099511627792 bytes", "more than the");
    }

    @Test
    void aGzipBombStopsAtTheDeclaredLength() throws IOException {
        // a valid 1 × 28 × 28 header followed by 64 MiB of zeros: about 64 KiB compressed
        java.io.ByteArrayOutputStream bos = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(bos)) {
            gz.write(images(1, 28, 28));
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 64; i++) gz.write(zeros);
        }
        long t0 = System.nanoTime();
        assertBad(bos.toByteArray(), labels(0), "images.idx", "inflates past the 800 bytes its IDX header declares");
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds to refuse the bomb").isLessThan(5);
    }

    @Test
    void imageAndByteImageSizesNeverOverflow() {
        // 3 · 65536 · 65536 wraps to 0 in an int: an image with no data was accepted
        assertThatThrownBy(() -> new Image(3, 65536, 65536, new float[0])).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("12884901888 values");
        assertThatThrownBy(() -> Image.zeros(1 << 21, 1 << 21, 1 << 22)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("more than 2^63");
    }

    @Test
    void missingFile() throws IOException {
        Path pl = write("l", labels(0));
        Path missing = dir.resolve("nope.idx");
        assertThatThrownBy(() -> IdxDataset.open("t", missing, pl, null))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageContaining("file not found");
    }

    @Test
    void indexOutOfRange() throws IOException {
        IdxDataset d = IdxDataset.open("t", write("i", images(2, 2, 2)), write("l", labels(0, 1)), null);
        assertThatThrownBy(() -> d.get(2)).isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("index 2");
    }
}
