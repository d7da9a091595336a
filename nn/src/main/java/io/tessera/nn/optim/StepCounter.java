package io.tessera.nn.optim;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;

import java.util.function.BiConsumer;

/**
 * What every optimizer shares: the store, the step count (restored on resume), the learning
 * rate check, and the walk over trainable parameters with their slice of a flat state buffer.
 */
abstract sealed class StepCounter implements Optimizer permits AdamW, Sgd, Lars {
    final ParameterStore store;
    private long steps;

    StepCounter(ParameterStore store) {
        this.store = store;
    }

    /** Counts the step after validating {@code lr}; subclasses call it first in {@link #step}. */
    final void beginStep(double lr) {
        if (!(lr >= 0) || Double.isInfinite(lr)) throw new IllegalArgumentException("learning rate must be finite and ≥ 0, got " + lr);
        steps++;
    }

    /** A flat persistent state buffer aligned with the store's parameters, zeroed. */
    final Tensor stateBuffer(String name) {
        return store.context().allocatePersistent(store.values().shape(), store.dtype(), true).named(name);
    }

    /** Calls {@code body} for each trainable parameter with its view of {@code state}. */
    final void forEachTrainable(Tensor state, BiConsumer<Parameter, Tensor> body) {
        for (Parameter p : store.parameters()) {
            if (!p.trainable()) continue;
            Shape s = p.shape();
            body.accept(p, state.narrow0(p.offset(), p.size()).view(s));
        }
    }

    @Override
    public final long steps() {
        return steps;
    }

    @Override
    public final void setSteps(long steps) {
        this.steps = steps;
    }
}
