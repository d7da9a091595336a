package io.tessera.eval.landscape;

import io.tessera.eval.plot.ChartFiles;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.plot.XYPlot;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LandscapeFiguresTest {
    @TempDir
    Path dir;

    /** f = α² + 2β² on 51 × 41 points over [−1, 1]², with an accuracy and an eigen-ratio field. */
    static SurfaceGrid bowl() {
        SurfaceGrid g = new SurfaceGrid(new Axis(-1, 1, 51), new Axis(-1, 1, 41), Map.of("objective", "bowl"), SurfaceGrid.Shard.WHOLE, List.of("loss", "accuracy", "ratio"));
        for (int k = 0; k < g.points(); k++) {
            double a = g.alpha(k), b = g.beta(k), f = a * a + 2 * b * b;
            g.set(k, Map.of("loss", f, "accuracy", 100 * Math.exp(-f), "ratio", 0.6 * Math.abs(a * b)));
        }
        return g;
    }

    static SurfaceGrid line() {
        SurfaceGrid g = new SurfaceGrid(new Axis(-1, 1, 51), null, Map.of(), SurfaceGrid.Shard.WHOLE, List.of("loss", "accuracy"));
        for (int k = 0; k < g.points(); k++) {
            double a = g.alpha(k);
            g.set(k, Map.of("loss", 8 * a * a + 0.05, "accuracy", 0.9 * Math.exp(-4 * a * a)));
        }
        return g;
    }

    /** Reads the PNG back: the expected size and more than a handful of colours (something was drawn). */
    static void assertPicture(Path png, int w, int h) throws Exception {
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(w);
        assertThat(img.getHeight()).isEqualTo(h);
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < h; y += 3) for (int x = 0; x < w; x += 3) colours.add(img.getRGB(x, y));
        assertThat(colours.size()).isGreaterThan(50);
    }

    @Test
    void standardTwoDimensionalSetIsWrittenWithTitlesAndColourBarTicksAsText() throws Exception {
        List<LandscapeFigures.Written> w = LandscapeFigures.writeStandard(bowl(), "loss", dir, LandscapeFigures.Options.defaults());
        assertThat(w).extracting(LandscapeFigures.Written::name).containsExactly("loss_2dcontour", "loss_2dcontourf", "loss_2dheat", "loss_3dsurface");
        for (LandscapeFigures.Written f : w) {
            assertPicture(f.files().png(), LandscapeFigures.WIDTH_2D, LandscapeFigures.HEIGHT_2D);
            assertThat(f.files().svg()).hasFileName(f.name() + ".svg");
        }
        String contour = Files.readString(w.get(0).files().svg());
        assertThat(contour).contains(">" + LandscapeFigures.ALPHA + "<", ">" + LandscapeFigures.BETA + "<", ">0.1<", ">0.6<", ">2.6<", "levels 0.1:10:0.5");
        String filled = Files.readString(w.get(1).files().svg());
        // the colour bar's ticks are the band edges: the data's ends and the six levels inside [0, 3]
        assertThat(filled).contains(">" + LandscapeFigures.ALPHA + "<", ">0<", ">0.1<", ">0.6<", ">1.1<", ">1.6<", ">2.1<", ">2.6<", ">3<", ">loss<", "<image");
        String heat = Files.readString(w.get(2).files().svg());
        assertThat(heat).contains(">" + LandscapeFigures.BETA + "<", ">0.5<", ">1.5<", ">2.5<", ">loss<");
        String surface = Files.readString(w.get(3).files().svg());
        assertThat(surface).contains(">α<", ">β<", ">loss<", ">-0.5<", ">2.5<", LandscapeFigures.ALPHA);
    }

    @Test
    void contourLinesAreTheIsoLinesOfTheChosenLevelsWithLabels() {
        SurfaceGrid g = bowl();
        JFreeChart c = LandscapeFigures.contour(g, "loss", LandscapeFigures.Options.defaults());
        XYPlot p = c.getXYPlot();
        int expected = 0;
        for (double level : new double[]{0.1, 0.6, 1.1, 1.6, 2.1, 2.6}) {
            expected += MarchingSquares.isoLines(g.x().values(), g.y().values(), g.matrix("loss"), level).size();
        }
        assertThat(p.getDataset(0).getSeriesCount()).isEqualTo(expected);
        assertThat(p.getAnnotations()).hasSizeGreaterThanOrEqualTo(6); // at least one label a level
        assertThat(p.getDomainAxis().getRange().getLowerBound()).isEqualTo(-1);
        assertThat(p.getRangeAxis().getRange().getUpperBound()).isEqualTo(1);
    }

    @Test
    void eigenRatioMapIsOnTheFixedScale() throws Exception {
        JFreeChart c = LandscapeFigures.eigenRatio(bowl(), "ratio", LandscapeFigures.Options.defaults());
        String svg = ChartFiles.svg(c, 700, 560);
        assertThat(svg).contains(">0<", ">0.1<", ">0.2<", ">0.3<", ">0.4<", ">0.5<", ">|λmin/λmax|<");
        org.jfree.chart.title.PaintScaleLegend bar = (org.jfree.chart.title.PaintScaleLegend) c.getSubtitles().stream()
                .filter(t -> t instanceof org.jfree.chart.title.PaintScaleLegend).findFirst().orElseThrow();
        assertThat(bar.getScale().getLowerBound()).isEqualTo(0);
        assertThat(bar.getScale().getUpperBound()).isEqualTo(LandscapeFigures.RATIO_MAX); // fixed, though the data reach 0.6
    }

    @Test
    void convexRegionAndTrajectoryOverlays() throws Exception {
        SurfaceGrid g = bowl();
        boolean[] mask = new boolean[g.points()];
        for (int k = 0; k < mask.length; k++) mask[k] = g.alpha(k) * g.alpha(k) + g.beta(k) * g.beta(k) < 0.3;
        LandscapeFigures.Written convex = LandscapeFigures.write(LandscapeFigures.convexRegion(g, "loss", mask, "|λmin/λmax| < 0.05", LandscapeFigures.Options.defaults()),
                dir, "convex", "convex region");
        assertPicture(convex.files().png(), LandscapeFigures.WIDTH_2D, LandscapeFigures.HEIGHT_2D);
        int inside = 0;
        for (boolean b : mask) if (b) inside++;
        assertThat(Files.readString(convex.files().svg())).contains("convex region: |λmin/λmax| &lt; 0.05 (" + inside + " of 2091 points)");

        double[] px = {-0.9, -0.5, -0.2, 0.0}, py = {0.6, 0.3, 0.1, 0.0};
        LandscapeFigures.Options o = LandscapeFigures.Options.defaults().withAxisLabels(LandscapeFigures.pcLabel(1, 0.6213), LandscapeFigures.pcLabel(2, 0.214));
        JFreeChart t = LandscapeFigures.trajectory(g, "loss", px, py, o);
        String svg = ChartFiles.svg(t, 860, 700);
        assertThat(svg).contains(">1st PC: 62.13 %<", ">2nd PC: 21.40 %<", "start", "end", "4 checkpoints");
        assertThat(t.getXYPlot().getDataset(1).getItemCount(0)).isEqualTo(4);
    }

    @Test
    void trajectoryAxesGrowToHoldThePath() {
        JFreeChart t = LandscapeFigures.trajectory(bowl(), "loss", new double[]{-3, 0}, new double[]{0, 2}, LandscapeFigures.Options.defaults());
        assertThat(t.getXYPlot().getDomainAxis().getLowerBound()).isLessThan(-3);
        assertThat(t.getXYPlot().getRangeAxis().getUpperBound()).isGreaterThan(2);
    }

    @Test
    void oneDimensionalCurveHasAccuracyOnATwinAxis() throws Exception {
        SurfaceGrid g = line();
        JFreeChart c = LandscapeFigures.curve(g, "loss", LandscapeFigures.Options.defaults(), false);
        XYPlot p = c.getXYPlot();
        assertThat(p.getRangeAxis(0).getRange().getUpperBound()).isEqualTo(5);
        assertThat(p.getRangeAxis(0).getRange().getLowerBound()).isEqualTo(0);
        assertThat(p.getRangeAxis(1).getRange().getUpperBound()).isEqualTo(100);
        assertThat(p.getDataset(1).getYValue(0, 25)).isEqualTo(90.0, org.assertj.core.api.Assertions.within(1e-9)); // fractions shown in percent
        String svg = ChartFiles.svg(c, 900, 560);
        assertThat(svg).contains(">accuracy (%)<", ">" + LandscapeFigures.ALPHA + "<", "points above it");
        JFreeChart log = LandscapeFigures.curve(g, "loss", LandscapeFigures.Options.defaults().withLossMax(10), true);
        assertThat(log.getXYPlot().getRangeAxis(0)).isInstanceOf(LogAxis.class);
        assertThat(ChartFiles.svg(log, 900, 560)).contains(">0.1<", ">1<", ">loss (log scale)<");
        List<LandscapeFigures.Written> w = LandscapeFigures.writeStandard(g, "loss", dir, LandscapeFigures.Options.defaults());
        assertThat(w).extracting(LandscapeFigures.Written::name).containsExactly("loss_1d", "loss_1d_log");
        for (LandscapeFigures.Written f : w) assertThat(Files.size(f.files().png())).isGreaterThan(5_000);
    }

    @Test
    void missingPointsAreDrawnAsGapsAndSaid() throws Exception {
        SurfaceGrid g = bowl();
        for (int k = 0; k < 300; k++) g.field("loss")[k] = Double.NaN;
        for (JFreeChart c : List.of(LandscapeFigures.contour(g, "loss", LandscapeFigures.Options.defaults()),
                LandscapeFigures.heatmap(g, "loss", LandscapeFigures.Options.defaults()),
                LandscapeFigures.surface3d(g, "loss", LandscapeFigures.Options.defaults()))) {
            assertThat(ChartFiles.svg(c, 860, 700)).contains("300 of 2091 points not computed");
        }
    }

    @Test
    void clearRefusals() {
        SurfaceGrid g = bowl();
        assertThatThrownBy(() -> LandscapeFigures.contour(line(), "loss", LandscapeFigures.Options.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs a 2-D grid").hasMessageContaining("51 × 1");
        assertThatThrownBy(() -> LandscapeFigures.curve(g, "loss", LandscapeFigures.Options.defaults(), false)).hasMessageContaining("needs a 1-D grid; this one is 51 × 41");
        assertThatThrownBy(() -> LandscapeFigures.heatmap(g, "lossy", LandscapeFigures.Options.defaults())).hasMessageContaining("no field 'lossy'");
        assertThatThrownBy(() -> LandscapeFigures.convexRegion(g, "loss", new boolean[3], "x", LandscapeFigures.Options.defaults())).hasMessageContaining("3 entries for a grid of 2091");
        assertThatThrownBy(() -> LandscapeFigures.trajectory(g, "loss", new double[]{0}, new double[]{Double.NaN}, LandscapeFigures.Options.defaults())).hasMessageContaining("not finite");
        java.util.Arrays.fill(g.field("ratio"), Double.NaN);
        assertThatThrownBy(() -> LandscapeFigures.eigenRatio(g, "ratio", LandscapeFigures.Options.defaults())).hasMessageContaining("no computed point");
        assertThatThrownBy(() -> LandscapeFigures.Options.defaults().withLossMax(0)).hasMessageContaining("lossMax");
    }

    @Test
    void principalComponentLabels() {
        assertThat(LandscapeFigures.pcLabel(1, 0.62131)).isEqualTo("1st PC: 62.13 %");
        assertThat(LandscapeFigures.pcLabel(2, 0.214)).isEqualTo("2nd PC: 21.40 %");
        assertThat(LandscapeFigures.pcLabel(3, 0.05)).isEqualTo("3rd PC: 5.00 %");
        assertThat(LandscapeFigures.pcLabel(11, 0.01)).isEqualTo("11th PC: 1.00 %");
    }
}
