package io.tessera.tensor.cpu;

import io.tessera.tensor.BFloat16;
import io.tessera.tensor.DType;
import io.tessera.tensor.Float16;
import io.tessera.tensor.Shape;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.spi.Backend;

import static org.assertj.core.api.Assertions.assertThat;

/** The check both 16-bit conversion parity tests run, on each CPU backend and vector width. */
final class HalfCopyChecks {
    private HalfCopyChecks() {
    }

    /**
     * On the reference backend and the Vector API backend at 64, 128, 256 bits and its own width,
     * at offsets 0 and 3: copying {@code f} into {@code type} gives the bits of the type's scalar
     * narrowing, roundHalf (and in place) its values, and copying {@code patterns} back to float32
     * the type's scalar widening (on the reference backend too when {@code widenOnReference}).
     */
    static void atEveryWidth(DType type, float[] f, short[] patterns, boolean widenOnReference) {
        short[] want = new short[f.length];
        for (int i = 0; i < f.length; i++) want[i] = narrow(type, f[i]);
        for (Backend be : new Backend[]{new ReferenceBackend(), new CpuBackend(1, 64), new CpuBackend(1, 128), new CpuBackend(2, 256), new CpuBackend(2)}) {
            for (int off : new int[]{0, 3}) {
                Tensor x = tensor(be, DType.F32, f.length - off, off), h = tensor(be, type, f.length - off, 1);
                System.arraycopy(f, off, x.f32(), off, f.length - off);
                be.copy(h, x);
                short[] got = bits(h);
                for (int i = 0; i < f.length - off; i++) {
                    if (got[1 + i] != want[off + i]) {
                        throw new AssertionError(be.name() + " offset " + off + ": " + type + "(0x" + Integer.toHexString(Float.floatToRawIntBits(f[off + i]))
                                + ") = 0x" + Integer.toHexString(got[1 + i] & 0xFFFF) + ", expected 0x" + Integer.toHexString(want[off + i] & 0xFFFF));
                    }
                }
                Tensor r = tensor(be, DType.F32, f.length - off, 2);
                be.roundHalf(r, x, type);
                be.roundHalf(x, x, type); // in place
                for (int i = 0; i < f.length - off; i++) {
                    int b = Float.floatToRawIntBits(type.halfValue(want[off + i]));
                    assertThat(Float.floatToRawIntBits(r.f32()[2 + i])).as("%s roundHalf at %d", be.name(), i).isEqualTo(b);
                    assertThat(Float.floatToRawIntBits(x.f32()[off + i])).isEqualTo(b);
                }
                if (!widenOnReference && be instanceof ReferenceBackend && !(be instanceof CpuBackend)) continue;
                int m = patterns.length;
                Tensor s = tensor(be, type, m - off, off), w = tensor(be, DType.F32, m - off, 2);
                System.arraycopy(patterns, off, bits(s), off, m - off);
                be.copy(w, s);
                for (int i = 0; i < m - off; i++) {
                    assertThat(Float.floatToRawIntBits(w.f32()[2 + i])).as("%s widening 0x%s", be.name(), Integer.toHexString(patterns[off + i] & 0xFFFF))
                            .isEqualTo(Float.floatToRawIntBits(type.halfValue(patterns[off + i])));
                }
            }
            be.close();
        }
    }

    /** The type's scalar narrowing of a float (not through double, which may quiet a signalling NaN). */
    private static short narrow(DType type, float f) {
        return type == DType.BF16 ? BFloat16.fromFloat(f) : Float16.fromFloat(f);
    }

    private static short[] bits(Tensor h) {
        return h.dtype() == DType.BF16 ? h.bf16() : h.f16();
    }

    private static Tensor tensor(Backend be, DType t, int n, int offset) {
        return new Tensor(be, Shape.of(n), t, be.allocate(t, n + offset, true), offset);
    }
}
