package io.tessera.eval.hessian;

import io.tessera.nn.checkpoint.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HessianJsonTest {
    @TempDir
    Path dir;

    @Test
    void roundTripKeepsEveryNumberAndSetting() throws Exception {
        HessianAnalysis a = HessianFixture.complete();
        Path file = dir.resolve("hessian.json");
        HessianJson.write(a, file);
        HessianAnalysis back = HessianJson.read(file);
        assertThat(back).usingRecursiveComparison()
                .ignoringFields("topEigenvalues.eigenvectors", "extremes.top.eigenvectors", "extremes.shift.shifted.eigenvectors")
                .isEqualTo(a);
        assertThat(back.topEigenvalues().eigenvectors()).isEmpty();
        // and writing what was read gives the same text
        assertThat(HessianJson.write(back)).isEqualTo(HessianJson.write(a));
        assertThat(back.density().density()).isEqualTo(a.density().density());
        assertThat(back.context()).containsExactly(Map.entry("model", "synthetic 80×80"), Map.entry("loss", "none (planted spectrum)"));
    }

    @Test
    void documentIsVersionedAndCarriesSettings() throws Exception {
        String text = HessianJson.write(HessianFixture.complete());
        Map<String, Object> m = object(Json.parse(text));
        assertThat(m.get("schema")).isEqualTo("tessera.hessian/1");
        Map<String, Object> top = object(m.get("top_eigenvalues"));
        assertThat(object(top.get("settings")).keySet()).containsExactly("top_k", "max_iter", "tol", "seed", "stop");
        assertThat(top.keySet()).contains("iterations", "converged", "operator_applications", "wall_seconds");
        Map<String, Object> trace = object(m.get("trace"));
        assertThat(trace.keySet()).contains("trace", "standard_error", "samples", "converged");
        Map<String, Object> ext = object(m.get("extremes"));
        assertThat(ext.keySet()).contains("ratio_lanczos", "ratio_shifted_power", "shift");
        assertThat(object(ext.get("ratio_lanczos")).get("route")).isEqualTo("LANCZOS");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void partialAnalysisRoundTrips() {
        HessianAnalysis full = HessianFixture.complete();
        HessianAnalysis onlyTrace = new HessianAnalysis("trace only", full.dimension(), Map.of(), null, null, full.trace(), null, null);
        HessianAnalysis back = HessianJson.parse(HessianJson.write(onlyTrace));
        assertThat(back.topEigenvalues()).isNull();
        assertThat(back.density()).isNull();
        assertThat(back.trace()).usingRecursiveComparison().isEqualTo(full.trace());
    }

    @Test
    void wrongSchemaOrMissingFieldIsNamed() throws Exception {
        assertThatThrownBy(() -> HessianJson.parse("{\"schema\":\"tessera.hessian/2\"}")).hasMessageContaining("tessera.hessian/2");
        String text = HessianJson.write(HessianFixture.complete()).replace("\"standard_error\"", "\"stderr\"");
        assertThatThrownBy(() -> HessianJson.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Hessian JSON: field trace.standard_error must be a number, found nothing");
        String badRoute = HessianJson.write(HessianFixture.complete()).replace("\"route\":\"LANCZOS\"", "\"route\":\"lanczos\"");
        assertThatThrownBy(() -> HessianJson.parse(badRoute)).hasMessageContaining("field extremes.ratio_lanczos.route must be one of [")
                .hasMessageContaining("found \"lanczos\"");
        String badIteration = HessianJson.write(HessianFixture.complete()).replaceFirst("\"iterations\":\\[", "\"iterations\":[2.5,");
        assertThatThrownBy(() -> HessianJson.parse(badIteration)).hasMessageContaining("field top_eigenvalues.iterations[0] must be an integer")
                .hasMessageContaining("found 2.5");
        Path bad = dir.resolve("bad.json");
        Files.writeString(bad, "{\"schema\":\"tessera.hessian/1\",\"title\":\"x\",\"dimension\":\"ten\",\"context\":{}}");
        assertThatThrownBy(() -> HessianJson.read(bad)).hasMessageContaining("bad.json").hasMessageContaining("dimension");
    }
}
