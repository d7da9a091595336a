/**
 * Hessian spectra of a loss at one point in weight space, computed only through Hessian-vector
 * products: PyHessian's algorithms (Yao et al. 2020), Li et al. 2018's eigen-ratio and Park &amp;
 * Kim 2022's per-mini-batch spectra, with versioned JSON results, figures and an HTML page.
 *
 * <h2>The contract</h2>
 * Everything works on a {@link io.tessera.eval.hessian.SymmetricOperator}: {@code dimension()} = n
 * and {@code apply(v, out)} = H·v on flat {@code double[]} vectors in the parameter-store layout.
 * Every algorithm checks the output of each application and throws
 * {@link io.tessera.eval.hessian.NonFiniteOperatorException} on NaN or ∞; settings are records
 * validated on construction; bad sizes are {@code IllegalArgumentException}s that name them.
 *
 * <h2>Algorithms (settings record, entry point, result)</h2>
 * <ul>
 *   <li>{@link io.tessera.eval.hessian.PowerIteration} — top-k by largest magnitude with deflation;
 *       {@code PowerIteration.run(op, PowerIteration.Settings.pyHessian().withTopK(5))}
 *       → {@link io.tessera.eval.hessian.PowerIterationResult}.</li>
 *   <li>{@link io.tessera.eval.hessian.Lanczos} — m steps with full re-orthogonalisation, float or
 *       double basis ({@link io.tessera.eval.hessian.BasisStorage}), T solved by EJML: top-k Ritz
 *       values with residual bounds, λmin, Ritz vectors on request → {@link io.tessera.eval.hessian.LanczosResult}.</li>
 *   <li>{@link io.tessera.eval.hessian.SpectralShift} — λmin from power iteration on H − s·λmax·I
 *       (s = 0.51 as Li et al., or 1) → {@link io.tessera.eval.hessian.ShiftResult}.</li>
 *   <li>{@link io.tessera.eval.hessian.ExtremeEigenvalues} — both routes and their
 *       {@link io.tessera.eval.hessian.EigenRatio} |λmin/λmax| → {@link io.tessera.eval.hessian.ExtremesResult}.</li>
 *   <li>{@link io.tessera.eval.hessian.HutchinsonTrace} — Rademacher probes, PyHessian's stopping
 *       rule plus a minimum sample count, standard error → {@link io.tessera.eval.hessian.TraceResult}.</li>
 *   <li>{@link io.tessera.eval.hessian.SpectralDensity} — stochastic Lanczos quadrature and
 *       PyHessian's smoothed density on a grid → {@link io.tessera.eval.hessian.DensityResult}.</li>
 *   <li>{@link io.tessera.eval.hessian.BatchSpectra} — top-k of one operator per mini-batch and a
 *       {@link io.tessera.eval.hessian.Histogram} → {@link io.tessera.eval.hessian.BatchSpectraResult}.</li>
 * </ul>
 *
 * <h2>Outputs</h2>
 * {@link io.tessera.eval.hessian.HessianAnalysis} gathers the parts of one analysis (its
 * {@code run(title, op, Plan.pyHessian(seed), context, progress)} runs all single-operator parts);
 * {@link io.tessera.eval.hessian.HessianJson} writes and reads it as {@code tessera.hessian/1};
 * {@link io.tessera.eval.hessian.HessianFigures} draws the density and the batch distribution
 * (PNG + SVG through {@code io.tessera.eval.plot}); {@link io.tessera.eval.hessian.HessianPage}
 * writes the self-contained HTML page.
 *
 * <h2>Several processes</h2>
 * An objective's batches can be shared among the ranks of a {@link io.tessera.tensor.dist.Collective}
 * ({@code FrozenObjective.share}: each batch keeps its stream and its weight in the whole);
 * {@link io.tessera.eval.hessian.AllReducedOperator} sums the ranks' products so that every rank runs
 * the same algorithm on the same numbers, and {@code BatchSpectra.collect(share, first, total, …,
 * group, …)} computes each batch's spectrum on the rank that holds it and gathers the table.
 *
 * <h2>Cost and progress</h2>
 * Each operator application is one Hessian-vector product, usually the dominant cost; every
 * result records {@code operatorApplications} and {@code wallSeconds}. Long loops take a
 * {@link io.tessera.eval.hessian.ProgressListener} called after each application; library code
 * never prints. Lanczos and SLQ keep m basis vectors: n·m·4 bytes with the default float
 * storage (2.4 GB for n = 6·10⁶, m = 100).
 */
package io.tessera.eval.hessian;
