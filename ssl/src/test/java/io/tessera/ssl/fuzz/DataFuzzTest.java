// Seeded fuzzing of the dataset readers: IDX (plain and gzip, images and labels), CIFAR binary,
// PNG (as files, and with chunk data changed under recomputed CRCs) and JPEG. Each case is a
// typed DataFormatException or data identical to an independent decoding of the mutated bytes
// (PNG: identical to the original image, as every byte of a PNG is covered by a checksum).
package io.tessera.ssl.fuzz;

import io.tessera.ssl.data.CifarDataset;
import io.tessera.ssl.data.DataFormatException;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.IdxDataset;
import io.tessera.ssl.data.Image;
import io.tessera.ssl.data.ImageDecoder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;

class DataFuzzTest {
    static final long SEED = 0xDA7AF122L;

    @TempDir
    Path dir;

    // ---- IDX ------------------------------------------------------------------------------

    static byte[] idx(int magic, int[] dims, int payload, int seed) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + payload).putInt(magic);
        for (int d : dims) b.putInt(d);
        for (int i = 0; i < payload; i++) b.put((byte) ((i * 31 + seed) % 10));
        return b.array();
    }

    /** An independent decoding: the dims of a valid ubyte IDX file of rank {@code rank}, or null. */
    static int[] refDims(byte[] b, int rank) {
        if (b.length < 4 + 4 * rank || b[0] != 0 || b[1] != 0 || b[2] != 8 || b[3] != rank) return null;
        ByteBuffer bb = ByteBuffer.wrap(b);
        int[] dims = new int[rank];
        java.math.BigInteger n = java.math.BigInteger.ONE;
        for (int d = 0; d < rank; d++) {
            dims[d] = bb.getInt(4 + 4 * d);
            if (dims[d] <= 0) return null;
            n = n.multiply(java.math.BigInteger.valueOf(dims[d]));
        }
        return n.add(java.math.BigInteger.valueOf(4 + 4 * rank)).equals(java.math.BigInteger.valueOf(b.length)) ? dims : null;
    }

    static void assertIdxMatches(Dataset d, byte[] img, byte[] lab) {
        int[] id = refDims(img, 3), ld = refDims(lab, 1);
        assertThat(id).as("reference accepts the images").isNotNull();
        assertThat(ld).as("reference accepts the labels").isNotNull();
        assertThat(new int[] {d.size(), d.height(), d.width()}).containsExactly(id[0], id[1], id[2]);
        int per = id[1] * id[2];
        for (int i = 0; i < d.size(); i++) {
            assertThat(d.get(i).label()).isEqualTo(lab[8 + i] & 0xff);
            float[] px = d.get(i).image().data();
            for (int k = 0; k < per; k++) assertThat(px[k]).isEqualTo((img[16 + i * per + k] & 0xff) / 255f);
        }
    }

    @Test
    void idxImagesAndLabelsGiveTypedErrorsOrTheirExactContents() throws Exception {
        byte[] img = idx(0x803, new int[] {4, 5, 3}, 60, 1), lab = idx(0x801, new int[] {4}, 4, 2);
        Fuzz.run("idx images", SEED, 1500, img, DataFormatException.class, m -> assertIdxMatches(
                IdxDataset.read("t", "img", new ByteArrayInputStream(m), "lab", new ByteArrayInputStream(lab), null), m, lab));
        List<String> ten = IdxDataset.MNIST_CLASSES;
        Fuzz.run("idx labels", SEED + 1, 1000, lab, DataFormatException.class, m -> {
            Dataset d = IdxDataset.read("t", "img", new ByteArrayInputStream(img), "lab", new ByteArrayInputStream(m), ten);
            assertIdxMatches(d, img, m);
            for (int i = 0; i < d.size(); i++) assertThat(d.get(i).label()).isBetween(0, 9);
        });
    }

    @Test
    void gzipIdxGivesTypedErrorsOrItsExactContents() throws Exception {
        byte[] img = idx(0x803, new int[] {6, 4, 4}, 96, 3), lab = idx(0x801, new int[] {6}, 6, 4);
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(img);
        }
        Fuzz.run("idx gzip", SEED + 2, 1000, bos.toByteArray(), DataFormatException.class, m -> {
            Dataset d = IdxDataset.read("t", "img.gz", new ByteArrayInputStream(m), "lab", new ByteArrayInputStream(lab), null);
            byte[] inflated = m.length > 1 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b
                    ? new GZIPInputStream(new ByteArrayInputStream(m)).readAllBytes() : m;
            assertIdxMatches(d, inflated, lab);
        });
    }

    // ---- CIFAR ----------------------------------------------------------------------------

    @Test
    void cifarGivesTypedErrorsOrItsExactRecords() throws Exception {
        int rec = 1 + CifarDataset.PIXELS;
        byte[] file = new byte[2 * rec];
        for (int i = 0; i < file.length; i++) file[i] = (byte) (i * 7);
        file[0] = 3;
        file[rec] = 9;
        Path p = dir.resolve("data_batch.bin");
        Fuzz.run("cifar", SEED + 3, 1000, file, DataFormatException.class, m -> {
            Files.write(p, m);
            CifarDataset d = CifarDataset.read("t", List.of(p), 1, 0, 10, null);
            assertThat(m.length % rec).isZero();
            assertThat(d.size()).isEqualTo(m.length / rec);
            for (int r = 0; r < d.size(); r++) {
                assertThat(d.get(r).label()).isEqualTo(m[r * rec]).isBetween(0, 9);
                float[] px = d.get(r).image().data();
                for (int k = 0; k < CifarDataset.PIXELS; k += 97) assertThat(px[k]).isEqualTo((m[r * rec + 1 + k] & 0xff) / 255f);
            }
        });
    }

    // ---- PNG and JPEG ---------------------------------------------------------------------

    static byte[] encode(String format, int w, int h, long seed) throws IOException {
        Random r = new Random(seed);
        BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) bi.setRGB(x, y, r.nextInt() & 0x7F7F7F | (x * 8) << 16);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(bi, format, out);
        return out.toByteArray();
    }

    static void assertSane(Image img) {
        assertThat(img.channels()).isEqualTo(3);
        assertThat((long) img.height() * img.width()).isPositive().isLessThanOrEqualTo(ImageDecoder.MAX_PIXELS);
        for (float v : img.data()) assertThat(v).isBetween(0f, 1f);
    }

    @Test
    void pngGivesTypedErrorsOrTheOriginalImage() throws Exception {
        byte[] png = encode("png", 12, 10, 5);
        float[] expected = ImageDecoder.decode("orig.png", png, 3).data();
        Fuzz.run("png", SEED + 4, 1500, png, DataFormatException.class,
                m -> assertThat(ImageDecoder.decode("m.png", m, 3).data()).as("only an unchanged PNG decodes").containsExactly(expected));
    }

    /** A PNG of the given chunks, with lengths and CRCs computed. */
    static byte[] png(byte[]... typeAndData) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        for (int i = 0; i < typeAndData.length; i += 2) {
            byte[] type = typeAndData[i], data = typeAndData[i + 1];
            out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
            out.writeBytes(type);
            out.writeBytes(data);
            CRC32 crc = new CRC32();
            crc.update(type);
            crc.update(data);
            out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        }
        return out.toByteArray();
    }

    /** The chunk data of type {@code type} in a PNG (the first such chunk; IDATs concatenated). */
    static byte[] chunk(byte[] png, String type) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.wrap(png);
        for (int pos = 8; pos < png.length; ) {
            int len = b.getInt(pos);
            if (new String(png, pos + 4, 4, java.nio.charset.StandardCharsets.US_ASCII).equals(type)) out.write(png, pos + 8, len);
            pos += 12 + len;
        }
        return out.toByteArray();
    }

    @Test
    void pngChunkDataUnderValidCrcsGivesTypedErrorsOrADecodedImage() throws Exception {
        byte[] orig = encode("png", 12, 10, 6);
        byte[] ihdr = chunk(orig, "IHDR"), idat = chunk(orig, "IDAT");
        byte[] tIHDR = "IHDR".getBytes(), tIDAT = "IDAT".getBytes(), tIEND = "IEND".getBytes();
        assertThat(ImageDecoder.decode("rebuilt.png", png(tIHDR, ihdr, tIDAT, idat, tIEND, new byte[0]), 3).data())
                .containsExactly(ImageDecoder.decode("orig.png", orig, 3).data());
        Fuzz.run("png IDAT, CRC fixed", SEED + 5, 400, idat, DataFormatException.class, m -> {
            Image img = ImageDecoder.decode("m.png", png(tIHDR, ihdr, tIDAT, m, tIEND, new byte[0]), 3);
            assertSane(img);
            assertThat(img.shapeString()).isEqualTo("(3, 10, 12)");
        });
        // the filtered rows themselves (filter-type bytes, pixels), recompressed: what reaches the decoder
        byte[] rows = new java.util.zip.InflaterInputStream(new ByteArrayInputStream(idat)).readAllBytes();
        Fuzz.run("png rows, recompressed", SEED + 8, 400, rows, DataFormatException.class, m -> {
            ByteArrayOutputStream z = new ByteArrayOutputStream();
            try (var out = new java.util.zip.DeflaterOutputStream(z)) {
                out.write(m);
            }
            Image img = ImageDecoder.decode("m.png", png(tIHDR, ihdr, tIDAT, z.toByteArray(), tIEND, new byte[0]), 3);
            assertSane(img);
            assertThat(m).as("rows of the right length").hasSize(rows.length);
        });
        Fuzz.run("png IHDR, CRC fixed", SEED + 6, 200, ihdr, DataFormatException.class, m -> {
            Image img = ImageDecoder.decode("m.png", png(tIHDR, m, tIDAT, idat, tIEND, new byte[0]), 3);
            assertSane(img);
            ByteBuffer h = ByteBuffer.wrap(m);
            assertThat(new long[] {img.width(), img.height()}).containsExactly(h.getInt(0), h.getInt(4));
        });
    }

    @Test
    void jpegGivesTypedErrorsOrAnImageOfItsDeclaredSize() throws Exception {
        byte[] jpg = encode("jpeg", 24, 16, 7);
        assertSane(ImageDecoder.decode("orig.jpg", jpg, 3));
        Fuzz.run("jpeg", SEED + 7, 1500, jpg, DataFormatException.class, m -> {
            Image img = ImageDecoder.decode("m.jpg", m, 3);
            assertThat(m.length < jpg.length && Arrays.equals(m, 0, m.length, jpg, 0, m.length)).as("a truncated JPEG decoded").isFalse();
            assertSane(img);
        });
    }
}
