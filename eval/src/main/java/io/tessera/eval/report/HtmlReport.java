package io.tessera.eval.report;

import io.tessera.nn.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML report (no external files or scripts): sections of text, key/value
 * tables, inline SVG charts and PNG images embedded as data URIs. Written atomically.
 */
public final class HtmlReport {
    private final StringBuilder body = new StringBuilder();
    private final String title;

    public HtmlReport(String title) {
        this.title = title;
    }

    public HtmlReport heading(String text) {
        body.append("<h2>").append(Svg.esc(text)).append("</h2>\n");
        return this;
    }

    public HtmlReport paragraph(String text) {
        body.append("<p>").append(Svg.esc(text)).append("</p>\n");
        return this;
    }

    public HtmlReport table(Map<String, ?> rows) {
        body.append("<table>\n");
        rows.forEach((k, v) -> body.append("<tr><th>").append(Svg.esc(k)).append("</th><td>").append(Svg.esc(String.valueOf(v))).append("</td></tr>\n"));
        body.append("</table>\n");
        return this;
    }

    /** A table with a header row; each row has one cell per column. */
    public HtmlReport table(List<String> columns, List<? extends List<?>> rows) {
        body.append("<table>\n<tr>");
        for (String c : columns) body.append("<th>").append(Svg.esc(c)).append("</th>");
        body.append("</tr>\n");
        for (List<?> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("report table: a row has " + row.size() + " cells for " + columns.size() + " columns");
            }
            body.append("<tr>");
            for (Object cell : row) body.append("<td>").append(Svg.esc(String.valueOf(cell))).append("</td>");
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /** Inline SVG markup (from {@link Svg}). */
    public HtmlReport svg(String svg) {
        body.append("<div class=\"fig\">").append(svg).append("</div>\n");
        return this;
    }

    public HtmlReport image(BufferedImage img, String alt) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        body.append("<div class=\"fig\"><img alt=\"").append(Svg.esc(alt)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png.toByteArray())).append("\"/></div>\n");
        return this;
    }

    public String html() {
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + Svg.esc(title) + "</title>\n"
                + "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}"
                + "table{border-collapse:collapse}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}"
                + ".fig{margin:1em 0}img{image-rendering:pixelated}</style></head>\n<body>\n<h1>" + Svg.esc(title) + "</h1>\n"
                + body + "</body></html>\n";
    }

    /** Writes the page atomically ({@link AtomicFiles}). */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, html());
    }
}
