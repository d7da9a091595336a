package io.tessera.nn.optim;

import io.tessera.nn.ParameterStore;
import io.tessera.tensor.Tensor;

import java.util.Map;

/**
 * An optimizer over the trainable parameters of a {@link ParameterStore}. State lives in flat
 * persistent tensors aligned with the store, so checkpoints save it by name and EMA teachers,
 * landscapes and Hessian tools see the same layout.
 */
public sealed interface Optimizer permits StepCounter {

    /** Applies one update with base learning rate {@code lr} (scaled per parameter by its group). */
    void step(double lr);

    /** Number of steps taken so far. */
    long steps();

    /** Restores the step count (when resuming from a checkpoint). */
    void setSteps(long steps);

    /** The state tensors by name (e.g. "exp_avg", "exp_avg_sq"), flat and aligned with the store. */
    Map<String, Tensor> state();
}
