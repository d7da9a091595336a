/**
 * Figure output shared by the analyses of {@code eval}: {@link io.tessera.eval.plot.ChartStyle}
 * gives every JFreeChart the same theme and size, {@link io.tessera.eval.plot.ChartFiles} renders a
 * chart to PNG (JFreeChart's {@code ChartUtils}) and SVG (JFreeSVG, text kept as text) and writes both
 * atomically.
 *
 * <p>Typical use: build the chart in the analysis's own package, then
 * {@code ChartFiles.write(ChartStyle.apply(chart), dir.resolve("density"))} writes
 * {@code density.png} and {@code density.svg}. Rendering needs a headless JVM
 * ({@code -Djava.awt.headless=true}, set by the build and the launcher) and an installed font
 * (fontconfig with DejaVu); this package never sets system properties.
 */
package io.tessera.eval.plot;
