package io.tessera.nn.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One named tensor of a safetensors file: dtype, shape and its raw little-endian bytes.
 * Conversions to and from float arrays cover F64, F32, F16 and BF16; I64 converts to long.
 */
public record StTensor(String name, StDType dtype, long[] shape, byte[] data) {

    public StTensor {
        long n = elements(shape);
        if ((long) data.length != n * dtype.bytes()) {
            throw new IllegalArgumentException("tensor " + name + ": " + data.length + " bytes for shape "
                    + Arrays.toString(shape) + " of " + dtype + " (" + n * dtype.bytes() + " expected)");
        }
    }

    /** Number of elements of a shape (1 for a scalar). */
    public static long elements(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    public long elements() {
        return elements(shape);
    }

    /** A tensor stored as {@code dtype} from float values (rounded to nearest for F16/BF16). */
    public static StTensor ofFloats(String name, StDType dtype, long[] shape, float[] values) {
        if (elements(shape) != values.length) {
            throw new IllegalArgumentException("tensor " + name + ": " + values.length + " values for shape " + Arrays.toString(shape));
        }
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case F32 -> b.putFloat(v);
                case F64 -> b.putDouble(v);
                case F16 -> b.putShort(Float.floatToFloat16(v));
                case BF16 -> b.putShort(io.tessera.tensor.BFloat16.fromFloat(v));
                default -> throw new IllegalArgumentException("tensor " + name + ": cannot store floats as " + dtype);
            }
        }
        return new StTensor(name, dtype, shape.clone(), b.array());
    }

    /** An I64 tensor. */
    public static StTensor ofLongs(String name, long[] shape, long[] values) {
        if (elements(shape) != values.length) {
            throw new IllegalArgumentException("tensor " + name + ": " + values.length + " values for shape " + Arrays.toString(shape));
        }
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : values) b.putLong(v);
        return new StTensor(name, StDType.I64, shape.clone(), b.array());
    }

    /** The values as floats (F64 rounds; F16 and BF16 widen exactly). */
    public float[] toFloats() {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[Math.toIntExact(elements())];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (dtype) {
                case F32 -> b.getFloat();
                case F64 -> (float) b.getDouble();
                case F16 -> Float.float16ToFloat(b.getShort());
                case BF16 -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                default -> throw new IllegalStateException("tensor " + name + " of " + dtype + " is not floating-point");
            };
        }
        return out;
    }

    /** The values as doubles (exact for every floating dtype). */
    public double[] toDoubles() {
        if (dtype != StDType.F64) {
            float[] f = toFloats();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) d[i] = f[i];
            return d;
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        double[] out = new double[Math.toIntExact(elements())];
        for (int i = 0; i < out.length; i++) out[i] = b.getDouble();
        return out;
    }

    /** The values of an I64 or I32 tensor. */
    public long[] toLongs() {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        long[] out = new long[Math.toIntExact(elements())];
        for (int i = 0; i < out.length; i++) {
            out[i] = switch (dtype) {
                case I64 -> b.getLong();
                case I32 -> b.getInt();
                default -> throw new IllegalStateException("tensor " + name + " of " + dtype + " is not I64 or I32");
            };
        }
        return out;
    }

    /** Shape as ints (throws if a dimension exceeds int). */
    public int[] intShape() {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) s[i] = Math.toIntExact(shape[i]);
        return s;
    }

    /** Round-to-nearest-even float → bfloat16; NaN stays NaN. */
    @Override
    public boolean equals(Object o) {
        return o instanceof StTensor t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + dtype + Arrays.toString(shape);
    }
}
