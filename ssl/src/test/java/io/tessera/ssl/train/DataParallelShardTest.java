package io.tessera.ssl.train;

import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.HorizontalFlip;
import io.tessera.ssl.data.LoaderTest;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.RandomResizedCrop;
import io.tessera.ssl.data.Transform;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.method.Batch;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The two halves of data-parallel equivalence that need no second process: W shards at batch b
 * are, in rank order, the one-process batches at W·b (same images, same augmentations), and a
 * shard's MAE mask is its rows of the mask of the whole global batch.
 */
class DataParallelShardTest {
    private static Dataset synthetic(int n) {
        return LoaderTest.synthetic(n);
    }

    private static final List<Transform> AUG = List.of(Transform.compose(RandomResizedCrop.maePretrain(6), HorizontalFlip.half(), Normalize.fashionMnist()));

    @Test
    void threeShardsAtBatch4AreTheOneProcessBatchesAt12() {
        try (ExecutionContext ctx = ExecutionContext.reference(0);
             LoaderSource whole = new LoaderSource(synthetic(41), AUG, new Rng(9), 12, 0, ctx.ops());
             LoaderSource r0 = new LoaderSource(synthetic(41), AUG, new Rng(9), 4, 2, ctx.ops(), 0, 3);
             LoaderSource r1 = new LoaderSource(synthetic(41), AUG, new Rng(9), 4, 0, ctx.ops(), 1, 3);
             LoaderSource r2 = new LoaderSource(synthetic(41), AUG, new Rng(9), 4, 1, ctx.ops(), 2, 3)) {
            assertThat(whole.batchesPerEpoch()).isEqualTo(3); // 41 images, global batch 12, drop last
            for (LoaderSource r : List.of(r0, r1, r2)) {
                assertThat(r.batchesPerEpoch()).isEqualTo(3);
                assertThat(r.worldSize()).isEqualTo(3);
            }
            for (int epoch = 0; epoch < 2; epoch++) {
                Iterator<Batch> w = whole.epoch(epoch, 1);
                List<Iterator<Batch>> shards = List.of(r0.epoch(epoch, 1), r1.epoch(epoch, 1), r2.epoch(epoch, 1));
                for (int k = 1; k < 3; k++) {
                    Batch full = w.next();
                    float[] joined = new float[0];
                    int[] labels = new int[0];
                    for (int r = 0; r < 3; r++) {
                        Batch s = shards.get(r).next();
                        assertThat(s.size()).isEqualTo(4);
                        assertThat(s.firstSample()).isEqualTo(4 * r);
                        joined = concat(joined, s.images().toFloatArray());
                        labels = concat(labels, s.labels().toIntArray());
                    }
                    assertThat(full.firstSample()).isZero();
                    assertThat(joined).as("epoch %d batch %d", epoch, k).containsExactly(full.images().toFloatArray());
                    assertThat(labels).containsExactly(full.labels().toIntArray());
                }
            }
        }
    }

    @Test
    void aShardOfTheGlobalBatchDrawsItsRowsOfTheGlobalMask() {
        try (ExecutionContext ctx = ExecutionContext.reference(0)) {
            MaskedAutoencoder mae = MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32);
            int l = MaeConfig.micro16().encoder().numPatches();
            Rng step = new Rng(3).split("train").split(5L); // a step's stream; each draw below starts afresh from its "mask" child
            MaskPlan global = mae.mask(ctx.ops(), step.split("mask"), 8);
            int kept = global.kept();
            int[] keep = global.idsKeep().toIntArray();
            float[] mask = global.mask().toFloatArray();
            for (int first : new int[] {0, 4}) {
                MaskPlan half = mae.mask(ctx.ops(), step.split("mask"), 4, first);
                assertThat(half.idsKeep().toIntArray()).containsExactly(Arrays.copyOfRange(keep, first * kept, (first + 4) * kept));
                assertThat(half.mask().toFloatArray()).containsExactly(Arrays.copyOfRange(mask, first * l, (first + 4) * l));
            }
            // the plain draw of a second half is another mask: the offset is what makes the rows agree
            assertThat(mae.mask(ctx.ops(), step.split("mask"), 4).idsKeep().toIntArray()).isNotEqualTo(Arrays.copyOfRange(keep, 4 * kept, 8 * kept));
        }
    }

    @Test
    void aRankOutsideTheGroupAndAGlobalBatchLargerThanTheDataAreRefused() {
        try (ExecutionContext ctx = ExecutionContext.reference(0)) {
            assertThatThrownBy(() -> new LoaderSource(synthetic(41), AUG, new Rng(9), 4, 0, ctx.ops(), 2, 2))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("Loader: rank 2 of 2 processes is not a rank of the group");
            assertThatThrownBy(() -> new LoaderSource(synthetic(41), AUG, new Rng(9), 16, 0, ctx.ops(), 0, 3))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("batch size 16 on 3 processes (48 images per step) exceeds the 41 images of synthetic");
        }
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }
}
