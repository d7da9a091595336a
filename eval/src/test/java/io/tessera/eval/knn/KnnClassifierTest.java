package io.tessera.eval.knn;

import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class KnnClassifierTest {
    /** Three well separated clusters in 8-D: k-NN must be perfect; shuffled labels must be near chance. */
    @Test
    void separatesClustersAndIsAtChanceOnNoise() {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            Rng r = new Rng(1);
            int n = 300, d = 8;
            float[] x = new float[n * d], y = new float[90 * d];
            int[] lx = new int[n], ly = new int[90], noise = new int[n];
            for (int i = 0; i < n; i++) {
                lx[i] = i % 3;
                noise[i] = r.nextInt(3);
                for (int j = 0; j < d; j++) x[i * d + j] = (float) ((j == lx[i] ? 5 : 0) + 0.3 * r.nextGaussian());
            }
            for (int i = 0; i < 90; i++) {
                ly[i] = i % 3;
                for (int j = 0; j < d; j++) y[i * d + j] = (float) ((j == ly[i] ? 5 : 0) + 0.3 * r.nextGaussian());
            }
            Tensor train = ctx.ops().tensor(x, n, d), test = ctx.ops().tensor(y, 90, d);
            KnnClassifier.Accuracy a = new KnnClassifier(ctx, train, lx, 3).evaluate(test, ly, 20, 0.07);
            assertThat(a.top1()).isEqualTo(1.0);
            assertThat(a.top5()).isNaN(); // only 3 classes
            KnnClassifier.Accuracy chance = new KnnClassifier(ctx, train, noise, 3).evaluate(test, ly, 20, 0.07);
            assertThat(chance.top1()).isCloseTo(1.0 / 3, within(0.2));
        }
    }

    @Test
    void weightedVoteFollowsTheFormula() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            // Two training points of class 0 at 90° and 60°, one of class 1 at 0° from the query (2-D).
            double a60 = Math.toRadians(60);
            Tensor train = ctx.ops().tensor(new float[]{0, 1, (float) Math.cos(a60), (float) Math.sin(a60), 1, 0}, 3, 2);
            Tensor q = ctx.ops().tensor(new float[]{1, 0}, 1, 2);
            // k = 3, T = 1: class 0 gets e^0 + e^0.5 = 2.649, class 1 gets e^1 = 2.718 → class 1.
            assertThat(new KnnClassifier(ctx, train, new int[]{0, 0, 1}, 2).evaluate(q, new int[]{1}, 3, 1.0).top1()).isEqualTo(1.0);
            // T = 10: class 0 gets 2.051, class 1 gets 1.105 → class 0.
            assertThat(new KnnClassifier(ctx, train, new int[]{0, 0, 1}, 2).evaluate(q, new int[]{0}, 3, 10.0).top1()).isEqualTo(1.0);
            assertThatThrownBy(() -> new KnnClassifier(ctx, train, new int[]{0, 0, 2}, 2)).hasMessageContaining("outside");
            assertThatThrownBy(() -> new KnnClassifier(ctx, train, new int[]{0, 0, 1}, 2).evaluate(q, new int[]{0}, 4, 1)).hasMessageContaining("k must be");
        }
    }
}
