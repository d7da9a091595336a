/**
 * Figure output shared by the analyses of {@code eval}: {@link io.tessera.eval.plot.ChartStyle}
 * gives every JFreeChart the same theme and size, {@link io.tessera.eval.plot.ChartFiles} renders a
 * chart to PNG (JFreeChart's {@code ChartUtils}) and SVG (JFreeSVG, text kept as text, coordinates to
 * 1/100) and writes both atomically, or gives one {@code <svg>} element for inline use in a page.
 *
 * <p>Building blocks: {@link io.tessera.eval.plot.LineCharts} (named series, linear or log axes,
 * legend), {@link io.tessera.eval.plot.ColorMap} (viridis, coolwarm, summer; continuous and banded
 * scales), {@link io.tessera.eval.plot.ColorBar} (a colour bar with automatic or fixed ticks),
 * {@link io.tessera.eval.plot.Ticks} (1-2-5 steps, short labels) and
 * {@link io.tessera.eval.plot.DecadeAxis} (a log axis whose labels stay text in SVG).
 *
 * <p>Typical use: build the chart in the analysis's own package, then
 * {@code ChartFiles.write(ChartStyle.apply(chart), dir.resolve("density"))} writes
 * {@code density.png} and {@code density.svg}. Rendering needs a headless JVM
 * ({@code -Djava.awt.headless=true}, set by the build and the launcher) and an installed font
 * (fontconfig with DejaVu); this package never sets system properties.
 */
package io.tessera.eval.plot;
