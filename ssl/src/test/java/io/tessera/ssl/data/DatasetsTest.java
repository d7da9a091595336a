// The embedded Fashion-MNIST subset (counts, balance, names, attribution), the spec parser, and —
// when Debian's dataset-fashion-mnist is installed — the full dataset and the subset's provenance.
package io.tessera.ssl.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class DatasetsTest {
    @TempDir
    Path dir;

    private static int[] classCounts(Dataset d) {
        int[] c = new int[d.numClasses()];
        for (int i = 0; i < d.size(); i++) c[((IdxDataset) d).label(i)]++;
        return c;
    }

    @Test
    void embeddedSubsetHasBalancedCounts() {
        Dataset train = Datasets.open(null);
        Dataset test = Datasets.open("fashion-mnist-embedded", Split.TEST);
        assertThat(train.size()).isEqualTo(2000);
        assertThat(test.size()).isEqualTo(500);
        assertThat(train.shapeString()).isEqualTo("(1, 28, 28)");
        assertThat(train.numClasses()).isEqualTo(10);
        assertThat(classCounts(train)).containsOnly(200);
        assertThat(classCounts(test)).containsOnly(50);
        assertThat(train.classNames().orElseThrow()).containsExactlyElementsOf(IdxDataset.FASHION_MNIST_CLASSES);
        Image img = train.get(0).image();
        float max = 0;
        for (float v : img.data()) {
            assertThat(v).isBetween(0f, 1f);
            max = Math.max(max, v);
        }
        assertThat(max).isGreaterThan(0.5f);
    }

    @Test
    void embeddedSubsetCarriesItsAttribution() {
        String notice = EmbeddedFashionMnist.notice();
        assertThat(notice).contains("Zalando", "https://github.com/zalandoresearch/fashion-mnist", "MIT",
                "Permission is hereby granted", "THE SOFTWARE IS PROVIDED \"AS IS\"");
    }

    @Test
    void unknownSpecsListWhatIsAccepted() {
        assertThatThrownBy(() -> Datasets.open("imagenet:/x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown dataset spec 'imagenet:/x'").hasMessageContaining("cifar10:DIR")
                .hasMessageContaining("fashion-mnist-embedded").hasMessageContaining("folder:DIR");
        assertThatThrownBy(() -> Datasets.open("mnist")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs a directory");
        assertThatThrownBy(() -> Datasets.open("cifar10:")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty directory");
    }

    @Test
    void systemFashionMnistFallsBackOnlyWhenAskedAndSaysSo() {
        Path absent = dir.resolve("no-fashion-mnist");
        List<String> notes = new ArrayList<>();
        Dataset d = Datasets.open("fashion-mnist", Split.TEST, notes::add, absent);
        assertThat(d.size()).isEqualTo(500);
        assertThat(notes).singleElement().asString().contains(absent.toString(), "dataset-fashion-mnist", "embedded");
        assertThatThrownBy(() -> Datasets.open("fashion-mnist", Split.TRAIN, null, absent))
                .isInstanceOf(DataFormatException.class)
                .hasMessageContaining(absent.toString()).hasMessageContaining("fashion-mnist-embedded");
    }

    @Test
    void mnistDirectoryWithPlainFiles() throws IOException {
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), IdxDatasetTest.images(4, 28, 28));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), IdxDatasetTest.labels(9, 0, 1, 2));
        Dataset d = Datasets.open("mnist:" + dir, Split.TEST);
        assertThat(d.size()).isEqualTo(4);
        assertThat(d.numClasses()).isEqualTo(10);
        assertThatThrownBy(() -> Datasets.open("mnist:" + dir, Split.TRAIN)).isInstanceOf(DataFormatException.class)
                .hasMessageContaining(dir.resolve("train-images-idx3-ubyte.gz").toString()).hasMessageContaining("file not found");
    }

    private static final java.util.Map<Split, IdxDataset> FULL = new java.util.EnumMap<>(Split.class);

    /** The system Fashion-MNIST split, read once per test class. */
    private static synchronized IdxDataset full(Split split) {
        return FULL.computeIfAbsent(split, s -> (IdxDataset) Datasets.open("fashion-mnist", s));
    }

    @Test
    void fullFashionMnistWhenInstalled() {
        assumeTrue(Files.isDirectory(Datasets.SYSTEM_FASHION_MNIST), "dataset-fashion-mnist not installed");
        Dataset train = full(Split.TRAIN);
        Dataset test = full(Split.TEST);
        assertThat(train.size()).isEqualTo(60_000);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(classCounts(train)).containsOnly(6000);
        assertThat(classCounts(test)).containsOnly(1000);
    }

    @Test
    void embeddedSubsetEqualsTheDocumentedSelection() {
        assumeTrue(Files.isDirectory(Datasets.SYSTEM_FASHION_MNIST), "dataset-fashion-mnist not installed");
        for (Split split : Split.values()) {
            IdxDataset source = full(split);
            int per = split == Split.TRAIN ? EmbeddedFashionMnist.TRAIN_PER_CLASS : EmbeddedFashionMnist.TEST_PER_CLASS;
            int[] picked = EmbeddedSubsetTool.select(source, per);
            IdxDataset shipped = EmbeddedFashionMnist.load(split);
            assertThat(shipped.size()).isEqualTo(picked.length);
            for (int i = 0; i < picked.length; i++) {
                assertThat(shipped.label(i)).isEqualTo(source.label(picked[i]));
                assertThat(shipped.get(i).image().data()).containsExactly(source.get(picked[i]).image().data());
            }
        }
    }

    @Test
    void subsetToolWritesReadableGzipIdx() throws IOException {
        byte[] img = EmbeddedSubsetTool.imagesIdx(EmbeddedFashionMnist.load(Split.TEST), new int[] {3, 1, 4});
        byte[] lab = EmbeddedSubsetTool.labelsIdx(EmbeddedFashionMnist.load(Split.TEST), new int[] {3, 1, 4});
        Files.write(dir.resolve("i.gz"), EmbeddedSubsetTool.gzip(img));
        Files.write(dir.resolve("l.gz"), EmbeddedSubsetTool.gzip(lab));
        IdxDataset d = IdxDataset.open("t", dir.resolve("i.gz"), dir.resolve("l.gz"), IdxDataset.FASHION_MNIST_CLASSES);
        assertThat(d.size()).isEqualTo(3);
        assertThat(d.get(2).image().data()).containsExactly(EmbeddedFashionMnist.load(Split.TEST).get(4).image().data());
        assertThat(d.label(0)).isEqualTo(EmbeddedFashionMnist.load(Split.TEST).label(3));
    }
}
