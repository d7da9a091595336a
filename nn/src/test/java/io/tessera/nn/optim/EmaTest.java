package io.tessera.nn.optim;

import io.tessera.nn.ParameterStore;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Shape;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** EMA of stores: momentum 1 is the identity, momentum 0 copies, in between blends; buffers optional. */
class EmaTest {
    private static ParameterStore store(ExecutionContext ctx, float base) {
        ParameterStore s = new ParameterStore();
        s.parameter("w", Shape.of(3, 5));
        s.buffer("running_mean", Shape.of(5));
        s.allocate(ctx, DType.F32);
        float[] v = new float[15];
        for (int i = 0; i < 15; i++) v[i] = base + i;
        ctx.backend().write(s.tensor("w"), v);
        ctx.backend().write(s.tensor("running_mean"), new float[]{base, base, base, base, base});
        return s;
    }

    @Test
    void momentumOneIsIdentityAndZeroCopies() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            ParameterStore t = store(ctx, 0), s = store(ctx, 100);
            float[] before = t.values().toFloatArray();
            Ema.update(t, s, 1.0, true);
            assertThat(t.values().toFloatArray()).containsExactly(before);
            Ema.update(t, s, 0.0, false);
            assertThat(t.values().toFloatArray()).containsExactly(s.values().toFloatArray());
            assertThat(t.bufferValues().toFloatArray()).containsOnly(0f); // buffers excluded
        }
    }

    @Test
    void blendsParametersAndBuffers() {
        try (ExecutionContext ctx = ExecutionContext.cpu(2, 0)) {
            ParameterStore t = store(ctx, 0), s = store(ctx, 100);
            Ema.update(t, s, 0.996, true);
            assertThat((double) t.tensor("w").toFloatArray()[3]).isCloseTo(0.996 * 3 + 0.004 * 103, within(1e-5));
            assertThat((double) t.tensor("running_mean").toFloatArray()[0]).isCloseTo(0.4, within(1e-6));
            assertThatThrownBy(() -> Ema.update(t, s, 1.5, false)).hasMessageContaining("momentum");
        }
    }
}
