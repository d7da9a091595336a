/*
 * The GPU kernel catalog: each entry names a kernel function and the .kc file (one per op
 * family) that defines it, with the word the op has everywhere else (Backend.layerNorm ->
 * layernorm_forward in layernorm.kc -> LAYERNORM_FORWARD). Also the launch arithmetic the
 * entries share (broadcast strides for binary_forward).
 *
 * Argument convention of every kernel: each array is passed as two arguments, the buffer and
 * the int element offset of the first element (a task graph binds offset 0; the tensor backend
 * binds the tensor's offset, since parameters are views into flat stores). The argument lists
 * below name arrays once.
 */
package io.tessera.gpu;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/** Kernel functions and their source files. */
public enum Kernels {
    /** out = f(x) for a {@link io.tessera.tensor.spi.UnaryOp} code; args (out, x, n, op). */
    UNARY_FORWARD("elementwise.kc", "unary_forward"),
    /** out = a ∘ b with broadcasting over ≤ 4 axes; args (out, a, b, n, dims[4], strideA[4], strideB[4], op). */
    BINARY_FORWARD("elementwise.kc", "binary_forward"),
    /** y = softmax(x) over rows of (N, D); args (y, x, n, d); defines WG. */
    SOFTMAX_FORWARD("softmax.kc", "softmax_forward"),
    /** LayerNorm forward over rows of (N, D); args (y, mean, rstd, x, [w, b,] n, d, eps); defines WG, AFFINE. */
    LAYERNORM_FORWARD("layernorm.kc", "layernorm_forward"),
    /** c = alpha·op(a)·op(b) + beta·c, batched; see {@link SgemmTiling}. */
    SGEMM("sgemm.kc", "sgemm");

    private static final ConcurrentMap<String, KernelSource> SOURCES = new ConcurrentHashMap<>();

    private final String file;
    private final String function;

    Kernels(String file, String function) {
        this.file = file;
        this.function = function;
    }

    /** The .kc file that defines this kernel. */
    public String file() {
        return file;
    }

    /** The kernel function's name in the source. */
    public String function() {
        return function;
    }

    /** The source (loaded once per process). */
    public KernelSource source() {
        return SOURCES.computeIfAbsent(file, KernelSource::load);
    }

    /**
     * Element strides of an input broadcast to an output, over exactly 4 axes (shapes are
     * left-padded with 1s): stride 0 on an axis where the input has size 1 and the output does
     * not. Used for {@link #BINARY_FORWARD}.
     *
     * @param out the output shape (rank ≤ 4)
     * @param in  the input shape, broadcastable to {@code out} (NumPy rules)
     * @return the 4 strides of {@code in}, outermost first
     */
    public static int[] broadcastStrides(int[] out, int[] in) {
        if (out.length > 4 || in.length > out.length) {
            throw new IllegalArgumentException("binary_forward broadcasts input " + Arrays.toString(in) + " to output "
                    + Arrays.toString(out) + ": expected rank ≤ 4 and input rank ≤ output rank");
        }
        int[] o = pad4(out), i = pad4(in), s = new int[4];
        int stride = 1;
        for (int ax = 3; ax >= 0; ax--) {
            if (i[ax] == o[ax]) s[ax] = i[ax] == 1 ? 0 : stride;
            else if (i[ax] == 1) s[ax] = 0;
            else throw new IllegalArgumentException("binary_forward: input " + Arrays.toString(in) + " does not broadcast to "
                        + Arrays.toString(out) + " (axis " + (ax - 4 + in.length) + ")");
            stride *= i[ax];
        }
        return s;
    }

    /** A shape of rank ≤ 4 left-padded with 1s to rank 4. */
    public static int[] pad4(int[] shape) {
        int[] p = {1, 1, 1, 1};
        System.arraycopy(shape, 0, p, 4 - shape.length, shape.length);
        return p;
    }
}
