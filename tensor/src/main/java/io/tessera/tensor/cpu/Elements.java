package io.tessera.tensor.cpu;

import io.tessera.tensor.BFloat16;
import io.tessera.tensor.DType;
import io.tessera.tensor.Float16;
import io.tessera.tensor.Storage;
import io.tessera.tensor.Tensor;

/**
 * Element access for the scalar reference: reads any host tensor into doubles and stores
 * doubles back, rounding to the tensor's dtype. The reference computes in double and rounds
 * only on store, which makes it a stricter oracle than float arithmetic.
 */
public final class Elements {
    private Elements() {
    }

    /** The elements of a host tensor as doubles (a copy). */
    public static double[] read(Tensor t) {
        double[] out = new double[t.size()];
        int off = t.offset();
        switch (t.storage()) {
            case Storage.F32 s -> { for (int i = 0; i < out.length; i++) out[i] = s.data()[off + i]; }
            case Storage.F64 s -> System.arraycopy(s.data(), off, out, 0, out.length);
            case Storage.I32 s -> { for (int i = 0; i < out.length; i++) out[i] = s.data()[off + i]; }
            case Storage.BF16 s -> { for (int i = 0; i < out.length; i++) out[i] = BFloat16.toFloat(s.data()[off + i]); }
            case Storage.F16 s -> { for (int i = 0; i < out.length; i++) out[i] = Float16.toFloat(s.data()[off + i]); }
            default -> throw new IllegalArgumentException("the CPU backends cannot read device tensor " + t.describe());
        }
        return out;
    }

    /** The elements of a host I32 tensor (a copy). */
    public static int[] readInts(Tensor t) {
        if (t.dtype() != DType.I32) throw new IllegalArgumentException("expected an I32 tensor, got " + t.describe());
        int[] out = new int[t.size()];
        System.arraycopy(t.i32(), t.offset(), out, 0, out.length);
        return out;
    }

    /** t = v (rounded to t's dtype). */
    public static void store(Tensor t, double[] v) {
        check(t, v);
        int off = t.offset();
        switch (t.storage()) {
            case Storage.F32 s -> { for (int i = 0; i < v.length; i++) s.data()[off + i] = (float) v[i]; }
            case Storage.F64 s -> System.arraycopy(v, 0, s.data(), off, v.length);
            case Storage.I32 s -> { for (int i = 0; i < v.length; i++) s.data()[off + i] = (int) v[i]; }
            case Storage.BF16 s -> { for (int i = 0; i < v.length; i++) s.data()[off + i] = BFloat16.fromDouble(v[i]); }
            case Storage.F16 s -> { for (int i = 0; i < v.length; i++) s.data()[off + i] = Float16.fromDouble(v[i]); }
            default -> throw new IllegalArgumentException("the CPU backends cannot write device tensor " + t.describe());
        }
    }

    /** t += v (in t's dtype: read, add in double, round). A null t is ignored. */
    public static void add(Tensor t, double[] v) {
        if (t == null) return;
        check(t, v);
        double[] cur = read(t);
        for (int i = 0; i < v.length; i++) cur[i] += v[i];
        store(t, cur);
    }

    /** Stores or accumulates. */
    public static void put(Tensor t, double[] v, boolean accumulate) {
        if (accumulate) add(t, v);
        else store(t, v);
    }

    private static void check(Tensor t, double[] v) {
        if (v.length != t.size()) {
            throw new IllegalArgumentException(v.length + " values for " + t.describe());
        }
    }
}
