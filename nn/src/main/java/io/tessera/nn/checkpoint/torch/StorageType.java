// The typed storage classes of torch's pickles (torch.FloatStorage, …) that Tessera reads, with the
// element type of each. Quantised, complex and float8 storages are allowed by torch's weights_only
// loader but have no Tessera counterpart; TorchGlobals refuses them by name.
package io.tessera.nn.checkpoint.torch;

import io.tessera.nn.checkpoint.StDType;

/** A storage class named in a pickle's persistent id, and the element type of its bytes. */
enum StorageType {
    DOUBLE("DoubleStorage", StDType.F64),
    FLOAT("FloatStorage", StDType.F32),
    HALF("HalfStorage", StDType.F16),
    BFLOAT16("BFloat16Storage", StDType.BF16),
    LONG("LongStorage", StDType.I64),
    INT("IntStorage", StDType.I32),
    SHORT("ShortStorage", StDType.I16),
    CHAR("CharStorage", StDType.I8),
    BYTE("ByteStorage", StDType.U8),
    BOOL("BoolStorage", StDType.BOOL);

    final String className;
    final StDType dtype;

    StorageType(String className, StDType dtype) {
        this.className = className;
        this.dtype = dtype;
    }

    /** The storage class for a dtype (the writer's choice). */
    static StorageType of(StDType dtype) {
        for (StorageType t : values()) if (t.dtype == dtype) return t;
        throw new IllegalArgumentException("no torch storage class for " + dtype);
    }

    /** The type named {@code torch.<name>}, or null. */
    static StorageType byClassName(String name) {
        for (StorageType t : values()) if (t.className.equals(name)) return t;
        return null;
    }

    @Override
    public String toString() {
        return "torch." + className;
    }
}
