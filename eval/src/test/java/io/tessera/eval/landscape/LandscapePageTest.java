package io.tessera.eval.landscape;

import io.tessera.tensor.io.AtomicFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LandscapePageTest {
    @TempDir
    Path dir;

    @Test
    void pageHoldsTheSettingsTheFiguresAndLinksToTheData() throws Exception {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("normalization", "filter");
        settings.put("ignore", "biasbn");
        settings.put("seed", 123L);
        settings.put("batches", List.of(0L, 1L));
        SurfaceGrid g = new SurfaceGrid(new Axis(-1, 1, 11), new Axis(-0.5, 0.5, 9), settings, SurfaceGrid.Shard.WHOLE, List.of("loss", "accuracy"));
        for (int k = 0; k < g.points(); k++) {
            double a = g.alpha(k), b = g.beta(k);
            if (k == 5) continue; // one point not computed
            g.set(k, Map.of("loss", a * a + 2 * b * b + 0.25, "accuracy", 90 - 10 * a * a));
        }
        Path figures = dir.resolve("figures");
        List<LandscapeFigures.Written> written = new ArrayList<>(LandscapeFigures.writeStandard(g, "loss", figures, LandscapeFigures.Options.defaults()));
        Path vtp = dir.resolve("loss.vtp"), json = dir.resolve("surface.json");
        Vtk.write(g, "loss", vtp, Vtk.Options.defaults().withMissing(Vtk.Missing.SKIP));
        AtomicFiles.writeString(json, g.toJson());
        Path html = dir.resolve("landscape.html");
        LandscapePage.write(html, "Loss landscape <MAE>", g, written, vtp, json);
        String page = Files.readString(html);
        assertThat(page).contains("Loss landscape &lt;MAE&gt;", "<th>normalization</th><td>filter</td>", "<th>ignore</th><td>biasbn</td>",
                "<th>seed</th><td>123</td>", "<th>batches</th><td>[0,1]</td>", "-1.0:1.0:11", "-0.5:0.5:9", "98 of 99",
                "min 0.25 at (α, β) = (0, 0)", "href=\"loss.vtp\"", "href=\"surface.json\"", "href=\"figures/loss_2dcontour.svg\"", "ParaView");
        for (LandscapeFigures.Written w : written) assertThat(page).contains("<h2>" + w.caption() + "</h2>");
        assertThat(page.split("data:image/png;base64,", -1)).hasSize(written.size() + 1);
        assertThat(page).doesNotContain("<script", "<link", "@import", "src=\"http", "href=\"http");
    }
}
