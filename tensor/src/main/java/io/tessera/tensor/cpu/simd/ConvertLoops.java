package io.tessera.tensor.cpu.simd;

import io.tessera.tensor.BFloat16;
import io.tessera.tensor.Float16;
import java.lang.invoke.MethodHandles;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The float32 ↔ bfloat16 and float32 → float16 conversion loops of {@link SimdConvert}, defined once per vector width
 * by {@link WidthCopies}. Narrowing is {@link io.tessera.tensor.BFloat16#fromFloat} on the bits of
 * a whole vector (round to nearest even by adding 0x7FFF plus the kept lowest bit; a NaN keeps its
 * sign and the top of its payload, quietened); widening puts the 16 bits on top of a zero half.
 * The shorts of a vector have the float lane count, so a 64-bit float width (two lanes, no 32-bit
 * short vector) runs the scalar loop. Not used directly: only its per-width copies run.
 */
final class ConvertLoops implements SimdConvert.Loops {
    private static final VectorSpecies<Float> S = WidthCopies.species(MethodHandles.lookup());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    private static final boolean VECTOR = S.vectorBitSize() >= 128;
    private static final VectorSpecies<Short> H = VECTOR ? VectorSpecies.of(short.class, VectorShape.forBitSize(S.vectorBitSize() / 2)) : null;

    ConvertLoops() {
    }

    @Override
    public void toBf16(float[] src, int so, short[] dst, int dO, int lo, int hi) {
        int i = lo;
        if (VECTOR) {
            for (int up = lo + S.loopBound(hi - lo); i < up; i += S.length()) {
                IntVector out = bf16Bits(FloatVector.fromArray(S, src, so + i));
                ((ShortVector) out.convertShape(VectorOperators.I2S, H, 0)).intoArray(dst, dO + i);
            }
        }
        for (; i < hi; i++) dst[dO + i] = BFloat16.fromFloat(src[so + i]);
    }

    /** BFloat16.fromFloat on every lane, as ints holding the 16 bits. */
    private static IntVector bf16Bits(FloatVector v) {
        IntVector bits = v.reinterpretAsInts();
        IntVector top = bits.lanewise(VectorOperators.LSHR, 16);
        IntVector rounded = bits.add(top.and(1)).add(0x7FFF).lanewise(VectorOperators.LSHR, 16);
        VectorMask<Integer> nan = bits.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000);
        return rounded.blend(top.or(0x40), nan);
    }

    @Override
    public void toF16(float[] src, int so, short[] dst, int dO, int lo, int hi) {
        if (anyNaN(src, so, lo, hi)) {
            for (int i = lo; i < hi; i++) dst[dO + i] = Float16.fromFloat(src[so + i]);
        } else {
            for (int i = lo; i < hi; i++) dst[dO + i] = Float.floatToFloat16(src[so + i]); // compiled to vector half conversions
        }
    }

    @Override
    public void roundF16(float[] src, int so, float[] dst, int dO, int lo, int hi) {
        if (anyNaN(src, so, lo, hi)) {
            for (int i = lo; i < hi; i++) dst[dO + i] = Float16.round(src[so + i]);
        } else {
            for (int i = lo; i < hi; i++) dst[dO + i] = Float.float16ToFloat(Float.floatToFloat16(src[so + i]));
        }
    }

    /**
     * True when src[so + lo .. so + hi) holds a NaN, tested a vector at a time. The JDK leaves the
     * NaN that {@link Float#floatToFloat16} writes to the platform, so a range with one runs
     * {@link Float16}'s scalar conversion instead, which fixes it.
     */
    private static boolean anyNaN(float[] src, int so, int lo, int hi) {
        int i = lo;
        for (int up = lo + S.loopBound(hi - lo); i < up; i += S.length()) {
            if (FloatVector.fromArray(S, src, so + i).test(VectorOperators.IS_NAN).anyTrue()) return true;
        }
        for (; i < hi; i++) if (Float.isNaN(src[so + i])) return true;
        return false;
    }

    @Override
    public void round(float[] src, int so, float[] dst, int dO, int lo, int hi) {
        int i = lo;
        for (int up = lo + S.loopBound(hi - lo); i < up; i += S.length()) {
            bf16Bits(FloatVector.fromArray(S, src, so + i)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dO + i);
        }
        for (; i < hi; i++) dst[dO + i] = BFloat16.round(src[so + i]);
    }

    @Override
    public void fromBf16(short[] src, int so, float[] dst, int dO, int lo, int hi) {
        int i = lo;
        if (VECTOR) {
            for (int up = lo + S.loopBound(hi - lo); i < up; i += S.length()) {
                IntVector wide = (IntVector) ShortVector.fromArray(H, src, so + i).convertShape(VectorOperators.S2I, I, 0);
                wide.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dO + i);
            }
        }
        for (; i < hi; i++) dst[dO + i] = BFloat16.toFloat(src[so + i]);
    }
}
