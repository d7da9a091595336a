// A landscape field as VTK XML PolyData (.vtp, ASCII) for ParaView, laid out as loss-landscape's
// h52vtp.py writes it: points (α, β, z) as Float32 with x varying fastest, PointData "zvalue",
// one quad per grid cell (k, k+1, k+nx+1, k+nx) with offsets in steps of 4, and CellData
// "averaged zvalue" = the mean of the cell's four corners; options zmax (clip) then log
// (z ← ln(z + 0.1)). Unlike h52vtp it allows nx ≠ ny, and it refuses or skips points not computed.
// The Range attributes are each array's true range (h52vtp writes number_polys − 1 as the
// connectivity maximum). h52vtp's cubic re-gridding (--interp) is not offered.
package io.tessera.eval.landscape;

import io.tessera.tensor.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** Writes a 2-D {@link SurfaceGrid} field as a .vtp file. */
public final class Vtk {
    private Vtk() {
    }

    /** What to do with points that were not computed (NaN). */
    public enum Missing {
        /** Throw, naming how many points are missing. */
        REFUSE,
        /** Leave those points out, and every cell that touches one. */
        SKIP
    }

    /**
     * @param zmax    values above are set to zmax before the log (h52vtp's --zmax); NaN = no clip
     * @param log     z ← ln(z + 0.1) (h52vtp's --log); needs z > −0.1
     * @param missing points not computed: refuse or skip
     */
    public record Options(double zmax, boolean log, Missing missing) {
        public Options {
            if (!Double.isNaN(zmax) && !Double.isFinite(zmax)) throw new IllegalArgumentException("VTK zmax must be finite or NaN (no clip), got " + zmax);
            if (missing == null) throw new IllegalArgumentException("VTK export needs a policy for missing points");
        }

        /** No clip, no log, refuse missing points. */
        public static Options defaults() {
            return new Options(Double.NaN, false, Missing.REFUSE);
        }

        public Options withZmax(double z) {
            return new Options(z, log, missing);
        }

        public Options withLog(boolean l) {
            return new Options(zmax, l, missing);
        }

        public Options withMissing(Missing m) {
            return new Options(zmax, log, m);
        }
    }

    /** What was written: points and quads kept, and those left out because a value was missing. */
    public record Summary(int points, int cells, int skippedPoints, int skippedCells) {
    }

    /** The file name h52vtp would give: {@code <field>[_zmax=Z][_log].vtp}. */
    public static String fileName(String field, Options o) {
        return field + (Double.isNaN(o.zmax()) ? "" : "_zmax=" + Float.toString((float) o.zmax())) + (o.log() ? "_log" : "") + ".vtp";
    }

    /** Writes the field as {@code file} atomically and returns what it holds. */
    public static Summary write(SurfaceGrid g, String field, Path file, Options o) throws IOException {
        StringBuilder sb = new StringBuilder();
        Summary s = polyData(g, field, o, sb);
        AtomicFiles.writeString(file, sb.toString());
        return s;
    }

    /** The document as text. */
    public static String polyData(SurfaceGrid g, String field, Options o) {
        StringBuilder sb = new StringBuilder();
        polyData(g, field, o, sb);
        return sb.toString();
    }

    /**
     * Appends the document: z_k = min(f_k, zmax), then ln(z_k + 0.1) when log; point k = iy·nx + ix
     * at (α_ix, β_iy, z_k); cell (ix, iy) = quad (k, k+1, k+nx+1, k+nx) with k = iy·nx + ix, value
     * (z_k + z_{k+1} + z_{k+nx} + z_{k+nx+1})/4, cells in the same order (x fastest).
     */
    static Summary polyData(SurfaceGrid g, String field, Options o, StringBuilder out) {
        if (!g.twoDimensional() || g.nx() < 2 || g.ny() < 2) throw new IllegalArgumentException("VTK export needs a 2-D grid of at least 2 × 2 points; this one is " + g.nx() + " × " + g.ny());
        int nx = g.nx(), ny = g.ny(), n = g.points();
        double[] z = transformed(g.field(field), field, o);
        int missing = 0;
        for (double v : z) if (Double.isNaN(v)) missing++;
        if (missing > 0 && o.missing() == Missing.REFUSE) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "field '%s' has %d of %d points not computed; finish the grid or skip missing points", field, missing, n));
        }
        if (missing == n) throw new IllegalArgumentException("field '" + field + "' has no computed point to export");
        int[] index = new int[n]; // grid point → written point, −1 when left out
        int kept = 0;
        for (int k = 0; k < n; k++) index[k] = Double.isNaN(z[k]) ? -1 : kept++;
        int cellsAll = (nx - 1) * (ny - 1), cells = 0;
        int[] quads = new int[4 * cellsAll];
        float[] averaged = new float[cellsAll];
        for (int iy = 0; iy < ny - 1; iy++) {
            for (int ix = 0; ix < nx - 1; ix++) {
                int k = iy * nx + ix;
                int[] c = {k, k + 1, k + nx + 1, k + nx};
                if (index[c[0]] < 0 || index[c[1]] < 0 || index[c[2]] < 0 || index[c[3]] < 0) continue;
                for (int j = 0; j < 4; j++) quads[4 * cells + j] = index[c[j]];
                averaged[cells++] = (float) ((z[k] + z[k + 1] + z[k + nx] + z[k + nx + 1]) / 4.0);
            }
        }
        float[] px = new float[kept], py = new float[kept], pz = new float[kept];
        for (int k = 0; k < n; k++) {
            if (index[k] < 0) continue;
            px[index[k]] = (float) g.alpha(k);
            py[index[k]] = (float) g.beta(k);
            pz[index[k]] = (float) z[k];
        }
        write(out, px, py, pz, Arrays.copyOf(quads, 4 * cells), Arrays.copyOf(averaged, cells));
        return new Summary(kept, cells, missing, cellsAll - cells);
    }

    private static double[] transformed(double[] f, String field, Options o) {
        double[] z = f.clone();
        for (int k = 0; k < z.length; k++) {
            double v = z[k];
            if (Double.isNaN(v)) continue;
            if (Double.isInfinite(v)) throw new IllegalArgumentException("field '" + field + "' point " + k + " is infinite; VTK needs finite values (clip with zmax)");
            if (!Double.isNaN(o.zmax()) && v > o.zmax()) v = o.zmax();
            if (o.log()) {
                if (!(v + 0.1 > 0)) throw new IllegalArgumentException("field '" + field + "' point " + k + " is " + v + "; the log option needs values > −0.1 (ln(z + 0.1))");
                v = Math.log(v + 0.1);
            }
            z[k] = v;
        }
        return z;
    }

    private static void write(StringBuilder o, float[] x, float[] y, float[] z, int[] quads, float[] averaged) {
        int points = x.length, cells = averaged.length;
        o.append("<VTKFile type=\"PolyData\" version=\"1.0\" byte_order=\"LittleEndian\" header_type=\"UInt64\">\n");
        o.append("  <PolyData>\n");
        o.append("    <Piece NumberOfPoints=\"").append(points).append("\" NumberOfVerts=\"0\" NumberOfLines=\"0\" NumberOfStrips=\"0\" NumberOfPolys=\"").append(cells).append("\">\n");
        o.append("      <PointData>\n");
        o.append("        <DataArray type=\"Float32\" Name=\"zvalue\" NumberOfComponents=\"1\" format=\"ascii\"").append(range(z)).append(">\n");
        rows(o, z.length, 6, i -> num(z[i]));
        o.append("        </DataArray>\n      </PointData>\n");
        o.append("      <CellData>\n");
        o.append("        <DataArray type=\"Float32\" Name=\"averaged zvalue\" NumberOfComponents=\"1\" format=\"ascii\"").append(range(averaged)).append(">\n");
        rows(o, cells, 6, i -> num(averaged[i]));
        o.append("        </DataArray>\n      </CellData>\n");
        float lo = Math.min(min(x), Math.min(min(y), min(z))), hi = Math.max(max(x), Math.max(max(y), max(z)));
        o.append("      <Points>\n");
        o.append("        <DataArray type=\"Float32\" Name=\"Points\" NumberOfComponents=\"3\" format=\"ascii\" RangeMin=\"").append(num(lo)).append("\" RangeMax=\"").append(num(hi)).append("\">\n");
        rows(o, points, 2, i -> num(x[i]) + " " + num(y[i]) + " " + num(z[i]));
        o.append("        </DataArray>\n      </Points>\n");
        for (String empty : new String[]{"Verts", "Lines", "Strips"}) {
            o.append("      <").append(empty).append(">\n");
            o.append("        <DataArray type=\"Int64\" Name=\"connectivity\" format=\"ascii\">\n        </DataArray>\n");
            o.append("        <DataArray type=\"Int64\" Name=\"offsets\" format=\"ascii\">\n        </DataArray>\n");
            o.append("      </").append(empty).append(">\n");
        }
        o.append("      <Polys>\n");
        o.append("        <DataArray type=\"Int64\" Name=\"connectivity\" format=\"ascii\" RangeMin=\"0\" RangeMax=\"").append(points - 1).append("\">\n");
        rows(o, cells, 2, i -> quads[4 * i] + " " + quads[4 * i + 1] + " " + quads[4 * i + 2] + " " + quads[4 * i + 3]);
        o.append("        </DataArray>\n");
        o.append("        <DataArray type=\"Int64\" Name=\"offsets\" format=\"ascii\" RangeMin=\"4\" RangeMax=\"").append(4L * cells).append("\">\n");
        rows(o, cells, 6, i -> Long.toString(4L * (i + 1)));
        o.append("        </DataArray>\n      </Polys>\n");
        o.append("    </Piece>\n  </PolyData>\n</VTKFile>\n");
    }

    /** Items separated by spaces, {@code perLine} to a line indented by 10 spaces (h52vtp's layout). */
    private static void rows(StringBuilder o, int count, int perLine, java.util.function.IntFunction<String> item) {
        for (int i = 0; i < count; i++) {
            if (i % perLine == 0) o.append("          ");
            o.append(item.apply(i));
            o.append(i % perLine == perLine - 1 || i == count - 1 ? "\n" : " ");
        }
    }

    private static String range(float[] v) {
        return v.length == 0 ? "" : " RangeMin=\"" + num(min(v)) + "\" RangeMax=\"" + num(max(v)) + "\"";
    }

    private static float min(float[] v) {
        float m = Float.POSITIVE_INFINITY;
        for (float f : v) m = Math.min(m, f);
        return m;
    }

    private static float max(float[] v) {
        float m = Float.NEGATIVE_INFINITY;
        for (float f : v) m = Math.max(m, f);
        return m;
    }

    /** The shortest decimal that reads back as the same float. */
    private static String num(float v) {
        return Float.toString(v);
    }
}
