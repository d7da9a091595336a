// A memory check before a model is allocated on the CPU: its parameter stores alone (weights,
// gradients, AdamW's two moments for the trained network) must fit in this JVM's heap, or the
// command refuses with one line instead of an OutOfMemoryError part-way through building. A lower
// bound (activations come on top), not a memory planner.
package io.tessera.cli;

import java.util.Locale;

/** Refuses models whose parameters cannot fit in the heap. */
final class HeapBudget {
    private HeapBudget() {
    }

    /**
     * Bytes a training run of {@code spec} needs at least: 4 bytes each for the values and
     * gradients of every network copy, and for AdamW's two moments of the trained copy.
     */
    static long trainingBytes(MethodSpec spec) {
        long all = spec.parameterLowerBound(), trained = all / (1 + spec.extraCopies());
        return 8 * all + 8 * trained;
    }

    /**
     * Refuses {@code bytes} beyond {@link Runtime#maxMemory()}, naming what needs them;
     * {@code training}: the bytes include optimizer state and a smaller {@code --model} is a remedy.
     */
    static void require(long bytes, long parameters, String what, boolean training) {
        long max = Runtime.getRuntime().maxMemory();
        if (bytes > max) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s needs at least %.1f GiB for its %,d parameters (%s); this Java may use %.1f GiB: "
                    + "%sgive Java more memory (TESSERA_JAVA_OPTS=-Xmx%dg)", what, bytes / 1073741824.0, parameters,
                    training ? "weights, gradients and AdamW state" : "weights and gradients", max / 1073741824.0,
                    training ? "choose a smaller --model, or " : "", (long) Math.ceil(bytes * 1.5 / 1073741824.0)));
        }
    }
}
