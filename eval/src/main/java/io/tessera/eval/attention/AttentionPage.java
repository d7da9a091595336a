package io.tessera.eval.attention;

// The self-contained HTML page of an attention analysis (HtmlReport): the context, per encoder the
// mean attention distance and NMI of every block (mean over heads), the per-head figures, and the
// map pictures on the input images.

import io.tessera.eval.plot.ChartFiles;
import io.tessera.eval.plot.ChartStyle;
import io.tessera.eval.report.HtmlReport;
import io.tessera.ssl.data.Image;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Writes an {@link AttentionAnalysis} as one HTML page. */
public final class AttentionPage {
    private AttentionPage() {
    }

    /**
     * @param images     the analysed images in order (for the map pictures; may be empty when there are no maps)
     * @param classNames class names by label, or null
     * @param cell    integer cellment of pictures (small images)
     */
    public static HtmlReport build(AttentionAnalysis a, List<Image> images, List<String> classNames, int cell) throws IOException {
        HtmlReport r = new HtmlReport(a.title());
        r.heading("What was analysed").table(a.context());
        if (!a.statistics().isEmpty()) {
            List<String> cols = new ArrayList<>(List.of("block"));
            for (AttentionStats s : a.statistics()) {
                cols.add(s.label() + ": distance (px)");
                cols.add(s.label() + ": NMI");
            }
            List<List<?>> rows = new ArrayList<>();
            int depth = a.statistics().stream().mapToInt(AttentionStats::depth).max().orElse(0);
            for (int l = 0; l < depth; l++) {
                List<Object> row = new ArrayList<>(List.of(l));
                for (AttentionStats s : a.statistics()) {
                    row.add(l < s.depth() ? String.format(Locale.ROOT, "%.2f", s.layerDistance()[l]) : "—");
                    row.add(l < s.depth() ? String.format(Locale.ROOT, "%.3f", s.layerNmi()[l]) : "—");
                }
                rows.add(row);
            }
            AttentionStats f = a.statistics().get(0);
            r.heading("Mean attention distance and NMI by block (mean over heads)").table(cols, rows);
            r.paragraph(String.format(Locale.ROOT, "Distance: for every head, mean over the %d images and their patch queries of Σ_j A_ij·d_ij, with d_ij the "
                    + "pixel distance between patch centres (%d-pixel patches) and the cls row and column dropped, rows %s. NMI: I(q; k)/sqrt(H(q)·H(k)) "
                    + "of the renormalised patch attention with a uniform query prior (Park et al. 2023); near 0 all queries attend alike.",
                    f.images(), f.grid().patch(), f.rows() == RowNormalisation.RENORMALISED ? "renormalised to sum 1 (cl-vs-mim)" : "kept as they are (probing-vits)"));
            for (AttentionStats s : a.statistics()) {
                if (s.skippedTotal() > 0) {
                    r.paragraph(String.format(Locale.ROOT, "%s: %,d of %,d patch-query rows had no mass on the patch keys (float32 underflow: the query "
                            + "attends only to the cls token) and were left out of the NMI%s.", s.label(), s.skippedTotal(),
                            (long) s.depth() * s.heads() * s.images() * s.grid().patches(), s.rows() == RowNormalisation.RENORMALISED ? " and the distance" : ""));
                }
            }
            int w = AttentionFigures.width(a.statistics().size());
            r.image(ChartFiles.image(AttentionFigures.distance(a.statistics()), w, ChartStyle.HEIGHT), "mean attention distance per head");
            r.image(ChartFiles.image(AttentionFigures.nmi(a.statistics()), w, ChartStyle.HEIGHT), "attention NMI per head");
        }
        for (AttentionAnalysis.ClsMaps c : a.clsMaps()) {
            AttentionAnalysis.Rollout roll = a.rollouts().stream().filter(x -> x.label().equals(c.label())).findFirst().orElse(null);
            r.heading("Attention maps: " + c.label()).image(AttentionFigures.maps(c, roll, images, cell), "attention maps of " + c.label());
        }
        for (AttentionAnalysis.GradCams g : a.gradCams()) {
            r.heading("Grad-CAM: " + g.label()).image(AttentionFigures.gradCam(g, images, classNames, cell), "Grad-CAM of " + g.label());
        }
        return r;
    }

    public static void write(AttentionAnalysis a, List<Image> images, List<String> classNames, int cell, Path html) throws IOException {
        build(a, images, classNames, cell).write(html);
    }
}
