/**
 * RC-MAE's Proposition 4.1 (the EMA teacher as a conditional momentum regulariser, methods spec
 * §4.7) on a linear student in float64: {@link io.tessera.ssl.rcmae.theory.LinearConsistencyModel}
 * runs a seeded toy trajectory and computes each side of the derivation's identities;
 * {@link io.tessera.ssl.rcmae.theory.PropositionSummary} reduces a trajectory to the scalars a
 * report shows.
 *
 * <p>Typical use: {@code var tr = new LinearConsistencyModel(Config.defaults(7)).run(40);}
 * {@code PropositionSummary.of(tr)} for the per-step cosines and residuals,
 * {@code PropositionSummary.pastSteps(tr, 39)} for how much of each past step the last update takes back.
 */
package io.tessera.ssl.rcmae.theory;
