/**
 * Loss landscapes (Li et al. 2018) of any method's loss: directions in a parameter selection's layout
 * ({@link io.tessera.eval.landscape.Directions}: seeded, filter/layer/weight-normalised, biasbn;
 * {@link io.tessera.eval.landscape.Trajectory}: PCA of checkpoints by the Gram trick; saved as
 * {@link io.tessera.eval.landscape.DirectionFile}), the weights of a plane
 * ({@link io.tessera.eval.landscape.PerturbedWeights}), point functions (loss and accuracy in
 * {@link io.tessera.eval.landscape.LossSurface}, the full Hessian's eigen-ratio in
 * {@link io.tessera.eval.landscape.CurvatureSurface}), grids that live on disk and shard
 * ({@link io.tessera.eval.landscape.SurfaceGrid}, {@link io.tessera.eval.landscape.GridRun},
 * {@link io.tessera.eval.landscape.ShardMerge}), convex regions
 * ({@link io.tessera.eval.landscape.ConvexRegion}), and their outputs: figures
 * ({@link io.tessera.eval.landscape.LandscapeFigures}, contours from
 * {@link io.tessera.eval.landscape.MarchingSquares}, levels from
 * {@link io.tessera.eval.landscape.ContourLevels}, 3-D via {@code SurfaceView}), the ParaView export
 * {@link io.tessera.eval.landscape.Vtk} and the page {@link io.tessera.eval.landscape.LandscapePage}.
 */
package io.tessera.eval.landscape;
