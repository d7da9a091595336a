package io.tessera.eval.landscape;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class VtkTest {
    @TempDir
    Path dir;

    /** nx = 5, ny = 3 (not square): z = ix + 10·iy. */
    static SurfaceGrid grid() {
        SurfaceGrid g = new SurfaceGrid(new Axis(-1, 1, 5), new Axis(0, 0.5, 3), Map.of(), SurfaceGrid.Shard.WHOLE, List.of("loss"));
        for (int k = 0; k < g.points(); k++) g.set(k, Map.of("loss", (double) (k % 5 + 10 * (k / 5))));
        return g;
    }

    /** The parsed file: piece counts and each DataArray's numbers by section and name. */
    record Parsed(Element piece, Document doc) {
        static Parsed of(String xml) throws Exception {
            Document d = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
            assertThat(d.getDocumentElement().getTagName()).isEqualTo("VTKFile");
            assertThat(d.getDocumentElement().getAttribute("type")).isEqualTo("PolyData");
            return new Parsed((Element) d.getElementsByTagName("Piece").item(0), d);
        }

        int count(String attribute) {
            return Integer.parseInt(piece.getAttribute(attribute));
        }

        double[] array(String section, String name) {
            Element s = (Element) piece.getElementsByTagName(section).item(0);
            NodeList arrays = s.getElementsByTagName("DataArray");
            for (int i = 0; i < arrays.getLength(); i++) {
                Element a = (Element) arrays.item(i);
                if (a.getAttribute("Name").equals(name)) {
                    String text = a.getTextContent().trim();
                    if (text.isEmpty()) return new double[0];
                    String[] parts = text.split("\\s+");
                    double[] v = new double[parts.length];
                    for (int j = 0; j < v.length; j++) v[j] = Double.parseDouble(parts[j]);
                    return v;
                }
            }
            throw new AssertionError("no DataArray " + name + " in " + section);
        }
    }

    @Test
    void roundTripOfANonSquareGrid() throws Exception {
        SurfaceGrid g = grid();
        Path f = dir.resolve("loss.vtp");
        Vtk.Summary s = Vtk.write(g, "loss", f, Vtk.Options.defaults());
        assertThat(s).isEqualTo(new Vtk.Summary(15, 8, 0, 0));
        Parsed p = Parsed.of(Files.readString(f));
        assertThat(p.count("NumberOfPoints")).isEqualTo(15);
        assertThat(p.count("NumberOfPolys")).isEqualTo(8);
        assertThat(p.count("NumberOfVerts")).isZero();
        double[] pts = p.array("Points", "Points"), z = p.array("PointData", "zvalue");
        assertThat(pts).hasSize(45);
        assertThat(z).hasSize(15);
        // x fastest: point 6 is (ix 1, iy 1) = (−0.5, 0.25, 11)
        assertThat(new double[]{pts[18], pts[19], pts[20]}).containsExactly(-0.5, 0.25, 11);
        assertThat(z[6]).isEqualTo(11);
        double[] conn = p.array("Polys", "connectivity"), off = p.array("Polys", "offsets"), avg = p.array("CellData", "averaged zvalue");
        assertThat(conn).hasSize(32);
        assertThat(new double[]{conn[0], conn[1], conn[2], conn[3]}).containsExactly(0, 1, 6, 5); // (i, i+1, i+m+1, i+m), m = nx
        assertThat(new double[]{conn[28], conn[29], conn[30], conn[31]}).containsExactly(8, 9, 14, 13); // the last cell (ix 3, iy 1)
        for (int c = 0; c < 8; c++) assertThat(off[c]).isEqualTo(4 * (c + 1));
        assertThat(avg).hasSize(8);
        for (int c = 0; c < 8; c++) {
            double mean = 0;
            for (int j = 0; j < 4; j++) mean += z[(int) conn[4 * c + j]] / 4;
            assertThat(avg[c]).isCloseTo(mean, within(1e-5));
        }
        assertThat(avg[0]).isEqualTo(5.5); // (0 + 1 + 10 + 11)/4
        assertThat(p.array("Verts", "connectivity")).isEmpty();
        assertThat(p.array("Lines", "offsets")).isEmpty();
    }

    @Test
    void clipThenLogAsH52vtp() throws Exception {
        SurfaceGrid g = grid();
        Vtk.Options o = Vtk.Options.defaults().withZmax(12).withLog(true);
        assertThat(Vtk.fileName("loss", o)).isEqualTo("loss_zmax=12.0_log.vtp");
        Parsed p = Parsed.of(Vtk.polyData(g, "loss", o));
        double[] z = p.array("PointData", "zvalue"), avg = p.array("CellData", "averaged zvalue");
        double[] f = g.field("loss");
        for (int k = 0; k < 15; k++) assertThat(z[k]).isCloseTo(Math.log(Math.min(f[k], 12) + 0.1), within(1e-6));
        assertThat(z[14]).isCloseTo(Math.log(12.1), within(1e-6));
        // the cell value averages the transformed corners
        assertThat(avg[0]).isCloseTo((Math.log(0.1) + Math.log(1.1) + Math.log(10.1) + Math.log(11.1)) / 4, within(1e-6));
        Parsed clip = Parsed.of(Vtk.polyData(g, "loss", Vtk.Options.defaults().withZmax(3)));
        for (double v : clip.array("PointData", "zvalue")) assertThat(v).isLessThanOrEqualTo(3);
        assertThat(clip.array("Points", "Points")[3 * 14 + 2]).isEqualTo(3);
    }

    @Test
    void missingPointsAreRefusedOrSkippedWithTheirCells() throws Exception {
        SurfaceGrid g = grid();
        g.field("loss")[7] = Double.NaN; // (ix 2, iy 1): an inner point of four cells
        assertThatThrownBy(() -> Vtk.polyData(g, "loss", Vtk.Options.defaults()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'loss' has 1 of 15 points not computed");
        StringBuilder sb = new StringBuilder();
        Vtk.Summary s = Vtk.polyData(g, "loss", Vtk.Options.defaults().withMissing(Vtk.Missing.SKIP), sb);
        assertThat(s).isEqualTo(new Vtk.Summary(14, 4, 1, 4));
        Parsed p = Parsed.of(sb.toString());
        assertThat(p.count("NumberOfPoints")).isEqualTo(14);
        assertThat(p.count("NumberOfPolys")).isEqualTo(4);
        double[] pts = p.array("Points", "Points"), conn = p.array("Polys", "connectivity"), z = p.array("PointData", "zvalue");
        for (double v : z) assertThat(v).isNotEqualTo(12); // the missing point's value would have been 12
        double dx = 0.5, dy = 0.25;
        for (int c = 0; c < 4; c++) { // every quad is still one grid cell: corners at (x, y), (x+dx, y), (x+dx, y+dy), (x, y+dy)
            int a = (int) conn[4 * c], b = (int) conn[4 * c + 1], cc = (int) conn[4 * c + 2], d = (int) conn[4 * c + 3];
            assertThat(Math.max(Math.max(a, b), Math.max(cc, d))).isLessThan(14);
            assertThat(pts[3 * b] - pts[3 * a]).isCloseTo(dx, within(1e-6));
            assertThat(pts[3 * cc + 1] - pts[3 * b + 1]).isCloseTo(dy, within(1e-6));
            assertThat(pts[3 * d] - pts[3 * a]).isCloseTo(0, within(1e-6));
            assertThat(pts[3 * d + 1] - pts[3 * a + 1]).isCloseTo(dy, within(1e-6));
        }
    }

    @Test
    void clearRefusals() {
        SurfaceGrid line = new SurfaceGrid(new Axis(-1, 1, 5), null, Map.of(), SurfaceGrid.Shard.WHOLE, List.of("loss"));
        assertThatThrownBy(() -> Vtk.polyData(line, "loss", Vtk.Options.defaults())).hasMessageContaining("needs a 2-D grid");
        SurfaceGrid g = grid();
        g.field("loss")[3] = -0.5;
        assertThatThrownBy(() -> Vtk.polyData(g, "loss", Vtk.Options.defaults().withLog(true))).hasMessageContaining("needs values > −0.1");
        g.field("loss")[3] = Double.POSITIVE_INFINITY;
        assertThatThrownBy(() -> Vtk.polyData(g, "loss", Vtk.Options.defaults())).hasMessageContaining("infinite");
        assertThatThrownBy(() -> Vtk.Options.defaults().withZmax(Double.POSITIVE_INFINITY)).hasMessageContaining("zmax");
    }
}
