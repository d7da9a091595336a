package io.tessera.eval.hessian;

import io.tessera.eval.plot.DecadeAxis;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

class HessianFiguresTest {
    static HessianAnalysis analysis;

    @TempDir
    Path dir;

    @BeforeAll
    static void compute() {
        analysis = HessianFixture.complete();
    }

    @Test
    void densityFigureIsWrittenAsPngAndSvgWithItsAxisLabels() throws Exception {
        var fig = HessianFigures.writeDensity(analysis.density(), dir.resolve("density"));
        BufferedImage png = ImageIO.read(fig.png().toFile());
        assertThat(png.getWidth()).isEqualTo(900);
        assertThat(png.getHeight()).isEqualTo(560);
        assertThat(distinctColours(png)).isGreaterThan(10);
        String svg = Files.readString(fig.svg());
        assertThat(svg).startsWith("<?xml").contains("<svg", "Eigenvalue", "Density (log scale)", "SLQ");
        // the plotting library's decade axis: its labels are text, from the 1e-7 floor to the peaks above 1
        assertThat(HessianFigures.density(analysis.density()).getXYPlot().getRangeAxis()).isInstanceOf(DecadeAxis.class);
        assertThat(svg).contains(">1e-07<", ">0.001<", ">1<");
        copyForViewing(fig.png(), "density.png");
    }

    @Test
    void batchFigureIsWrittenAsPngAndSvgWithItsAxisLabels() throws Exception {
        var fig = HessianFigures.writeBatchDistribution(analysis.batches(), dir.resolve("batches"));
        assertThat(Files.size(fig.png())).isGreaterThan(1000);
        assertThat(distinctColours(ImageIO.read(fig.png().toFile()))).isGreaterThan(10);
        assertThat(Files.readString(fig.svg())).contains("<svg", "Top-2 eigenvalues", "Count", "mini-batches");
        copyForViewing(fig.png(), "batches.png");
    }

    private static int distinctColours(BufferedImage img) {
        java.util.Set<Integer> c = new java.util.HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) for (int x = 0; x < img.getWidth(); x += 3) c.add(img.getRGB(x, y));
        return c.size();
    }

    /** Keeps a copy under target/ when -Dtessera.figures.keep=true, for looking at by eye. */
    private static void copyForViewing(Path png, String name) throws Exception {
        if (!Boolean.getBoolean("tessera.figures.keep")) return;
        Path out = Path.of("target", "figures");
        Files.createDirectories(out);
        Files.copy(png, out.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
}
