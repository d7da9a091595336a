package io.tessera.ssl.train;

import io.tessera.ssl.data.ColorJitter;
import io.tessera.ssl.data.Dataset;
import io.tessera.ssl.data.HorizontalFlip;
import io.tessera.ssl.data.LoaderTest;
import io.tessera.ssl.data.Normalize;
import io.tessera.ssl.data.RandomResizedCrop;
import io.tessera.ssl.data.Transform;
import io.tessera.ssl.lut.LutMasking;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.mask.MaskPlan;
import io.tessera.ssl.method.Batch;
import io.tessera.ssl.simmim.SimMimConfig;
import io.tessera.ssl.simmim.SimMimMasking;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The two halves of data-parallel equivalence that need no second process: W shards at batch b
 * are, in rank order, the one-process batches at W·b (same images, same augmentations of both
 * views), and a shard's MAE, LUT and SimMIM masks are its rows of the masks of the whole global batch.
 */
class DataParallelShardTest {
    private static Dataset synthetic(int n) {
        return LoaderTest.synthetic(n);
    }

    private static final List<Transform> AUG = List.of(Transform.compose(RandomResizedCrop.maePretrain(6), HorizontalFlip.half(), Normalize.fashionMnist()),
            Transform.compose(RandomResizedCrop.maePretrain(6), HorizontalFlip.half(), new ColorJitter(0.4, 0.4, 0, 0, 0.8), Normalize.fashionMnist()));

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
                    float[] joined = new float[0], second = new float[0];
                    int[] labels = new int[0];
                    for (int r = 0; r < 3; r++) {
                        Batch s = shards.get(r).next();
                        assertThat(s.size()).isEqualTo(4);
                        assertThat(s.firstSample()).isEqualTo(4 * r);
                        assertThat(s.globalSize()).isEqualTo(12);
                        joined = concat(joined, s.images().toFloatArray());
                        second = concat(second, s.view(1).toFloatArray());
                        labels = concat(labels, s.labels().toIntArray());
                    }
                    assertThat(full.firstSample()).isZero();
                    assertThat(full.globalSize()).isEqualTo(12);
                    assertThat(joined).as("epoch %d batch %d", epoch, k).containsExactly(full.images().toFloatArray());
                    assertThat(second).as("second view, epoch %d batch %d", epoch, k).containsExactly(full.view(1).toFloatArray());
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
    void lutAndSimMimShardsDrawTheirRowsOfTheGlobalMasks() {
        try (ExecutionContext ctx = ExecutionContext.reference(0)) {
            Ops ops = ctx.ops();
            int l = MaeConfig.micro16().encoder().numPatches();
            SimMimConfig sc = new SimMimConfig(MaeConfig.micro16().encoder(), 8, 0.6);
            long cellDraws = SimMimMasking.drawsPerSample(sc.cells());
            Rng step = new Rng(4).split("train").split(2L);
            LutMasking.Plans lut = LutMasking.sample(ops, step.split("mask"), 8, l, 0.75);
            Tensor simmim = SimMimMasking.sample(ops, step.split("mask"), 8, sc);
            SimMimMasking.Pair pair = SimMimMasking.samplePair(ops, step.split("mask"), 8, sc);
            for (int first : new int[] {0, 4}) {
                Batch shard = new Batch(ops.zeros(4, 3, 16, 16), null, List.of(), first, 8);
                LutMasking.Plans lh = LutMasking.sample(ops, shard.rowStream(step.split("mask"), l), 4, l, 0.75);
                assertThat(lh.view1().mask().toFloatArray()).containsExactly(rows(lut.view1().mask(), first, 4));
                assertThat(lh.view2().mask().toFloatArray()).containsExactly(rows(lut.view2().mask(), first, 4));
                assertThat(lh.view2().idsKeep().toIntArray()).containsExactly(Arrays.copyOfRange(lut.view2().idsKeep().toIntArray(),
                        first * lut.view2().kept(), (first + 4) * lut.view2().kept()));
                assertThat(SimMimMasking.sample(ops, shard.rowStream(step.split("mask"), cellDraws), 4, sc).toFloatArray())
                        .containsExactly(rows(simmim, first, 4));
                SimMimMasking.Pair ph = SimMimMasking.samplePair(ops, shard.rowStream(step.split("mask"), cellDraws), 4, sc);
                assertThat(ph.view1().toFloatArray()).containsExactly(rows(pair.view1(), first, 4));
                assertThat(ph.view2().toFloatArray()).containsExactly(rows(pair.view2(), first, 4));
            }
            // the plain draw of a second half is another mask
            assertThat(SimMimMasking.sample(ops, step.split("mask"), 4, sc).toFloatArray()).isNotEqualTo(rows(simmim, 4, 4));
            assertThatThrownBy(() -> new Batch(ops.zeros(4, 3, 16, 16), null, List.of(), 6, 8)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("a batch of 4 images from position 6 does not fit in a global batch of 8");
        }
    }

    /** Rows [first, first + n) of a (B, L) tensor. */
    private static float[] rows(Tensor t, int first, int n) {
        int l = t.dim(1);
        return Arrays.copyOfRange(t.toFloatArray(), first * l, (first + n) * l);
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
