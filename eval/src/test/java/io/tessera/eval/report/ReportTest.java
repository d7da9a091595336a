package io.tessera.eval.report;

import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.LineCharts;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ReportTest {
    @TempDir
    Path dir;

    @Test
    void reconstructionGridPanels() {
        int b = 1, c = 1, h = 4, w = 4, p = 2;
        float[] orig = new float[16], rec = new float[16];
        java.util.Arrays.fill(orig, 1f);       // white original
        java.util.Arrays.fill(rec, 0f);        // black reconstruction
        float[] mask = {1, 0, 0, 0};           // top-left patch masked
        BufferedImage img = ReconstructionGrid.render(orig, rec, mask, b, c, h, w, p, 1);
        int gap = 2;
        assertThat(img.getWidth()).isEqualTo(4 * 4 + 5 * gap);
        // panel 1 (masked): top-left grey, bottom-right white; panel 3 (pasted): top-left black, bottom-right white
        int p1 = gap + (4 + gap), p3 = gap + 3 * (4 + gap);
        assertThat(img.getRGB(p1, gap) & 0xffffff).isEqualTo(0x808080);
        assertThat(img.getRGB(p1 + 3, gap + 3) & 0xffffff).isEqualTo(0xffffff);
        assertThat(img.getRGB(p3, gap) & 0xffffff).isEqualTo(0x000000);
        assertThat(img.getRGB(p3 + 3, gap + 3) & 0xffffff).isEqualTo(0xffffff);
    }

    @Test
    void tableWithColumnsEscapesCellsAndChecksWidths() {
        String html = new HtmlReport("t").table(List.of("a", "b<"), List.of(List.of(1, "x&y"))).html();
        assertThat(html).contains("<th>b&lt;</th>", "<td>1</td><td>x&amp;y</td>");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new HtmlReport("t").table(List.of("a", "b"), List.of(List.of(1))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 cells for 2 columns");
    }

    @Test
    void reportIsSelfContained() throws Exception {
        HtmlReport r = new HtmlReport("run <1>");
        LineCharts.Series train = new LineCharts.Series("train", new double[]{1, 2, 3}, new double[]{3, 2, Double.NaN});
        LineCharts.Series test = new LineCharts.Series("test", new double[]{1, 2, 3}, new double[]{3.5, 2.5, 2.2});
        r.heading("Loss").svg(ChartFiles.svgElement(LineCharts.chart("loss", "optimizer step", "loss value", List.of(train, test)), 400, 240))
                .svg(ChartFiles.svg(LineCharts.chart("again", "step", "loss", List.of(train)), 300, 200)) // a standalone document is trimmed
                .table(Map.of("k-NN top-1", 0.75)).image(new BufferedImage(2, 2, BufferedImage.TYPE_INT_RGB), "x")
                .links("Data", Map.of("surface.json", "landscape/surface.json"));
        Path f = dir.resolve("report.html");
        r.write(f);
        String html = Files.readString(f);
        assertThat(html).contains("<svg", ">optimizer step<", ">loss value<", ">train<", ">test<", "viewBox=", "data:image/png;base64,", "run &lt;1&gt;", "k-NN top-1",
                "href=\"landscape/surface.json\"");
        assertSelfContained(html);
        // two inline charts never share a clip-path id
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("clipPath id='([^']+)'").matcher(html);
        java.util.Set<String> ids = new java.util.HashSet<>();
        while (m.find()) assertThat(ids.add(m.group(1))).as("clip id %s", m.group(1)).isTrue();
        assertThat(ids).hasSizeGreaterThan(2);
    }

    /** Nothing on the page is fetched from elsewhere: no scripts, style sheets, DTDs or remote sources. */
    static void assertSelfContained(String html) {
        assertThat(html).doesNotContain("<script", "<link", "@import", "<!DOCTYPE svg", "<?xml", "http-equiv", "url(http");
        assertThat(html).doesNotContainPattern("(src|href)\\s*=\\s*[\"']?(https?:|//)");
    }

    @Test
    void pngsAreCheckedAndLinksMustBeRelative() {
        HtmlReport r = new HtmlReport("t");
        assertThatThrownBy(() -> r.png(new byte[]{1, 2, 3}, "broken")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'broken' is not a PNG");
        for (String bad : new String[]{"https://example.org/x.vtp", "/abs/x.vtp", "//host/x", "javascript:alert(1)"}) {
            assertThatThrownBy(() -> r.links("Data", Map.of("x", bad))).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("relative");
        }
        assertThatThrownBy(() -> r.svg("<div>not svg</div>")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("<svg");
    }

    @Test
    void figuresAreDataUrisOfTheirOwnTypeWithCaptionsAndWarningsAreMarked() throws Exception {
        var chart = LineCharts.chart("c", "x", "y", List.of(new LineCharts.Series("s", new double[] {1, 2}, new double[] {3, 4})));
        byte[] svg = ChartFiles.svg(chart, 300, 200).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] png = ChartFiles.png(chart, 30, 20);
        String html = new HtmlReport("t").generator("tool <1>").warning("a & b").figures(List.of(new HtmlReport.Figure(svg, "chart.svg", false),
                new HtmlReport.Figure(png, "", true))).html();
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        assertThat(html).contains("<meta name=\"generator\" content=\"tool &lt;1&gt;\">", "<p class=\"warn\">a &amp; b</p>",
                "<img alt=\"chart.svg\" src=\"data:image/svg+xml;base64," + b64.encodeToString(svg) + "\"/><figcaption>chart.svg</figcaption>",
                "<figure class=\"wide\"><img class=\"pixels\" alt=\"\" src=\"data:image/png;base64," + b64.encodeToString(png) + "\"/></figure>");
        assertSelfContained(html);
        assertThat(new HtmlReport("t").figures(List.of()).html()).doesNotContain("class=\"figs\"");
        assertThatThrownBy(() -> new HtmlReport.Figure("<html></html>".getBytes(java.nio.charset.StandardCharsets.UTF_8), "page", false))
                .hasMessageContaining("figure 'page' is neither a PNG nor an SVG document");
    }
}
