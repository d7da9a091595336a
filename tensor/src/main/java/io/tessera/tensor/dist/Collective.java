/*
 * Collective communication among the processes of one job: every process (rank) calls the same
 * operations in the same order, and each call returns once its part is done. The sums are
 * element-wise over ranks, in place, on flat F32 or F64 buffers: a heap array span (the CPU
 * storage of a tensor, Storage.F32 / Storage.F64 read from the tensor's offset) or a memory
 * segment. It is not a parameter server or a point-to-point messaging layer.
 */
package io.tessera.tensor.dist;

import io.tessera.tensor.DType;
import io.tessera.tensor.Storage;
import io.tessera.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A group of {@link #worldSize()} processes that reduce and broadcast buffers together.
 * {@link #single()} is the group of one process, so code that uses a collective is written once.
 *
 * <p>Every method is collective: all ranks call it with buffers of the same length and dtype
 * (and the same root), in the same order. Buffers are read and written in place. Methods throw
 * {@link IllegalArgumentException} on a bad span, dtype or root before anything is sent, and
 * {@link IllegalStateException} once the collective is closed.
 */
public interface Collective extends AutoCloseable {

    /** This process's rank, 0 ≤ rank &lt; worldSize. */
    int rank();

    /** The number of processes in the group (1 for {@link #single()}). */
    int worldSize();

    /**
     * In place, {@code x[offset + i] ← Σ_r x_r[offset + i]} over the ranks r, for 0 ≤ i &lt; length.
     *
     * @param data   read and written: the span {@code [offset, offset + length)}
     */
    void allReduceSum(float[] data, int offset, int length);

    /** As {@link #allReduceSum(float[], int, int)}, in double precision. */
    void allReduceSum(double[] data, int offset, int length);

    /**
     * In place over a whole segment of {@code dtype} elements (F32 or F64; its byte size a
     * multiple of the element size). A native segment is handed to the transport as it is; a
     * heap segment is staged.
     */
    void allReduceSum(MemorySegment data, DType dtype);

    /** In place, every rank's span becomes {@code root}'s: {@code x[offset + i] ← x_root[offset + i]}. */
    void broadcast(float[] data, int offset, int length, int root);

    /** As {@link #broadcast(float[], int, int, int)}, in double precision. */
    void broadcast(double[] data, int offset, int length, int root);

    /** As {@link #broadcast(float[], int, int, int)} over a whole segment of F32 or F64 elements. */
    void broadcast(MemorySegment data, DType dtype, int root);

    /** Returns once every rank has called it. */
    void barrier();

    /** Leaves the group; later calls throw {@link IllegalStateException}. Closing twice is a no-op. */
    @Override
    void close();

    // ---- derived operations ------------------------------------------------------------------

    /** In place, {@code x[offset + i] ← (Σ_r x_r[offset + i]) / worldSize}: the sum, then one division per element. */
    default void allReduceMean(float[] data, int offset, int length) {
        allReduceSum(data, offset, length);
        float n = worldSize();
        if (n != 1f) {
            for (int i = offset; i < offset + length; i++) data[i] /= n;
        }
    }

    /** As {@link #allReduceMean(float[], int, int)}, in double precision. */
    default void allReduceMean(double[] data, int offset, int length) {
        allReduceSum(data, offset, length);
        double n = worldSize();
        if (n != 1d) {
            for (int i = offset; i < offset + length; i++) data[i] /= n;
        }
    }

    /** {@link #allReduceSum(MemorySegment, DType)}, then each element divided by {@link #worldSize()}. */
    default void allReduceMean(MemorySegment data, DType dtype) {
        allReduceSum(data, dtype);
        int n = worldSize();
        if (n == 1) return;
        if (dtype == DType.F32) {
            long count = data.byteSize() / Float.BYTES;
            for (long i = 0; i < count; i++) {
                data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, data.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i) / n);
            }
        } else {
            long count = data.byteSize() / Double.BYTES;
            for (long i = 0; i < count; i++) {
                data.setAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i, data.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, i) / n);
            }
        }
    }

    /** The whole array: {@link #allReduceSum(float[], int, int)} over {@code [0, data.length)}. */
    default void allReduceSum(float[] data) {
        allReduceSum(data, 0, data.length);
    }

    /** The whole array: {@link #allReduceSum(double[], int, int)} over {@code [0, data.length)}. */
    default void allReduceSum(double[] data) {
        allReduceSum(data, 0, data.length);
    }

    /** The whole array: {@link #allReduceMean(float[], int, int)} over {@code [0, data.length)}. */
    default void allReduceMean(float[] data) {
        allReduceMean(data, 0, data.length);
    }

    /** The whole array: {@link #allReduceMean(double[], int, int)} over {@code [0, data.length)}. */
    default void allReduceMean(double[] data) {
        allReduceMean(data, 0, data.length);
    }

    /**
     * The elements of a host tensor (F32 or F64 heap storage, from its offset), summed in place.
     *
     * @throws IllegalArgumentException for a device tensor or an I32 tensor
     */
    default void allReduceSum(Tensor t) {
        switch (CollectiveChecks.hostStorage("allReduceSum", t)) {
            case Storage.F32 s -> allReduceSum(s.data(), t.offset(), t.size());
            case Storage.F64 s -> allReduceSum(s.data(), t.offset(), t.size());
            default -> throw new AssertionError("hostStorage admits only F32 and F64");
        }
    }

    /** The elements of a host tensor averaged in place, as {@link #allReduceMean(float[], int, int)}. */
    default void allReduceMean(Tensor t) {
        switch (CollectiveChecks.hostStorage("allReduceMean", t)) {
            case Storage.F32 s -> allReduceMean(s.data(), t.offset(), t.size());
            case Storage.F64 s -> allReduceMean(s.data(), t.offset(), t.size());
            default -> throw new AssertionError("hostStorage admits only F32 and F64");
        }
    }

    /** The elements of a host tensor replaced by {@code root}'s. */
    default void broadcast(Tensor t, int root) {
        switch (CollectiveChecks.hostStorage("broadcast", t)) {
            case Storage.F32 s -> broadcast(s.data(), t.offset(), t.size(), root);
            case Storage.F64 s -> broadcast(s.data(), t.offset(), t.size(), root);
            default -> throw new AssertionError("hostStorage admits only F32 and F64");
        }
    }

    /** The group of this process alone: rank 0 of 1. */
    static Collective single() {
        return new SingleProcess();
    }
}
