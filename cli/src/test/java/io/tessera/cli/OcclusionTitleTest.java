package io.tessera.cli;

import io.tessera.eval.robustness.Occlusion;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The occlusion figure names what was occluded: the mode, the model kind, its method and pre-training checkpoint, the data. */
class OcclusionTitleTest {
    @Test
    void titleNamesTheModelAndItsPretraining() {
        Map<String, Object> source = new LinkedHashMap<>();
        source.put("kind", "linear-probe");
        source.put("method", "mae");
        source.put("pretrain_checkpoint", "runs/s/pretrain/mae-s0/checkpoint-1404");
        assertThat(OcclusionCommand.figureTitle(Occlusion.Mode.parse("patches"), source, "fashion-mnist"))
                .isEqualTo("Occlusion robustness (" + Occlusion.Mode.parse("patches").label() + "): linear-probe of mae checkpoint-1404, fashion-mnist test");
        source.remove("pretrain_checkpoint");
        assertThat(OcclusionCommand.figureTitle(Occlusion.Mode.parse("center"), source, "fashion-mnist")).endsWith("linear-probe of mae, fashion-mnist test");
    }
}
