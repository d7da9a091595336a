package io.tessera.eval.plot;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChartFilesTest {
    @TempDir
    Path dir;

    static JFreeChart line() {
        XYSeries s = new XYSeries("loss");
        for (int i = 0; i <= 20; i++) s.add(i, Math.exp(-i / 5.0));
        return ChartStyle.apply(ChartFactory.createXYLineChart("Loss <curve>", "step", "loss value", new XYSeriesCollection(s)));
    }

    @Test
    void writesPngAndSvgSideBySide() throws Exception {
        ChartFiles.Figure f = ChartFiles.write(line(), dir.resolve("sub").resolve("loss"), 400, 300);
        assertThat(f.png()).hasFileName("loss.png");
        assertThat(f.svg()).hasFileName("loss.svg");
        BufferedImage img = ImageIO.read(f.png().toFile());
        assertThat(img.getWidth()).isEqualTo(400);
        assertThat(img.getHeight()).isEqualTo(300);
        String svg = Files.readString(f.svg());
        // both axis titles stay text, the rotated one too; the title is XML-escaped
        assertThat(svg).contains("<svg", ">step<", ">loss value<", "Loss &lt;curve&gt;");
        try (var files = Files.list(f.png().getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("loss.png", "loss.svg");
        }
    }

    @Test
    void themeIsApplied() {
        JFreeChart c = line();
        assertThat(c.getBackgroundPaint()).isEqualTo(java.awt.Color.WHITE);
        assertThat(((org.jfree.chart.renderer.AbstractRenderer) c.getXYPlot().getRenderer()).lookupSeriesPaint(0)).isEqualTo(ChartStyle.PALETTE[0]);
        assertThat(((org.jfree.chart.renderer.AbstractRenderer) c.getXYPlot().getRenderer()).lookupSeriesPaint(1)).isEqualTo(ChartStyle.PALETTE[1]);
    }

    @Test
    void badSizeIsRejected() {
        assertThatThrownBy(() -> ChartFiles.png(line(), 0, 10)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0×10");
    }
}
