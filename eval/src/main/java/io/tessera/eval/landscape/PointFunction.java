// What a landscape computes at one grid point: named values (loss, accuracy, eigenvalues) at
// θ* + α·δ + β·η. A function must give the same bits for the same point whatever it computed before,
// so a sharded or resumed grid equals an uninterrupted one.
package io.tessera.eval.landscape;

import java.util.Map;

/** The values at (α, β) — β is 0 for a 1-D landscape. */
@FunctionalInterface
public interface PointFunction {
    Map<String, Double> at(double alpha, double beta);
}
