// Loader: identical batches with 0, 1 and 3 workers, a new order each epoch, drop-last counts,
// labels aligned with images, worker failures surfacing with their cause, early close.
package io.tessera.ssl.data;

import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

public class LoaderTest {
    /** N images of (1, 8, 8) whose pixels encode the index; label = index % 5 (also used by the data-parallel shard test). */
    public static Dataset synthetic(int n) {
        return new Dataset() {
            public int size() { return n; }
            public int channels() { return 1; }
            public int height() { return 8; }
            public int width() { return 8; }
            public int numClasses() { return 5; }
            public Optional<List<String>> classNames() { return Optional.empty(); }
            public String name() { return "synthetic"; }
            public Sample get(int i) {
                checkIndex(i);
                float[] d = new float[64];
                for (int k = 0; k < 64; k++) d[k] = ((i * 64 + k) % 251) / 251f;
                return new Sample(new Image(1, 8, 8, d), i % 5);
            }
        };
    }

    static final Transform AUG = Transform.compose(RandomResizedCrop.maePretrain(6), HorizontalFlip.half(),
            new ColorJitter(0.4, 0.4, 0, 0, 0.8), Normalize.fashionMnist());

    private static List<float[]> run(int workers, int epoch, List<int[]> labelsOut) {
        List<float[]> out = new ArrayList<>();
        try (ExecutionContext ctx = ExecutionContext.reference(0);
             Loader l = new Loader(synthetic(37), AUG, new Rng(42), new Loader.Options(8, true, false, workers, 2), ctx.ops())) {
            for (Loader.Batch b : l.epoch(epoch)) {
                out.add(b.images().toFloatArray());
                labelsOut.add(b.labels().toIntArray());
                assertThat(b.images().shape().dims()).containsExactly(b.indices().length, 1, 6, 6);
                for (int k = 0; k < b.indices().length; k++) assertThat(b.labels().toIntArray()[k]).isEqualTo(b.indices()[k] % 5);
            }
        }
        return out;
    }

    @Test
    void sameBatchesWithAnyNumberOfWorkers() {
        List<int[]> l0 = new ArrayList<>(), l1 = new ArrayList<>(), l3 = new ArrayList<>();
        List<float[]> a = run(0, 1, l0), b = run(1, 1, l1), c = run(3, 1, l3);
        assertThat(a).hasSize(5);
        for (int k = 0; k < a.size(); k++) {
            assertThat(b.get(k)).containsExactly(a.get(k));
            assertThat(c.get(k)).containsExactly(a.get(k));
            assertThat(l3.get(k)).containsExactly(l0.get(k));
        }
        assertThat(a.get(4)).hasSize(5 * 36); // 37 = 4·8 + 5, last batch kept
    }

    @Test
    void eachEpochHasANewOrderCoveringEverySample() {
        try (ExecutionContext ctx = ExecutionContext.reference(0);
             Loader l = new Loader(synthetic(37), AUG, new Rng(42), Loader.Options.train(8, 2), ctx.ops())) {
            int[] o0 = l.order(0), o1 = l.order(1);
            assertThat(o0).isNotEqualTo(o1);
            assertThat(Arrays.stream(o0).sorted().toArray()).isEqualTo(java.util.stream.IntStream.range(0, 37).toArray());
            assertThat(l.order(0)).isEqualTo(o0);
            List<Integer> seen = new ArrayList<>();
            for (Loader.Batch b : l.epoch(1)) for (int i : b.indices()) seen.add(i);
            assertThat(seen).containsExactly(Arrays.stream(o1).limit(32).boxed().toArray(Integer[]::new));
        }
    }

    @Test
    void dropLastCounts() {
        try (ExecutionContext ctx = ExecutionContext.reference(0)) {
            for (boolean drop : new boolean[] {true, false}) {
                try (Loader l = new Loader(synthetic(37), Transform.identity(), new Rng(1),
                        new Loader.Options(8, false, drop, 2, 3), ctx.ops())) {
                    int batches = 0, samples = 0;
                    for (Loader.Batch b : l.epoch(0)) {
                        batches++;
                        samples += b.indices().length;
                    }
                    assertThat(batches).isEqualTo(drop ? 4 : 5).isEqualTo(l.batchesPerEpoch());
                    assertThat(samples).isEqualTo(drop ? 32 : 37);
                }
            }
        }
    }

    @Test
    void unshuffledOrderIsTheDatasetOrder() {
        try (ExecutionContext ctx = ExecutionContext.reference(0);
             Loader l = new Loader(synthetic(10), Transform.identity(), new Rng(1), Loader.Options.eval(4, 1), ctx.ops())) {
            Loader.Epoch e = l.epoch(0);
            assertThat(e.nextHost().indices()).containsExactly(0, 1, 2, 3);
            assertThat(e.nextHost().images()[64]).isEqualTo(synthetic(10).get(5).image().data()[0]);
        }
    }

    @Test
    void workerFailureReachesTheConsumerWithItsCause() {
        Transform failing = (img, rng) -> {
            if (img.data()[0] == ((13 * 64) % 251) / 251f) throw new IllegalStateException("bad sample 13");
            return img;
        };
        for (int workers : new int[] {0, 3}) {
            try (ExecutionContext ctx = ExecutionContext.reference(0);
                 Loader l = new Loader(synthetic(40), failing, new Rng(1), new Loader.Options(4, false, false, workers, 2), ctx.ops())) {
                Loader.Epoch e = l.epoch(0);
                for (int k = 0; k < 3; k++) e.next();
                assertThatThrownBy(e::next).isInstanceOf(Loader.LoaderException.class)
                        .hasMessageContaining("batch 3 of epoch 0")
                        .hasMessageContaining("bad sample 13")
                        .hasRootCauseInstanceOf(IllegalStateException.class);
            }
        }
    }

    @Test
    void closingAnEpochEarlyStopsIt() {
        try (ExecutionContext ctx = ExecutionContext.reference(0);
             Loader l = new Loader(synthetic(200), Transform.identity(), new Rng(1), new Loader.Options(4, true, true, 3, 2), ctx.ops())) {
            Loader.Epoch e = l.epoch(0);
            e.next();
            e.close();
            assertThat(e.hasNext()).isFalse();
            assertThatThrownBy(e::nextHost).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
            int n = 0;
            for (Loader.Batch b : l.epoch(1)) n++;
            assertThat(n).isEqualTo(50);
        }
    }

    @Test
    void twoViewsUseIndependentStreamsOfTheSample() {
        Transform v1 = Transform.compose(SimpleResizedCrop.deit3(8), HorizontalFlip.half(), Normalize.fashionMnist());
        Transform v2 = Transform.compose(SimpleResizedCrop.deit3(8), HorizontalFlip.half(), ColorJitter.lut(),
                new ThreeAugment(), Normalize.fashionMnist());
        Dataset d = synthetic(12);
        try (ExecutionContext ctx = ExecutionContext.reference(0);
             Loader l = new Loader(d, List.of(v1, v2), new Rng(9), new Loader.Options(4, true, true, 2, 2), ctx.ops())) {
            Loader.Batch b = l.epoch(3).next();
            assertThat(b.views()).hasSize(2);
            int i = b.indices()[1];
            Image x = d.get(i).image();
            float[] view0 = Arrays.copyOfRange(b.views().get(0).toFloatArray(), 64, 128);
            float[] view1 = Arrays.copyOfRange(b.views().get(1).toFloatArray(), 64, 128);
            assertThat(view0).containsExactly(v1.apply(x, l.sampleRng(3, i).split(0)).data());
            assertThat(view1).containsExactly(v2.apply(x, l.sampleRng(3, i).split(1)).data());
        }
    }

    @Test
    void embeddedDatasetThroughTheMaePipeline() {
        Dataset d = Datasets.open(null);
        Transform t = Transform.compose(RandomResizedCrop.maePretrain(28), HorizontalFlip.half(), Normalize.fashionMnist());
        try (ExecutionContext ctx = ExecutionContext.reference(0);
             Loader l = new Loader(d, t, new Rng(5), Loader.Options.train(256, 2), ctx.ops())) {
            Loader.Epoch e = l.epoch(0);
            assertThat(e.size()).isEqualTo(7);
            Loader.Batch b = e.next();
            assertThat(b.images().shape().dims()).containsExactly(256, 1, 28, 28);
            for (int v : b.labels().toIntArray()) assertThat(v).isBetween(0, 9);
        }
    }
}
