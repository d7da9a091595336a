// Unit tests of the supervised ViT baseline: contract, loss at initialisation, learning on a toy problem.
package io.tessera.ssl.supervised;

import io.tessera.nn.VisionTransformer;
import io.tessera.nn.VitConfig;
import io.tessera.ssl.lut.MethodChecks;
import io.tessera.ssl.method.Batch;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Scope;
import io.tessera.tensor.Tensor;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The supervised baseline: smoothed cross-entropy at init, contract, and learning on a toy problem. */
class SupervisedMethodTest {
    private static final VitConfig MICRO = new VitConfig(16, 4, 3, 32, 1, 4, 4.0, true, 1e-6, VitConfig.Pooling.CLS,
            VitConfig.PosEmbed.LEARNABLE, 2, 0.0);

    /** Class 0: waves along x, class 1: waves along y, random frequency and phase. */
    private static Batch toyBatch(Ops ops, Rng rng, int n) {
        float[] img = new float[n * 3 * 256];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            double f = 0.4 + 0.8 * rng.nextDouble(), phi = 6.28 * rng.nextDouble();
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        double u = labels[i] == 0 ? x : y;
                        img[((i * 3 + c) * 16 + y) * 16 + x] = (float) (Math.sin(f * u + phi) + 0.1 * rng.nextGaussian());
                    }
                }
            }
        }
        return new Batch(ops.tensor(img, n, 3, 16, 16), ops.indices(labels, n));
    }

    @Test
    void contractAndLossAtInitialisation() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            VisionTransformer vit = VisionTransformer.create(ctx, MICRO, DType.F32);
            SupervisedMethod m = new SupervisedMethod(vit);
            assertThat(m.name()).isEqualTo("supervised");
            assertThat(m.smoothing()).isEqualTo(0.1);
            assertThat(m.stores()).containsKey(m.evaluationRole());
            assertThat(m.trainable()).isSameAs(vit.store());
            try (Scope s = ctx.openScope()) {
                double l = m.forward(ctx.ops(), toyBatch(ctx.ops(), new Rng(1), 8), new Rng(2)).total().item();
                assertThat(l).as("near log 2 with a fresh head").isCloseTo(Math.log(2), Offset.offset(0.5));
            }
            assertThatThrownBy(() -> new SupervisedMethod(VisionTransformer.create(ctx, MICRO.withClasses(0), DType.F32)))
                    .hasMessageContaining("classification head");
        }
    }

    @Test
    void lossIsFiniteAndFallsOverThirtySteps() {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 3)) {
            Ops ops = ctx.ops();
            SupervisedMethod m = new SupervisedMethod(VisionTransformer.create(ctx, MICRO, DType.F32), 0.1);
            Rng rng = new Rng(4);
            Batch[] batches = new Batch[6];
            for (int i = 0; i < batches.length; i++) batches[i] = toyBatch(ops, rng, 16);
            double[] losses = MethodChecks.train(ctx, m, batches, 30, 2e-3);
            for (double l : losses) assertThat(l).isFinite();
            assertThat(MethodChecks.mean(losses, 24, 30)).isLessThan(0.8 * MethodChecks.mean(losses, 0, 6));
        }
    }
}
