package io.tessera.eval.hessian;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class HessianPageTest {
    @TempDir
    Path dir;

    @Test
    void pageHoldsEverySectionAndBothFigures() throws Exception {
        HessianAnalysis a = HessianFixture.complete();
        Path html = dir.resolve("hessian.html");
        HessianPage.write(a, html);
        String page = Files.readString(html);
        assertThat(page).contains("<h1>Synthetic Hessian</h1>", "Point", "Settings", "Eigenvalues", "Trace", "Eigen-ratio", "Spectral density",
                "Per-batch top eigenvalues", "synthetic 80×80", "shifted power (s = 0.51)", "Lanczos");
        assertThat(page.split("data:image/png;base64,", -1)).hasSize(3); // two figures
        assertThat(page).contains(HessianPage.format(a.trace().mean()) + " ± " + HessianPage.format(a.trace().standardError()));
        assertThat(page).contains("<td>" + HessianPage.format(a.extremes().byLanczos().ratio()) + "</td>");
        assertThat(page).doesNotContain("<script", "http://", "https://");
        if (Boolean.getBoolean("tessera.figures.keep")) {
            Files.createDirectories(Path.of("target", "figures"));
            Files.copy(html, Path.of("target", "figures", "hessian.html"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Test
    void numbersAreShortAndExact() {
        assertThat(HessianPage.format(12)).isEqualTo("12");
        assertThat(HessianPage.format(0.51)).isEqualTo("0.51");
        assertThat(HessianPage.format(1e-8)).isEqualTo("1e-08");
        assertThat(HessianPage.format(144.9431)).isEqualTo("144.943");
        assertThat(HessianPage.format(-2.5)).isEqualTo("-2.5");
        assertThat(HessianPage.format(100)).isEqualTo("100");
    }

    @Test
    void partialAnalysisLeavesOutWhatWasNotComputed() throws Exception {
        HessianAnalysis full = HessianFixture.complete();
        HessianAnalysis onlyTrace = new HessianAnalysis("trace only", full.dimension(), Map.of("model", "m"), null, null, full.trace(), null, null);
        String page = HessianPage.build(onlyTrace).html();
        assertThat(page).contains("Trace", "tr(H)").doesNotContain("Spectral density", "Eigen-ratio", "data:image/png");
    }
}
