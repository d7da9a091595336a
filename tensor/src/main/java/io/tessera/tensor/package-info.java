/**
 * Tensors, autograd and the op facade.
 *
 * <p>Start with {@link io.tessera.tensor.ExecutionContext} (backend, random streams, scopes,
 * tape) and {@link io.tessera.tensor.Ops} (every operation, differentiable). A training step:
 * <pre>{@code
 * try (Scope step = ctx.openScope(); Tape tape = ctx.record()) {
 *     Tensor loss = model.loss(ctx.ops(), batch);
 *     tape.backward(loss);          // gradients accumulate into parameter grads
 * }                                 // intermediates return to the pool here
 * }</pre>
 */
package io.tessera.tensor;
