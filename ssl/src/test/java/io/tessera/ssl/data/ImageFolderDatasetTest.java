// Image-folder reader: classes from sorted sub-folders, PNG decoding to CHW floats, resize and
// centre crop to the requested size, and errors naming the folder or the unreadable file.
package io.tessera.ssl.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ImageFolderDatasetTest {
    @TempDir
    Path dir;

    private static void png(Path f, int w, int h, int rgb) throws IOException {
        BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) bi.setRGB(x, y, rgb);
        Files.createDirectories(f.getParent());
        ImageIO.write(bi, "png", f.toFile());
    }

    @Test
    void classesSortedAndImagesResizedToSize() throws IOException {
        png(dir.resolve("zebra/a.png"), 12, 8, 0x336699);
        png(dir.resolve("apple/b.PNG"), 8, 8, 0xFF0000);
        png(dir.resolve("apple/a.png"), 20, 10, 0x00FF00);
        Files.writeString(dir.resolve("apple/notes.txt"), "ignored");
        ImageFolderDataset d = ImageFolderDataset.open(dir, 6, 3, Interpolation.BILINEAR);
        assertThat(d.classNames().orElseThrow()).containsExactly("apple", "zebra");
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.file(0).getFileName().toString()).isEqualTo("a.png");
        Sample s = d.get(2);
        assertThat(s.label()).isEqualTo(1);
        assertThat(s.image().shapeString()).isEqualTo("(3, 6, 6)");
        assertThat(s.image().get(0, 3, 3)).isCloseTo(0x33 / 255f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(s.image().get(1, 0, 5)).isCloseTo(0x66 / 255f, org.assertj.core.data.Offset.offset(1e-6f));
        assertThat(s.image().get(2, 5, 0)).isCloseTo(0x99 / 255f, org.assertj.core.data.Offset.offset(1e-6f));
        Sample g = d.get(0); // green, 20 × 10 → 12 × 6 → centre 6 × 6
        assertThat(g.image().get(1, 2, 2)).isEqualTo(1f);
        assertThat(g.image().get(0, 2, 2)).isEqualTo(0f);
        ImageFolderDataset gray = ImageFolderDataset.open(dir, 4, 1, Interpolation.BICUBIC);
        assertThat(gray.get(1).image().get(0, 1, 1)).isCloseTo(0.299f, org.assertj.core.data.Offset.offset(1e-5f));
    }

    @Test
    void grayPngKeepsItsValues() throws IOException {
        BufferedImage bi = new BufferedImage(4, 4, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) bi.getRaster().setSample(x, y, 0, 100);
        Files.createDirectories(dir.resolve("c"));
        ImageIO.write(bi, "png", dir.resolve("c/g.png").toFile());
        Image img = ImageFolderDataset.decode(dir.resolve("c/g.png"), 3);
        assertThat(img.get(2, 3, 3)).isEqualTo(100 / 255f);
    }

    @Test
    void unreadableImageNamesTheFile() throws IOException {
        png(dir.resolve("a/ok.png"), 4, 4, 0);
        Path bad = dir.resolve("a/broken.jpg");
        Files.write(bad, new byte[] {1, 2, 3, 4, 5});
        ImageFolderDataset d = ImageFolderDataset.open(dir, 4, 3, Interpolation.BILINEAR);
        assertThatThrownBy(() -> d.get(0)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining(bad.toString()).hasMessageContaining("not a PNG or JPEG");
    }

    @Test
    void emptyClassAndMissingFolders() throws IOException {
        assertThatThrownBy(() -> ImageFolderDataset.open(dir.resolve("nothing"), 4, 3, Interpolation.BILINEAR))
                .isInstanceOf(DataFormatException.class).hasMessageContaining("nothing").hasMessageContaining("not a directory");
        assertThatThrownBy(() -> ImageFolderDataset.open(dir, 4, 3, Interpolation.BILINEAR))
                .isInstanceOf(DataFormatException.class).hasMessageContaining("no class sub-folders");
        Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> ImageFolderDataset.open(dir, 4, 3, Interpolation.BILINEAR))
                .isInstanceOf(DataFormatException.class).hasMessageContaining(dir.resolve("empty").toString())
                .hasMessageContaining("no .png/.jpg/.jpeg");
    }

    @Test
    void folderSpecUsesTrainAndValSubfolders() throws IOException {
        png(dir.resolve("train/a/x.png"), 300, 260, 0x808080);
        png(dir.resolve("train/b/y.png"), 230, 230, 0x808080);
        png(dir.resolve("val/a/z.png"), 224, 224, 0x808080);
        png(dir.resolve("val/b/w.png"), 224, 224, 0x808080);
        Dataset train = Datasets.open("folder:" + dir);
        assertThat(train.size()).isEqualTo(2);
        assertThat(train.get(0).image().shapeString()).isEqualTo("(3, 224, 224)");
        assertThat(Datasets.open("folder:" + dir, Split.TEST).size()).isEqualTo(2);
    }

    static byte[] encode(BufferedImage bi, String format) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        ImageIO.write(bi, format, out);
        return out.toByteArray();
    }

    static BufferedImage noise(int w, int h, long seed) {
        java.util.Random r = new java.util.Random(seed);
        BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) bi.setRGB(x, y, r.nextInt());
        return bi;
    }

    private ImageFolderDataset single(String name, byte[] content) throws IOException {
        Files.createDirectories(dir.resolve("c"));
        Files.write(dir.resolve("c").resolve(name), content);
        return ImageFolderDataset.open(dir, 8, 3, Interpolation.BILINEAR);
    }

    @Test
    void aTruncatedJpegFailsNamingTheFile() throws IOException {
        byte[] jpg = encode(noise(32, 24, 1), "jpeg");
        ImageFolderDataset d = single("cut.jpg", java.util.Arrays.copyOf(jpg, jpg.length - 40));
        assertThatThrownBy(() -> d.get(0)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining(dir.resolve("c/cut.jpg").toString()).hasMessageContaining("truncated JPEG");
    }

    @Test
    void aJpegThatMakesTheDecoderWarnFails() throws IOException {
        byte[] jpg = encode(noise(32, 24, 2), "jpeg");
        // find a byte of the scan data whose change the JDK decoder only warns about
        byte[] warned = null;
        for (int at = jpg.length / 2; at < jpg.length - 2 && warned == null; at++) {
            byte[] m = jpg.clone();
            m[at] = (byte) (m[at] == 0x55 ? 0x56 : 0x55);
            if ((m[at - 1] & 0xff) == 0xFF || (jpg[at] & 0xff) == 0xFF) continue; // keep the marker structure
            if (decoderWarns(m)) warned = m;
        }
        assertThat(warned).as("a mutation the decoder warns about").isNotNull();
        ImageFolderDataset d = single("warn.jpg", warned);
        assertThatThrownBy(() -> d.get(0)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining(dir.resolve("c/warn.jpg").toString()).hasMessageContaining("decoder warns");
    }

    private static boolean decoderWarns(byte[] jpg) throws IOException {
        javax.imageio.ImageReader r = ImageIO.getImageReadersByFormatName("jpeg").next();
        java.util.List<String> warnings = new java.util.ArrayList<>();
        try (var in = new javax.imageio.stream.MemoryCacheImageInputStream(new java.io.ByteArrayInputStream(jpg))) {
            r.setInput(in);
            r.addIIOReadWarningListener((src, w) -> warnings.add(w));
            r.read(0);
        } catch (IOException | RuntimeException e) {
            return false;
        } finally {
            r.dispose();
        }
        return !warnings.isEmpty();
    }

    @Test
    void aPngWithABadCrcFailsThoughTheJdkDecodesIt() throws IOException {
        byte[] png = encode(noise(16, 16, 3), "png");
        byte[] bad = png.clone();
        bad[bad.length - 13] ^= 0x01; // last byte of the IDAT chunk's CRC (IEND is the final 12 bytes)
        assertThat(ImageIO.read(new java.io.ByteArrayInputStream(bad))).as("the JDK skips CRCs").isNotNull();
        ImageFolderDataset d = single("crc.png", bad);
        assertThatThrownBy(() -> d.get(0)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining(dir.resolve("c/crc.png").toString()).hasMessageContaining("CRC of PNG chunk IDAT");
        byte[] trailing = java.util.Arrays.copyOf(png, png.length + 3);
        assertThatThrownBy(() -> ImageDecoder.decode("t.png", trailing, 3)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining("3 bytes after the IEND chunk");
    }

    @Test
    void aValidVeryWidePngDecodesAndCrops() throws IOException {
        png(dir.resolve("c/wide.png"), 20000, 1, 0x102030);
        ImageFolderDataset d = ImageFolderDataset.open(dir, 224, 3, Interpolation.BICUBIC);
        Image fixed = d.get(0).image();
        assertThat(fixed.shapeString()).isEqualTo("(3, 224, 224)");
        assertThat(fixed.get(2, 100, 100)).isCloseTo(0x30 / 255f, org.assertj.core.data.Offset.offset(1e-5f));
        assertThat(d.decoded(0).image().shapeString()).isEqualTo("(3, 1, 20000)");
    }

    @Test
    void skipLeavesBadFilesOutAndCountsThem() throws IOException {
        png(dir.resolve("a/good.png"), 8, 8, 0x445566);
        png(dir.resolve("b/good.png"), 8, 8, 0x445566);
        byte[] jpg = encode(noise(16, 16, 4), "jpeg");
        Files.write(dir.resolve("a/cut.jpg"), java.util.Arrays.copyOf(jpg, jpg.length / 2));
        Files.write(dir.resolve("b/text.png"), "not an image".getBytes());
        java.util.List<String> notices = new java.util.ArrayList<>();
        ImageFolderDataset d = ImageFolderDataset.open(dir, 8, 3, Interpolation.BILINEAR, ImageFolderDataset.BadImages.SKIP, notices::add);
        assertThat(d.size()).isEqualTo(2);
        assertThat(d.skippedFiles()).hasSize(2);
        assertThat(d.skippedFiles().get(0)).contains("cut.jpg");
        assertThat(notices).singleElement().asString().contains("skipped 2 of 4", "cut.jpg", "text.png");
        ImageFolderDataset strict = ImageFolderDataset.open(dir, 8, 3, Interpolation.BILINEAR);
        assertThat(strict.size()).isEqualTo(4);
    }

    @Test
    void trainingCropsAreChosenOnTheDecodedImage() throws IOException {
        BufferedImage bi = new BufferedImage(64, 16, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 16; y++) for (int x = 0; x < 64; x++) bi.setRGB(x, y, x < 8 ? 0xFF0000 : x >= 56 ? 0x0000FF : 0x00FF00);
        Files.createDirectories(dir.resolve("c"));
        ImageIO.write(bi, "png", dir.resolve("c/x.png").toFile());
        ImageFolderDataset d = ImageFolderDataset.open(dir, 8, 3, Interpolation.BILINEAR);
        Transform crop = Transform.compose(RandomResizedCrop.maePretrain(8));
        try (io.tessera.tensor.ExecutionContext ctx = io.tessera.tensor.ExecutionContext.cpu(1, 1);
             Loader l = new Loader(d, crop, new io.tessera.tensor.Rng(3), Loader.Options.eval(1, 0), ctx.ops())) {
            io.tessera.tensor.Rng sample = l.sampleRng(0, 0);
            float[] got = l.epoch(0).nextHost().images();
            assertThat(got).containsExactly(crop.apply(d.decoded(0).image(), sample).data());
            // the fixed 8 × 8 view is the green centre: a crop of it could never see red or blue
            assertThat(d.get(0).image().get(0, 4, 0)).isEqualTo(0f);
        }
        // a view that needs the fixed size still gets it
        try (io.tessera.tensor.ExecutionContext ctx = io.tessera.tensor.ExecutionContext.cpu(1, 1);
             Loader l = new Loader(d, Normalize.imagenet(), new io.tessera.tensor.Rng(3), Loader.Options.eval(1, 0), ctx.ops())) {
            assertThat(l.epoch(0).nextHost().shapes()[0]).containsExactly(3, 8, 8);
        }
    }
}
