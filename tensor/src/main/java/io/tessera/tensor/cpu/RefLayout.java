package io.tessera.tensor.cpu;

import io.tessera.tensor.Tensor;

/** Scalar reference kernels (TO BE WRITTEN). */
public final class RefLayout {
    private RefLayout() {
    }

    public static void permute(Tensor out, Tensor x, int[] perm, boolean accumulate) {
        throw new UnsupportedOperationException("RefLayout.permute");
    }

    public static void writeSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        throw new UnsupportedOperationException("RefLayout.writeSlice");
    }

    public static void readSlice(Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        throw new UnsupportedOperationException("RefLayout.readSlice");
    }

    public static void gather(Tensor out, Tensor x, Tensor index, int axis) {
        throw new UnsupportedOperationException("RefLayout.gather");
    }

    public static void scatterAdd(Tensor dx, Tensor dout, Tensor index, int axis) {
        throw new UnsupportedOperationException("RefLayout.scatterAdd");
    }
}
