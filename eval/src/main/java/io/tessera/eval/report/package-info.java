/**
 * Self-contained HTML pages of runs and analyses: {@link io.tessera.eval.report.HtmlReport} holds
 * headings, paragraphs, tables, inline SVG charts (from {@code ChartFiles.svgElement}), PNG images as
 * data URIs and relative links to files written beside the page; it loads nothing from elsewhere and
 * runs no script. {@link io.tessera.eval.report.MaeReconstruction} and
 * {@link io.tessera.eval.report.ReconstructionGrid} render MAE reconstructions as image grids.
 */
package io.tessera.eval.report;
