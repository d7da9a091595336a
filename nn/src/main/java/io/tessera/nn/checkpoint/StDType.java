package io.tessera.nn.checkpoint;

/** Element types of the safetensors format, with their names in the header and byte sizes. */
public enum StDType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    StDType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** The header name ("F32", "BF16", …), or null when unknown. */
    public static StDType byName(String name) {
        for (StDType t : values()) if (t.name().equals(name)) return t;
        return null;
    }

    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }
}
