package io.tessera.nn;

import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Stochastic depth: identity in eval mode, per-sample 0 or x/(1 − p) in training. */
class DropPathTest {

    @Test
    void evalModeAndZeroRateAreIdentity() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Ops ops = ctx.ops();
            Tensor x = ops.randn(new Rng(5), io.tessera.tensor.Shape.of(4, 3, 2), io.tessera.tensor.DType.F32);
            DropPath dp = new DropPath("drop_path", 0.3);
            dp.eval();
            assertThat(dp.forward(ops, x)).isSameAs(x);
            DropPath none = new DropPath("drop_path", 0.0);
            assertThat(none.forward(ops, x)).isSameAs(x);
        }
    }

    @Test
    void trainingDropsWholeSamplesAndRescalesSurvivors() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Ops ops = ctx.ops();
            int b = 2000, t = 3;
            Tensor x = ops.addScalar(ops.zeros(b, t), 2.0);
            DropPath dp = new DropPath("drop_path", 0.25);
            dp.setRng(ctx.rng("drop"));
            float[] y = dp.forward(ops, x).toFloatArray();
            int kept = 0;
            for (int i = 0; i < b; i++) {
                float v = y[i * t];
                assertThat(v == 0f || Math.abs(v - 2 / 0.75f) < 1e-6).as("sample %d value %f", i, v).isTrue();
                for (int j = 1; j < t; j++) assertThat(y[i * t + j]).isEqualTo(v);
                if (v != 0f) kept++;
            }
            assertThat(kept / (double) b).isCloseTo(0.75, within(0.04));
        }
    }

    @Test
    void aSliceOfTheGlobalBatchDropsWhatTheWholeBatchDropsAtItsRows() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            Ops ops = ctx.ops();
            int global = 40, t = 2, first = 24, b = 10;
            DropPath whole = new DropPath("drop_path", 0.5), slice = new DropPath("drop_path", 0.5);
            whole.setRng(new Rng(3));
            slice.setRng(new Rng(3), first, global);
            for (int call = 0; call < 2; call++) { // a block calls its DropPath twice per forward
                float[] all = whole.forward(ops, ops.addScalar(ops.zeros(global, t), 1.0)).toFloatArray();
                float[] part = slice.forward(ops, ops.addScalar(ops.zeros(b, t), 1.0)).toFloatArray();
                assertThat(part).as("call %d", call).containsExactly(java.util.Arrays.copyOfRange(all, first * t, (first + b) * t));
            }
            // without the offset the slice would drop other samples
            DropPath plain = new DropPath("drop_path", 0.5);
            plain.setRng(new Rng(3));
            DropPath again = new DropPath("drop_path", 0.5);
            again.setRng(new Rng(3));
            float[] all = again.forward(ops, ops.addScalar(ops.zeros(global, t), 1.0)).toFloatArray();
            assertThat(plain.forward(ops, ops.addScalar(ops.zeros(b, t), 1.0)).toFloatArray())
                    .isNotEqualTo(java.util.Arrays.copyOfRange(all, first * t, (first + b) * t));
            DropPath over = new DropPath("blocks.1.drop_path", 0.5);
            over.setRng(new Rng(3), 35, global);
            assertThatThrownBy(() -> over.forward(ops, ops.zeros(b, t))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("DropPath blocks.1.drop_path: 10 samples from position 35 exceed the global batch of 40");
        }
    }

    @Test
    void trainingWithoutStreamFails() {
        try (ExecutionContext ctx = ExecutionContext.reference(1)) {
            DropPath dp = new DropPath("blocks.3.drop_path", 0.1);
            assertThatThrownBy(() -> dp.forward(ctx.ops(), ctx.ops().zeros(2, 2))).hasMessageContaining("blocks.3.drop_path");
        }
    }

    @Test
    void configRatesIncreaseLinearly() {
        VitConfig cfg = VitConfig.tiny32().withDropPath(0.1);
        assertThat(cfg.dropPathAt(0)).isZero();
        assertThat(cfg.dropPathAt(11)).isCloseTo(0.1, within(1e-15));
        assertThat(cfg.dropPathAt(5)).isCloseTo(0.1 * 5 / 11, within(1e-15));
        ParameterStore s = new ParameterStore();
        VisionTransformer vit = new VisionTransformer(s, "", cfg);
        assertThat(vit.blocks().get(11).dropPath().rate()).isCloseTo(0.1, within(1e-15));
    }
}
