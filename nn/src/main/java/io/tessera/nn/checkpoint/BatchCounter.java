// BatchNorm's num_batches_tracked between its two layouts: PyTorch keeps a 0-d int64 tensor,
// Tessera a float buffer of shape (1) in the store. The conversion is made for that buffer only,
// in both directions, and only when exact; any other integer tensor into a float entry is refused.
package io.tessera.nn.checkpoint;

import io.tessera.nn.Parameter;
import io.tessera.tensor.DType;

import java.nio.file.Path;
import java.util.List;

/** The BatchNorm batch counter's conversions between PyTorch's and Tessera's layouts. */
public final class BatchCounter {
    /** The buffer's name in PyTorch and in Tessera. */
    public static final String NAME = "num_batches_tracked";

    private BatchCounter() {
    }

    /** True for {@code num_batches_tracked} and {@code ….num_batches_tracked}. */
    public static boolean isCounter(String name) {
        return name.equals(NAME) || name.endsWith("." + NAME);
    }

    /**
     * True when file tensor {@code t} loads into store entry {@code p} through this conversion: p is
     * a counter of shape (1) and t an I64 or I32 tensor of one element, 0-d as PyTorch saves it or (1).
     */
    static boolean converts(Parameter p, StTensor t) {
        return isCounter(p.name()) && p.shape().rank() == 1 && p.shape().dim(0) == 1
                && (t.dtype() == StDType.I64 || t.dtype() == StDType.I32) && t.shape().length <= 1 && t.elements() == 1;
    }

    /**
     * The counter's value n as the store will hold it: refused (naming the file) when n is
     * negative or beyond what {@code dst} holds exactly (2²⁴ for F32, 2⁵³ for F64).
     */
    static double value(StTensor t, DType dst, Path path, long byteOffset) {
        long n = t.toLongs()[0];
        long max = dst == DType.F64 ? 1L << 53 : 1L << 24;
        if (n < 0 || n > max) {
            throw new CheckpointFormatException(path, byteOffset, "BatchNorm counter " + t.name() + " = " + n + " is " + (n < 0 ? "negative" : "beyond " + max
                    + ", which a " + dst + " buffer cannot hold exactly"));
        }
        return n;
    }

    /**
     * A store tensor as PyTorch lays it out: a counter of shape (1) holding an integer n ≥ 0
     * becomes the 0-d I64 tensor n; every other tensor is returned as it is.
     */
    public static StTensor toTorch(StTensor t) {
        if (!isCounter(t.name()) || !t.dtype().isFloating() || t.shape().length != 1 || t.shape()[0] != 1) return t;
        double v = t.toDoubles()[0];
        if (!(v >= 0 && v <= 0x1p53 && v == Math.rint(v))) {
            throw new IllegalArgumentException("BatchNorm counter " + t.name() + " holds " + v + ", not an integer count in [0, 2^53]");
        }
        return StTensor.ofLongs(t.name(), new long[0], new long[] {(long) v});
    }

    /** {@link #toTorch(StTensor)} of every tensor. */
    public static List<StTensor> toTorch(List<StTensor> tensors) {
        return tensors.stream().map(BatchCounter::toTorch).toList();
    }
}
