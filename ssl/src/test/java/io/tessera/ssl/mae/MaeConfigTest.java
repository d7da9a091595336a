package io.tessera.ssl.mae;

import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The MAE configuration's exact size, its bounds and its sidecar form read back without truncation. */
class MaeConfigTest {

    @Test
    void decoderCountMatchesTheSpecAndTheBuiltStore() {
        assertThat(MaeConfig.base().decoderParameterCount()).isEqualTo(26_008_320L + 100_864L); // spec §7: trainable + fixed table
        assertThat(MaeConfig.tiny().decoderParameterCount()).isEqualTo(520_704L + 25_216L);
        assertThat(MaeConfig.base().parameterCount()).isEqualTo(111_655_680L + 151_296L + 100_864L);
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 0)) {
            for (MaeConfig c : new MaeConfig[]{MaeConfig.micro16(), MaeConfig.mini(), MaeConfig.micro16().withDecoder(20, 3, 5).forImages(20, 5, 2)}) {
                MaskedAutoencoder mae = MaskedAutoencoder.create(ctx, c, DType.F32);
                assertThat(c.parameterCount()).as("%s", c).isEqualTo(mae.store().parameterCount() + mae.store().bufferCount());
            }
        }
    }

    @Test
    void theSidecarFormRoundTripsAndRefusesTruncatableNumbers() {
        MaeConfig c = MaeConfig.mini().withMaskRatio(0.6).withNormPixLoss(false);
        Map<?, ?> parsed = (Map<?, ?>) Json.parse(Json.write(c.toMap()));
        assertThat(MaeConfig.fromMap(parsed)).isEqualTo(c);
        Path file = Path.of("checkpoint-3.json");
        for (Object bad : new Object[]{32.5, 1e12, 1_000_000_000_000L, "128", -4L}) {
            Map<String, Object> m = new LinkedHashMap<>(c.toMap());
            m.put("embed_dim", bad);
            assertThatThrownBy(() -> MaeConfig.fromJson(JsonFields.of(m, file))).as("embed_dim %s", bad).isInstanceOf(CheckpointFormatException.class)
                    .hasMessageContaining("checkpoint-3.json").hasMessageContaining("embed_dim must be an integer from 4 to 16384");
        }
        Map<String, Object> deep = new LinkedHashMap<>(c.toMap());
        deep.put("depth", 100_000L);
        assertThatThrownBy(() -> MaeConfig.fromMap(deep)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("depth must be an integer from 1 to 1024, found 100000");
        Map<String, Object> inconsistent = new LinkedHashMap<>(c.toMap());
        inconsistent.put("num_heads", 3L); // 128 is not a multiple of 3
        assertThatThrownBy(() -> MaeConfig.fromJson(JsonFields.of(inconsistent, file))).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("the model it describes is not valid").hasMessageContaining("heads 3");
    }

    @Test
    void decoderSizesAreBounded() {
        assertThatThrownBy(() -> MaeConfig.base().withDecoder(512, 100_000, 16)).hasMessageContaining("decoder depth must be from 1 to 1024");
        assertThatThrownBy(() -> MaeConfig.base().withDecoder(65_536, 1, 16)).hasMessageContaining("decoder width");
        assertThatThrownBy(() -> MaeConfig.huge().withDecoder(16_384, 1000, 16)).hasMessageContaining("one parameter store holds");
    }
}
