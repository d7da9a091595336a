package io.tessera.tensor;

/**
 * Where a tensor's elements live. Heap arrays back CPU tensors; a GPU backend supplies its own
 * {@link DeviceStorage}. Storage is owned by an allocator and may be recycled when the
 * {@link Scope} that allocated it closes.
 */
public sealed interface Storage permits Storage.F32, Storage.F64, Storage.I32, Storage.BF16, Storage.F16, DeviceStorage {

    /** Number of elements the storage holds (it may be larger than a tensor viewing it). */
    int capacity();

    DType dtype();

    /** Heap float storage. */
    record F32(float[] data) implements Storage {
        public int capacity() { return data.length; }
        public DType dtype() { return DType.F32; }
    }

    /** Heap double storage. */
    record F64(double[] data) implements Storage {
        public int capacity() { return data.length; }
        public DType dtype() { return DType.F64; }
    }

    /** Heap bfloat16 storage: the raw 16-bit patterns (see {@link BFloat16}). */
    record BF16(short[] data) implements Storage {
        public int capacity() { return data.length; }
        public DType dtype() { return DType.BF16; }
    }

    /** Heap float16 storage: the raw 16-bit patterns (see {@link Float16}). */
    record F16(short[] data) implements Storage {
        public int capacity() { return data.length; }
        public DType dtype() { return DType.F16; }
    }

    /** Heap int storage (indices, labels). */
    record I32(int[] data) implements Storage {
        public int capacity() { return data.length; }
        public DType dtype() { return DType.I32; }
    }
}
