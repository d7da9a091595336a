package io.tessera.ssl.train;

import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.nn.optim.LrRule;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The trainer's configuration: finite values only, its sidecar form, and which differences a resume refuses. */
class TrainerConfigTest {
    private static final Path OUT = Path.of("runs", "t");

    private static TrainerConfig base() {
        return new TrainerConfig(10, 1, 1.5e-4, LrRule.LINEAR, 0, 0.05, 0.95, 2, 0, 0, 0, OUT, 7);
    }

    @Test
    void nonFiniteOrMissingRatesAreRefused() {
        double inf = Double.POSITIVE_INFINITY, nan = Double.NaN;
        assertThatThrownBy(() -> base().withBaseLr(inf, LrRule.LINEAR)).hasMessageContaining("finite number > 0").hasMessageContaining("Infinity");
        assertThatThrownBy(() -> base().withBaseLr(nan, LrRule.LINEAR)).hasMessageContaining("NaN");
        assertThatThrownBy(() -> base().withBaseLr(0, LrRule.LINEAR)).hasMessageContaining("exactly one");
        assertThatThrownBy(() -> base().withLr(inf)).hasMessageContaining("absolute Infinity");
        assertThatThrownBy(() -> new TrainerConfig(10, 1, 1e-4, LrRule.LINEAR, 0, 0.05, 0.95, 1, 0, 0, 0, OUT, 0, 0, 1e-3, 0))
                .hasMessageContaining("exactly one");
        assertThatThrownBy(() -> base().withMinLr(inf)).hasMessageContaining("min learning rate");
        assertThatThrownBy(() -> base().withClipNorm(nan)).hasMessageContaining("clip norm");
        assertThatThrownBy(() -> base().withEpochs(0)).hasMessageContaining("epochs must be from 1");
        assertThatThrownBy(() -> base().withSaveEveryEpochs(-1)).hasMessageContaining("≥ 0");
    }

    @Test
    void peakIsTheAbsoluteRateOrTheRuleOfTheBaseRate() {
        assertThat(base().peakLr(4096)).isEqualTo(1.5e-4 * 4096 / 256);
        assertThat(base().withBaseLr(1.5e-4, LrRule.SQRT_PRETRAIN).peakLr(4096)).isEqualTo(1.5e-4 * 64 / 4);
        assertThat(base().withLr(2.4e-3).peakLr(16)).isEqualTo(2.4e-3);
    }

    @Test
    void sidecarFormRoundTripsExactly() {
        for (TrainerConfig c : new TrainerConfig[]{base(), base().withLr(3.3e-3).withMinLr(1e-6).withSaveEveryEpochs(5).withKeepLast(2).withMaxSteps(99)}) {
            Map<?, ?> parsed = (Map<?, ?>) Json.parse(Json.write(c.toMap()));
            assertThat(TrainerConfig.fromJson(JsonFields.of(parsed, null), OUT)).isEqualTo(c);
        }
        Map<String, Object> old = new LinkedHashMap<>(base().toMap());
        old.put("schema", "tessera.trainer/0");
        assertThatThrownBy(() -> TrainerConfig.fromJson(JsonFields.of(old, null), OUT)).hasMessageContaining("schema must be \"tessera.trainer/1\"");
        Map<String, Object> truncated = new LinkedHashMap<>(base().toMap());
        truncated.put("accumulation", 2.5);
        assertThatThrownBy(() -> TrainerConfig.fromJson(JsonFields.of(truncated, null), OUT)).hasMessageContaining("accumulation must be an integer");
    }

    @Test
    void recipeDifferencesNameOldAndNewButIgnoreSavingAndStopping() {
        TrainerConfig c = base();
        assertThat(c.withCheckpointEvery(5).withKeepLast(1).withMaxSteps(3).withSaveEveryEpochs(2).recipeDifferences(c, false)).isEmpty();
        assertThat(c.withSeed(8).withAccumulation(4).recipeDifferences(c, false)).containsExactly("accumulation 2 → 4", "seed 7 → 8");
        assertThat(c.withEpochs(20).recipeDifferences(c, false)).containsExactly("epochs 10 → 20");
        assertThat(c.withEpochs(20).recipeDifferences(c, true)).isEmpty();
        assertThat(c.withLr(1e-3).recipeDifferences(c, true)).containsExactly("base learning rate 1.5E-4 → 0.0", "learning rate 0.0 → 0.001");
    }
}
