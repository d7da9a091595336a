package io.tessera.nn.checkpoint;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {
    @Test
    void parsesAndWritesBackTheSameValue() {
        String text = "{\"a\":[1,-2,3.5,1.0E-7],\"b\":{\"c\":\"x\\\"y\\n\\u00e9\"},\"d\":true,\"e\":null}";
        Object v = Json.parse(text);
        assertThat(v).isInstanceOf(Map.class);
        Map<?, ?> m = (Map<?, ?>) v;
        assertThat((List<?>) m.get("a")).isEqualTo(List.of(1L, -2L, 3.5, 1.0E-7));
        assertThat(((Map<?, ?>) m.get("b")).get("c")).isEqualTo("x\"y\né");
        assertThat(Json.parse(Json.write(v))).isEqualTo(v);
    }

    @Test
    void rejectsMalformedInputWithAPosition() {
        for (String bad : new String[]{"", "{", "[1,]", "{\"a\" 1}", "01x", "\"abc", "{\"a\":1}x", "tru", "{\"a\":1,\"a\":2}"}) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(Json.ParseException.class).hasMessageContaining("at character");
        }
    }

    @Test
    void refusesNonFiniteNumbers() {
        assertThatThrownBy(() -> Json.write(Map.of("x", Double.NaN))).hasMessageContaining("NaN");
        assertThatThrownBy(() -> Json.write(Map.of("x", new double[]{1, Double.POSITIVE_INFINITY}))).hasMessageContaining("Infinity");
    }

    @Test
    void writesPrimitiveArraysAsArraysThatReadBackBitExactly() {
        double[] d = {0.1, -2.5e-300, 1.0 / 3, 0};
        String text = Json.write(Map.of("d", d, "b", new boolean[]{true, false}, "i", new int[]{-1, 7}, "e", new double[0]));
        Map<?, ?> m = (Map<?, ?>) Json.parse(text);
        assertThat((List<?>) m.get("d")).isEqualTo(List.of(0.1, -2.5e-300, 1.0 / 3, 0.0));
        assertThat((List<?>) m.get("b")).isEqualTo(List.of(true, false));
        assertThat((List<?>) m.get("i")).isEqualTo(List.of(-1L, 7L));
        assertThat((List<?>) m.get("e")).isEmpty();
    }
}
