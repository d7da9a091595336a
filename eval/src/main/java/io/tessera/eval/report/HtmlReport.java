package io.tessera.eval.report;

import io.tessera.tensor.io.AtomicFiles;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML report (no scripts, nothing loaded from elsewhere): sections of text,
 * key/value tables, inline SVG charts and PNG images embedded as data URIs, and relative links to
 * files written beside the page (data for other tools). Written atomically.
 */
public final class HtmlReport {
    private final StringBuilder body = new StringBuilder();
    private final String title;
    private String generator;

    public HtmlReport(String title) {
        this.title = title;
    }

    public HtmlReport heading(String text) {
        body.append("<h2>").append(escape(text)).append("</h2>\n");
        return this;
    }

    /** A heading one level below {@link #heading}. */
    public HtmlReport subheading(String text) {
        body.append("<h3>").append(escape(text)).append("</h3>\n");
        return this;
    }

    /** One line set off as a warning (a file that could not be read, a value that is missing). */
    public HtmlReport warning(String text) {
        body.append("<p class=\"warn\">").append(escape(text)).append("</p>\n");
        return this;
    }

    /** Names the program that made the page in a {@code <meta name="generator">} element. */
    public HtmlReport generator(String name) {
        this.generator = name;
        return this;
    }

    /**
     * A figure file to embed: PNG or SVG bytes, the caption shown under it (none when blank; it is
     * also the image's alt text), and whether it is a grid of images whose pixels are shown as
     * squares across the whole width of the page rather than a chart.
     */
    public record Figure(byte[] bytes, String caption, boolean wide) {
        public Figure {
            if (!isPng(bytes) && !isSvg(bytes)) throw new IllegalArgumentException("report: figure '" + caption + "' is neither a PNG nor an SVG document");
        }

        /** The media type of the data URI: image/png or image/svg+xml. */
        public String mediaType() {
            return isPng(bytes) ? "image/png" : "image/svg+xml";
        }
    }

    /**
     * Figures as images with data URIs, side by side where the page is wide enough: an SVG document stays an image of its own, so
     * the ids inside files written by different runs never clash on the page.
     */
    public HtmlReport figures(List<Figure> figures) {
        if (figures.isEmpty()) return this;
        body.append("<div class=\"figs\">\n");
        for (Figure f : figures) {
            boolean png = isPng(f.bytes());
            body.append("<figure").append(f.wide() ? " class=\"wide\"" : "").append("><img").append(png && f.wide() ? " class=\"pixels\"" : "")
                    .append(" alt=\"").append(escape(f.caption())).append("\" src=\"data:").append(f.mediaType()).append(";base64,")
                    .append(Base64.getEncoder().encodeToString(f.bytes())).append("\"/>");
            if (!f.caption().isBlank()) body.append("<figcaption>").append(escape(f.caption())).append("</figcaption>");
            body.append("</figure>\n");
        }
        body.append("</div>\n");
        return this;
    }

    static boolean isPng(byte[] b) {
        return b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G';
    }

    static boolean isSvg(byte[] b) {
        String head = new String(b, 0, Math.min(b.length, 512), java.nio.charset.StandardCharsets.UTF_8).strip();
        if (head.startsWith("\uFEFF")) head = head.substring(1);
        return (head.startsWith("<?xml") || head.startsWith("<svg") || head.startsWith("<!DOCTYPE svg")) && head.contains("<svg");
    }

    public HtmlReport paragraph(String text) {
        body.append("<p>").append(escape(text)).append("</p>\n");
        return this;
    }

    public HtmlReport table(Map<String, ?> rows) {
        body.append("<table>\n");
        rows.forEach((k, v) -> body.append("<tr><th>").append(escape(k)).append("</th><td>").append(escape(String.valueOf(v))).append("</td></tr>\n"));
        body.append("</table>\n");
        return this;
    }

    /** A table with a header row; each row has one cell per column. */
    public HtmlReport table(List<String> columns, List<? extends List<?>> rows) {
        body.append("<table>\n<tr>");
        for (String c : columns) body.append("<th>").append(escape(c)).append("</th>");
        body.append("</tr>\n");
        for (List<?> row : rows) {
            if (row.size() != columns.size()) {
                throw new IllegalArgumentException("report table: a row has " + row.size() + " cells for " + columns.size() + " columns");
            }
            body.append("<tr>");
            for (Object cell : row) body.append("<td>").append(escape(String.valueOf(cell))).append("</td>");
            body.append("</tr>\n");
        }
        body.append("</table>\n");
        return this;
    }

    /**
     * Inline SVG markup, best a chart from {@code ChartFiles.svgElement}; an XML declaration and a
     * DOCTYPE in front (as in a standalone SVG file) are dropped.
     */
    public HtmlReport svg(String svg) {
        String s = svg.strip();
        if (s.startsWith("<?xml")) s = s.substring(s.indexOf("?>") + 2).strip();
        if (s.startsWith("<!DOCTYPE")) s = s.substring(s.indexOf('>') + 1).strip();
        if (!s.startsWith("<svg")) throw new IllegalArgumentException("report: inline SVG must start with <svg, got '" + s.substring(0, Math.min(20, s.length())) + "'");
        body.append("<div class=\"fig\">").append(s).append("</div>\n");
        return this;
    }

    /** PNG bytes (e.g. a figure file) embedded as a data URI. */
    public HtmlReport png(byte[] png, String alt) {
        if (!isPng(png)) {
            throw new IllegalArgumentException("report: image '" + alt + "' is not a PNG (" + png.length + " bytes)");
        }
        body.append("<div class=\"fig\"><img alt=\"").append(escape(alt)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png)).append("\"/></div>\n");
        return this;
    }

    /**
     * A line "label: text · text" of links to files beside the page; each href is a relative path
     * (no scheme, no leading / or //), so the page stays self-contained and movable with its files.
     */
    public HtmlReport links(String label, Map<String, String> textToHref) {
        body.append("<p>").append(escape(label)).append(": ");
        int i = 0;
        for (Map.Entry<String, String> e : textToHref.entrySet()) {
            String href = e.getValue();
            if (href.isEmpty() || href.startsWith("/") || href.startsWith("\\") || href.matches("^[A-Za-z][A-Za-z0-9+.-]*:.*")) {
                throw new IllegalArgumentException("report links must be relative paths to files beside the page, got '" + href + "'");
            }
            if (i++ > 0) body.append(" · ");
            body.append("<a href=\"").append(escape(href)).append("\">").append(escape(e.getKey())).append("</a>");
        }
        body.append("</p>\n");
        return this;
    }

    public HtmlReport image(BufferedImage img, String alt) throws IOException {
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        body.append("<div class=\"fig\"><img alt=\"").append(escape(alt)).append("\" src=\"data:image/png;base64,")
                .append(Base64.getEncoder().encodeToString(png.toByteArray())).append("\"/></div>\n");
        return this;
    }

    /** Text with &amp;, &lt;, &gt; and &quot; escaped for HTML. */
    public static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    public String html() {
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>\n"
                + (generator == null ? "" : "<meta name=\"generator\" content=\"" + escape(generator) + "\">\n")
                + "<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}"
                + "table{border-collapse:collapse;margin:0.5em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}"
                + "h2{border-bottom:1px solid #ddd;padding-bottom:3px;margin-top:1.8em}h3{margin-bottom:0.4em}"
                + ".fig{margin:1em 0}.fig svg,.fig img{max-width:100%;height:auto}.fig img{image-rendering:pixelated}"
                + ".figs{display:grid;grid-template-columns:repeat(auto-fill,minmax(600px,1fr));gap:18px;margin:1em 0}"
                + ".figs figure{margin:0}.figs figure.wide{grid-column:1/-1}.figs img{max-width:min(100%,760px);height:auto;display:block}"
                + "img.pixels{image-rendering:pixelated}figcaption{font-size:85%;color:#666;margin-top:2px}"
                + ".warn{background:#fff4e0;border-left:4px solid #e0a030;padding:4px 8px;margin:4px 0}</style></head>\n<body>\n<h1>" + escape(title) + "</h1>\n"
                + body + "</body></html>\n";
    }

    /** Writes the page atomically ({@link AtomicFiles}). */
    public void write(Path file) throws IOException {
        AtomicFiles.writeString(file, html());
    }
}
