package io.tessera.nn.checkpoint;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Typed, bounded reads of sidecar fields: integers are never truncated, errors name the file and the field. */
class JsonFieldsTest {
    private static JsonFields parse(String json, Path file) {
        return JsonFields.of((Map<?, ?>) Json.parse(json), file);
    }

    @Test
    void integersMustBeIntegralAndInRange() {
        JsonFields f = parse("{\"m\":{\"a\":32,\"b\":32.0,\"c\":32.5,\"d\":1e12,\"e\":1000000000000,\"f\":\"32\",\"g\":-3}}", null).object("m");
        assertThat(f.integer("a", 4, 16384)).isEqualTo(32);
        assertThat(f.integer("b", 4, 16384)).isEqualTo(32);
        assertThatThrownBy(() -> f.integer("c", 4, 16384)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("field m.c must be an integer from 4 to 16384, found 32.5");
        assertThatThrownBy(() -> f.integer("d", 4, 16384)).hasMessageContaining("m.d must be an integer from 4 to 16384, found 1.0E12");
        assertThatThrownBy(() -> f.integer("e", 4, 16384)).hasMessageContaining("found 1000000000000");
        assertThatThrownBy(() -> f.integer("f", 4, 16384)).hasMessageContaining("found \"32\"");
        assertThatThrownBy(() -> f.integer("g", 0, 9)).hasMessageContaining("found -3");
        assertThatThrownBy(() -> f.integer("missing", 0, 9)).hasMessageContaining("m.missing").hasMessageContaining("found nothing");
        assertThat(f.longInteger("e", 0, Long.MAX_VALUE)).isEqualTo(1_000_000_000_000L);
    }

    @Test
    void realsBooleansStringsAndChoices() {
        JsonFields f = parse("{\"x\":0.75,\"n\":null,\"t\":true,\"s\":\"cosine\",\"k\":\"nope\"}", null);
        assertThat(f.real("x", 0, 1)).isEqualTo(0.75);
        assertThatThrownBy(() -> f.real("x", 0, 0.5)).hasMessageContaining("x must be a number from 0.0 to 0.5, found 0.75");
        assertThat(f.has("n")).isFalse();
        assertThat(f.has("x")).isTrue();
        assertThat(f.bool("t")).isTrue();
        assertThatThrownBy(() -> f.bool("x")).hasMessageContaining("must be true or false");
        assertThat(f.string("s")).isEqualTo("cosine");
        enum Kind { CONSTANT, COSINE }
        assertThat(f.choice("s", Kind.class)).isEqualTo(Kind.COSINE);
        assertThatThrownBy(() -> f.choice("k", Kind.class)).hasMessageContaining("must be one of constant, cosine, found \"nope\"");
        assertThatThrownBy(() -> f.object("x")).hasMessageContaining("x must be a JSON object");
    }

    @Test
    void unboundedNumbersAndExactConstantNames() {
        JsonFields f = parse("{\"seed\":-9223372036854775808,\"x\":-1.5e300,\"r\":\"LANCZOS\",\"l\":\"lanczos\",\"s\":\"2\"}", null);
        assertThat(f.longInteger("seed")).isEqualTo(Long.MIN_VALUE);
        assertThat(f.real("x")).isEqualTo(-1.5e300);
        assertThatThrownBy(() -> f.real("s")).hasMessage("field s must be a number, found \"2\"");
        assertThatThrownBy(() -> f.longInteger("x")).hasMessageContaining("field x must be an integer");
        enum Route { LANCZOS, SHIFTED_POWER }
        assertThat(f.constant("r", Route.class)).isEqualTo(Route.LANCZOS);
        assertThatThrownBy(() -> f.constant("l", Route.class)).hasMessage("field l must be one of [LANCZOS, SHIFTED_POWER], found \"lanczos\"");
    }

    @Test
    void arraysAreReadWholeAndABadElementIsNamedByIndex() {
        JsonFields f = parse("{\"r\":{\"d\":[1,2.5,-3e-5],\"i\":[0,4,4.0],\"b\":[true,false],\"bad\":[1,\"x\"],"
                + "\"big\":[1,99],\"half\":[1.5],\"o\":[{\"k\":1},{\"k\":\"two\"}],\"no\":[{}, 3],"
                + "\"ctx\":{\"b\":\"y\",\"a\":\"x\"},\"ctxbad\":{\"a\":1}}}", null).object("r");
        assertThat(f.doubles("d")).containsExactly(1, 2.5, -3e-5);
        assertThat(f.ints("i", 0, 9)).containsExactly(0, 4, 4);
        assertThat(f.booleans("b")).containsExactly(true, false);
        assertThatThrownBy(() -> f.doubles("bad")).hasMessage("field r.bad[1] must be a number, found \"x\"");
        assertThatThrownBy(() -> f.ints("big", 0, 9)).hasMessage("field r.big[1] must be an integer from 0 to 9, found 99");
        assertThatThrownBy(() -> f.ints("half", 0, 9)).hasMessageContaining("r.half[0]").hasMessageContaining("found 1.5");
        assertThatThrownBy(() -> f.booleans("d")).hasMessage("field r.d[0] must be true or false, found 1");
        assertThatThrownBy(() -> f.doubles("missing")).hasMessage("field r.missing must be a JSON array, found nothing");
        assertThatThrownBy(() -> f.doubles("ctx")).hasMessageContaining("r.ctx must be a JSON array");
        List<JsonFields> o = f.objects("o");
        assertThat(o).hasSize(2);
        assertThat(o.get(0).integer("k", 0, 9)).isEqualTo(1);
        assertThatThrownBy(() -> o.get(1).integer("k", 0, 9)).hasMessageContaining("field r.o[1].k must be an integer");
        assertThatThrownBy(() -> f.objects("no")).hasMessage("field r.no[1] must be a JSON object, found 3");
        assertThat(f.stringMap("ctx")).containsExactly(Map.entry("b", "y"), Map.entry("a", "x"));
        assertThatThrownBy(() -> f.stringMap("ctxbad")).hasMessage("field r.ctxbad.a must be a string, found 1");
    }

    @Test
    void errorsOfAFileAreCheckpointFormatErrorsNamingIt() {
        Path file = Path.of("runs", "x", "checkpoint-2.json");
        JsonFields f = parse("{\"model\":{\"embed_dim\":32.5}}", file);
        assertThatThrownBy(() -> f.object("model").integer("embed_dim", 4, 16384)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("field model.embed_dim must be an integer from 4 to 16384, found 32.5")
                .hasMessageContaining("restore the file");
    }

    @Test
    void arraysOfObjectsAreReadWithTheirIndexInThePath() {
        JsonFields f = parse("{\"e\":[{\"top1\":0.5},{\"top1\":0.75}],\"bad\":[{\"a\":1},3],\"x\":2}", null);
        assertThat(f.objects("e")).hasSize(2);
        assertThat(f.objects("e").get(1).real("top1", 0, 1)).isEqualTo(0.75);
        assertThatThrownBy(() -> f.objects("e").get(0).real("top5", 0, 1)).hasMessageContaining("field e[0].top5 must be a number");
        assertThatThrownBy(() -> f.objects("bad")).hasMessageContaining("field bad[1] must be a JSON object, found 3");
        assertThatThrownBy(() -> f.objects("x")).hasMessageContaining("field x must be a JSON array of objects, found 2");
        assertThat(parse("{\"e\":[]}", null).objects("e")).isEmpty();
    }
}
