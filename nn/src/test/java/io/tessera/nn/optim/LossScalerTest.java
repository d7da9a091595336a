package io.tessera.nn.optim;

import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.Tensor;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The loss scaler's schedule against GradScaler's rules, closed form; exact unscaling; its saved state. */
class LossScalerTest {

    @Test
    void backsOffOnOverflowAndGrowsAfterTheIntervalOfFiniteSteps() {
        LossScaler s = new LossScaler(1024f, 2f, 0.5f, 3);
        s.update(true);
        assertThat(s.scale()).isEqualTo(512f);
        s.update(false);
        s.update(false);
        assertThat(s.scale()).as("two finite steps: not yet").isEqualTo(512f);
        assertThat(s.growthTracker()).isEqualTo(2);
        s.update(true);
        assertThat(s.scale()).as("an overflow resets the count").isEqualTo(256f);
        assertThat(s.growthTracker()).isZero();
        for (int i = 0; i < 3; i++) s.update(false);
        assertThat(s.scale()).isEqualTo(512f);
        assertThat(s.growthTracker()).isZero();
        for (int i = 0; i < 6; i++) s.update(false);
        assertThat(s.scale()).isEqualTo(2048f);
    }

    @Test
    void defaultsAreGradScalers() {
        LossScaler s = new LossScaler();
        assertThat(s.scale()).isEqualTo(65536f);
        for (int i = 0; i < 1999; i++) s.update(false);
        assertThat(s.scale()).isEqualTo(65536f);
        s.update(false);
        assertThat(s.scale()).isEqualTo(131072f);
    }

    @Test
    void growthStopsShortOfFloat32Overflow() {
        LossScaler s = new LossScaler(0x1p127f, 2f, 0.5f, 1);
        s.update(false);
        assertThat(s.scale()).isEqualTo(0x1p127f);
    }

    @Test
    void unscalingByAPowerOfTwoIsExact() {
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            float[] g = {3e-3f, -7.25f, 1e-30f, 65504f, 0f};
            Tensor t = ctx.ops().tensor(g.clone(), g.length);
            float[] scaled = new float[g.length];
            for (int i = 0; i < g.length; i++) scaled[i] = g[i] * 65536f;
            ctx.backend().write(t, scaled);
            new LossScaler().unscale(t);
            assertThat(t.toFloatArray()).containsExactly(g);
        }
    }

    @Test
    void stateRoundTripsAndBadStateIsRefused() {
        LossScaler a = new LossScaler();
        a.update(true);
        a.update(false);
        LossScaler b = new LossScaler();
        b.restore(((Number) a.state().get("scale")).doubleValue(), ((Number) a.state().get("growth_tracker")).longValue());
        assertThat(b.scale()).isEqualTo(32768f);
        assertThat(b.growthTracker()).isEqualTo(1);
        assertThatThrownBy(() -> b.restore(0, 0)).hasMessageContaining("finite positive");
        assertThatThrownBy(() -> b.restore(0.1, 0)).as("not a float32").hasMessageContaining("float32");
        assertThatThrownBy(() -> b.restore(1024, 2000)).hasMessageContaining("growth tracker");
        assertThatThrownBy(() -> new LossScaler(1, 1, 0.5f, 10)).hasMessageContaining("growth factor");
    }
}
