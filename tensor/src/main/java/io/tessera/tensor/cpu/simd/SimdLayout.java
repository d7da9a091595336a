package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.Tensor;

/** Vector API kernels (TO BE WRITTEN). */
public final class SimdLayout {
    private SimdLayout() {
    }

    public static void permute(SimdContext sc, Tensor out, Tensor x, int[] perm, boolean accumulate) {
        throw new UnsupportedOperationException("SimdLayout.permute");
    }

    public static void writeSlice(SimdContext sc, Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        throw new UnsupportedOperationException("SimdLayout.writeSlice");
    }

    public static void readSlice(SimdContext sc, Tensor out, Tensor x, int axis, int start, boolean accumulate) {
        throw new UnsupportedOperationException("SimdLayout.readSlice");
    }

    public static void gather(SimdContext sc, Tensor out, Tensor x, Tensor index, int axis) {
        throw new UnsupportedOperationException("SimdLayout.gather");
    }

    public static void scatterAdd(SimdContext sc, Tensor dx, Tensor dout, Tensor index, int axis) {
        throw new UnsupportedOperationException("SimdLayout.scatterAdd");
    }
}
