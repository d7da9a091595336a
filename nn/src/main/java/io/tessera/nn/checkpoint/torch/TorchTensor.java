// A tensor of a torch file: torch._utils._rebuild_tensor_v2's view (storage, storage offset, size,
// stride) checked against its storage when the pickle names it, and materialised contiguous
// (row-major, little-endian) once the storage bytes are read, so a transposed or sliced view saved
// as it is comes out as the values torch shows. Not a storage, not an autograd tensor.
package io.tessera.nn.checkpoint.torch;

import io.tessera.nn.checkpoint.StDType;
import io.tessera.nn.checkpoint.StTensor;

import java.util.Arrays;

/**
 * A tensor read from a {@code .pth} file. Element (i₀, …, iₖ) is storage element
 * {@code offset + Σ iⱼ·strideⱼ}; {@link #data()} holds the elements in row-major order.
 */
public final class TorchTensor {
    /** A checked view of a storage; shared by a tensor and the Parameter that wraps it. */
    static final class View {
        final TorchStorage storage;
        final long offset;
        final long[] shape;
        final long[] stride;
        private byte[] data;

        View(TorchStorage storage, long offset, long[] shape, long[] stride) {
            this.storage = storage;
            this.offset = offset;
            this.shape = shape.clone();
            this.stride = stride.clone();
        }

        long elements() {
            return StTensor.elements(shape);
        }

        long bytes() {
            return elements() * storage.type.dtype.bytes();
        }

        boolean contiguousInStorage() {
            long expect = 1;
            for (int d = shape.length - 1; d >= 0; d--) {
                if (shape[d] != 1 && stride[d] != expect) return false;
                expect *= shape[d];
            }
            return true;
        }

        /** Copies the view out of its storage's bytes into row-major order. */
        void materialise() {
            byte[] src = storage.data();
            int es = storage.type.dtype.bytes();
            int n = Math.toIntExact(elements());
            byte[] out = new byte[Math.multiplyExact(n, es)];
            if (n > 0 && contiguousInStorage()) {
                System.arraycopy(src, Math.toIntExact(offset * es), out, 0, out.length);
            } else if (n > 0) {
                gather(src, out, es);
            }
            data = out;
        }

        /** Row-major walk over the view (an odometer over all but the last dimension). */
        private void gather(byte[] src, byte[] out, int es) {
            int rank = shape.length;
            long[] index = new long[rank];
            long inner = shape[rank - 1], innerStride = stride[rank - 1];
            int o = 0;
            while (true) {
                long base = offset;
                for (int d = 0; d < rank - 1; d++) base += index[d] * stride[d];
                for (long i = 0; i < inner; i++) {
                    System.arraycopy(src, (int) ((base + i * innerStride) * es), out, o, es);
                    o += es;
                }
                int d = rank - 2;
                while (d >= 0 && ++index[d] == shape[d]) index[d--] = 0;
                if (d < 0) return;
            }
        }

        byte[] data() {
            if (data == null) throw new IllegalStateException("tensor over storage " + storage.key + " has not been read");
            return data;
        }
    }

    private final View view;
    private final boolean parameter;
    private final boolean requiresGrad;

    TorchTensor(View view, boolean parameter, boolean requiresGrad) {
        this.view = view;
        this.parameter = parameter;
        this.requiresGrad = requiresGrad;
    }

    View view() {
        return view;
    }

    public StDType dtype() {
        return view.storage.type.dtype;
    }

    public long[] shape() {
        return view.shape.clone();
    }

    /** Strides in elements, as saved. */
    public long[] stride() {
        return view.stride.clone();
    }

    /** Offset of the first element in the storage, in elements. */
    public long storageOffset() {
        return view.offset;
    }

    /** The key of the storage this tensor views. */
    public String storageKey() {
        return view.storage.key;
    }

    /** True for an {@code nn.Parameter} (rebuilt through {@code _rebuild_parameter}). */
    public boolean isParameter() {
        return parameter;
    }

    public boolean requiresGrad() {
        return requiresGrad;
    }

    /** Number of elements, Π shape. */
    public long elements() {
        return view.elements();
    }

    /** True when the view is the storage's elements in row-major order from its offset (dims of size 1 ignored). */
    public boolean contiguousInStorage() {
        return view.contiguousInStorage();
    }

    /** Byte offset in the file of the view's first element, or -1 when unknown. */
    public long fileOffset() {
        return view.storage.fileOffset < 0 ? -1 : view.storage.fileOffset + view.offset * dtype().bytes();
    }

    /** The elements in row-major order, little-endian (a copy). */
    public byte[] data() {
        return view.data().clone();
    }

    /** This tensor as a named safetensors tensor (contiguous, little-endian). */
    public StTensor toStTensor(String name) {
        return new StTensor(name, dtype(), view.shape.clone(), view.data());
    }

    @Override
    public String toString() {
        return (parameter ? "Parameter " : "Tensor ") + dtype() + Arrays.toString(view.shape);
    }
}
