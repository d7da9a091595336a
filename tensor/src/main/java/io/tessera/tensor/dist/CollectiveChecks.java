/*
 * The argument checks every Collective implementation makes before it sends anything, in one
 * place so the single-process group and the MPI group refuse the same calls with the same words.
 */
package io.tessera.tensor.dist;

import io.tessera.tensor.DType;
import io.tessera.tensor.Storage;
import io.tessera.tensor.Tensor;

import java.lang.foreign.MemorySegment;

/** Span, dtype and root checks of the collective operations. */
public final class CollectiveChecks {
    private CollectiveChecks() {
    }

    /**
     * Checks that {@code [offset, offset + length)} lies in an array of {@code arrayLength} elements.
     *
     * @throws IllegalArgumentException naming the operation, the span and the array length
     */
    public static void span(String op, int arrayLength, int offset, int length) {
        if (offset < 0 || length < 0 || (long) offset + length > arrayLength) {
            throw new IllegalArgumentException(op + ": span [" + offset + ", " + ((long) offset + length) + ") of " + length
                    + " elements does not fit an array of " + arrayLength);
        }
    }

    /**
     * Checks that {@code dtype} is F32 or F64 and that the segment holds a whole number of such elements.
     *
     * @return the number of elements
     */
    public static long elements(String op, MemorySegment data, DType dtype) {
        if (dtype != DType.F32 && dtype != DType.F64) {
            throw new IllegalArgumentException(op + ": collectives move F32 or F64 buffers, got " + dtype);
        }
        long bytes = dtype.byteSize();
        if (data.byteSize() % bytes != 0) {
            throw new IllegalArgumentException(op + ": a segment of " + data.byteSize() + " bytes is not a whole number of "
                    + dtype + " elements (" + bytes + " bytes each)");
        }
        return data.byteSize() / bytes;
    }

    /** Checks that {@code root} is a rank of a group of {@code worldSize}. */
    public static void root(String op, int root, int worldSize) {
        if (root < 0 || root >= worldSize) {
            throw new IllegalArgumentException(op + ": root " + root + " is not a rank of this group (0.." + (worldSize - 1) + ")");
        }
    }

    /** The heap F32 or F64 storage of a host tensor. */
    static Storage hostStorage(String op, Tensor t) {
        Storage s = t.storage();
        if (s instanceof Storage.F32 || s instanceof Storage.F64) return s;
        throw new IllegalArgumentException(op + ": tensor " + t.describe() + " is not a host F32 or F64 tensor (storage "
                + s.getClass().getSimpleName() + "); copy it to the CPU first");
    }
}
