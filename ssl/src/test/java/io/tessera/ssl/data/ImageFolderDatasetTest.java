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
                .hasMessageContaining(bad.toString()).hasMessageContaining("not a readable PNG/JPEG");
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
}
