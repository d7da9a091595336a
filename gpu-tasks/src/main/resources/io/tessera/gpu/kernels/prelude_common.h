/* prelude_common.h: device functions shared by every .kc file, written once in the common
 * vocabulary of the dialect preludes (which are assembled before this). */

/* The bfloat16 bits of v rounded to nearest even; a NaN keeps its sign and the top of its payload,
 * quietened (as io.tessera.tensor.BFloat16.fromFloat). NaN is tested on the bits, so fast-math
 * options cannot drop it. */
DEVICE_FN unsigned int bf16_bits(float v) {
    unsigned int u = FLOAT_AS_UINT(v);
    return (u & 0x7fffffffu) > 0x7f800000u ? (u >> 16) | 0x40u : (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
}

/* The float32 value of bfloat16 bits h: exact. */
DEVICE_FN float bf16_to_float(unsigned int h) {
    return UINT_AS_FLOAT(h << 16);
}

/* v rounded to the nearest bfloat16 value, held in float32. */
DEVICE_FN float bf16_round(float v) {
    return bf16_to_float(bf16_bits(v));
}

/* The IEEE half-precision (float16) bits of v rounded to nearest even: beyond ±65504 (from the
 * halfway point 65520 on) to infinity, below 2⁻¹⁴ to a subnormal, below 2⁻²⁵ to zero; a NaN keeps
 * its sign and the top of its payload, quietened (as io.tessera.tensor.Float16.fromFloat). Integer
 * arithmetic only, so every device and compiler option gives the same bits. */
DEVICE_FN unsigned int f16_bits(float v) {
    unsigned int u = FLOAT_AS_UINT(v);
    unsigned int sign = (u >> 16) & 0x8000u, a = u & 0x7fffffffu;
    if (a > 0x7f800000u) return sign | 0x7e00u | ((a >> 13) & 0x3ffu);
    if (a >= 0x477ff000u) return sign | 0x7c00u;
    if (a >= 0x38800000u) return sign | ((a + 0xfffu + ((a >> 13) & 1u) - 0x38000000u) >> 13);
    unsigned int e = a >> 23;
    if (e < 102u) return sign; /* below 2⁻²⁵: zero */
    unsigned int mant = (a & 0x7fffffu) | 0x800000u, shift = 126u - e;
    unsigned int m = mant >> shift, rem = mant & ((1u << shift) - 1u), halfway = 1u << (shift - 1u);
    if (rem > halfway || (rem == halfway && (m & 1u))) m++;
    return sign | m;
}

/* The float32 value of float16 bits h: exact. */
DEVICE_FN float f16_to_float(unsigned int h) {
    unsigned int sign = (h & 0x8000u) << 16, e = (h >> 10) & 0x1fu, m = h & 0x3ffu;
    if (e == 0x1fu) return UINT_AS_FLOAT(sign | 0x7f800000u | (m << 13));
    if (e != 0u) return UINT_AS_FLOAT(sign | ((e + 112u) << 23) | (m << 13));
    float s = (float) m * 5.9604644775390625e-8f; /* m · 2⁻²⁴, exact */
    return sign ? -s : s;
}

/* v rounded to the nearest float16 value, held in float32. */
DEVICE_FN float f16_round(float v) {
    return f16_to_float(f16_bits(v));
}

/* v rounded to a 16-bit type chosen at run time: 1 bfloat16, 2 float16, else unchanged. */
DEVICE_FN float half_round(float v, int type) {
    return type == 2 ? f16_round(v) : type == 1 ? bf16_round(v) : v;
}
