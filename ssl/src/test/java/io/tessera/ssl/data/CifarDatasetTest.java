// CIFAR binary reader: CIFAR-10 and CIFAR-100 round trips on small files written here, and clear
// errors for a size that is not a multiple of the record, missing files and bad labels.
package io.tessera.ssl.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CifarDatasetTest {
    @TempDir
    Path dir;

    /** n records of labelBytes + 3072; label bytes = (seed + r) % mod[b]; pixels from (seed, r, k). */
    static byte[] records(int n, int seed, int... labelMods) {
        int rec = labelMods.length + 3072;
        byte[] b = new byte[n * rec];
        for (int r = 0; r < n; r++) {
            for (int l = 0; l < labelMods.length; l++) b[r * rec + l] = (byte) ((seed + r + l) % labelMods[l]);
            for (int k = 0; k < 3072; k++) b[r * rec + labelMods.length + k] = (byte) (seed * 31 + r * 17 + k);
        }
        return b;
    }

    @Test
    void cifar10RoundTripTrainAndTest() throws IOException {
        Path root = dir.resolve("cifar-10-batches-bin");
        Files.createDirectories(root);
        for (int i = 1; i <= 5; i++) Files.write(root.resolve("data_batch_" + i + ".bin"), records(3, i, 10));
        Files.write(root.resolve("test_batch.bin"), records(2, 9, 10));
        CifarDataset train = CifarDataset.cifar10(dir, Split.TRAIN); // parent folder is accepted
        assertThat(train.size()).isEqualTo(15);
        assertThat(new int[] {train.channels(), train.height(), train.width(), train.numClasses()})
                .containsExactly(3, 32, 32, 10);
        assertThat(train.classNames().orElseThrow()).containsExactlyElementsOf(CifarDataset.CIFAR10_CLASSES);
        byte[] b3 = records(3, 3, 10);
        Sample s = train.get(2 * 3 + 1); // batch 3, record 1
        assertThat(s.label()).isEqualTo(b3[3073]);
        for (int k = 0; k < 3072; k++) assertThat(s.image().data()[k]).isEqualTo((b3[3073 + 1 + k] & 0xff) / 255f);
        // channel 1 (G) starts at pixel byte 1024: CHW order kept
        assertThat(s.image().get(1, 0, 0)).isEqualTo((b3[3073 + 1 + 1024] & 0xff) / 255f);
        CifarDataset test = CifarDataset.cifar10(root, Split.TEST);
        assertThat(test.size()).isEqualTo(2);
    }

    @Test
    void cifar10MetaNames() throws IOException {
        Files.write(dir.resolve("test_batch.bin"), records(1, 0, 10));
        Files.writeString(dir.resolve("batches.meta.txt"), "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n\n");
        assertThat(CifarDataset.cifar10(dir, Split.TEST).classNames().orElseThrow()).startsWith("a", "b").hasSize(10);
    }

    @Test
    void cifar100FineAndCoarse() throws IOException {
        Path root = dir.resolve("cifar-100-binary");
        Files.createDirectories(root);
        byte[] b = records(4, 5, 20, 100);
        Files.write(root.resolve("train.bin"), b);
        Files.write(root.resolve("test.bin"), records(1, 0, 20, 100));
        CifarDataset fine = CifarDataset.cifar100(dir, Split.TRAIN, CifarDataset.Cifar100Label.FINE);
        CifarDataset coarse = CifarDataset.cifar100(dir, Split.TRAIN, CifarDataset.Cifar100Label.COARSE);
        assertThat(fine.numClasses()).isEqualTo(100);
        assertThat(coarse.numClasses()).isEqualTo(20);
        for (int r = 0; r < 4; r++) {
            assertThat(coarse.get(r).label()).isEqualTo(b[r * 3074]);
            assertThat(fine.get(r).label()).isEqualTo(b[r * 3074 + 1]);
            assertThat(fine.get(r).image().data()[5]).isEqualTo((b[r * 3074 + 2 + 5] & 0xff) / 255f);
        }
        assertThat(Datasets.open("cifar100:" + root, Split.TEST).size()).isEqualTo(1);
    }

    @Test
    void sizeNotAMultipleOfTheRecordIsAnError() throws IOException {
        Path f = dir.resolve("test_batch.bin");
        Files.write(f, Arrays.copyOf(records(2, 0, 10), 3073 + 100));
        assertThatThrownBy(() -> CifarDataset.cifar10(dir, Split.TEST))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("3173")
                .hasMessageContaining("3073-byte record")
                .hasMessageContaining("byte offset 3073");
        // a CIFAR-10 file read as CIFAR-100 has the wrong record size
        Path t = dir.resolve("test.bin");
        Files.write(t, records(2, 0, 10));
        assertThatThrownBy(() -> CifarDataset.cifar100(dir, Split.TEST, CifarDataset.Cifar100Label.FINE))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining(t.toString())
                .hasMessageContaining("3074-byte record");
        Files.write(t, new byte[0]);
        assertThatThrownBy(() -> CifarDataset.cifar100(dir, Split.TEST, CifarDataset.Cifar100Label.FINE))
                .isInstanceOf(DataFormatException.class).hasMessageContaining("file size 0");
    }

    @Test
    void missingBatchFileIsNamed() throws IOException {
        for (int i = 1; i <= 4; i++) Files.write(dir.resolve("data_batch_" + i + ".bin"), records(1, i, 10));
        Files.write(dir.resolve("test_batch.bin"), records(1, 0, 10));
        assertThatThrownBy(() -> CifarDataset.cifar10(dir, Split.TRAIN))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining(dir.resolve("data_batch_5.bin").toString())
                .hasMessageContaining("file not found");
        assertThatThrownBy(() -> Datasets.open("cifar10:" + dir.resolve("absent")))
                .isInstanceOf(DataFormatException.class).hasMessageContaining("absent").hasMessageContaining("not a directory");
    }

    @Test
    void labelOutOfRange() throws IOException {
        byte[] b = records(2, 0, 10);
        b[3073] = 10;
        Path f = dir.resolve("test_batch.bin");
        Files.write(f, b);
        assertThatThrownBy(() -> CifarDataset.cifar10(dir, Split.TEST))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining(f.toString())
                .hasMessageContaining("label 10 of record 1");
    }

    @Test
    void anEmptyFileListIsRefused() {
        assertThatThrownBy(() -> CifarDataset.read("none", java.util.List.of(), 1, 0, 10, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("none").hasMessageContaining("no CIFAR files");
        assertThatThrownBy(() -> CifarDataset.read("bad", java.util.List.of(dir.resolve("x")), 1, 1, 10, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("labelIndex");
    }
}
