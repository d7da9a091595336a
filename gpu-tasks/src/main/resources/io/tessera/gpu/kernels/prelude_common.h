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
