/*
 * A kernel argument in a task: a device array with its access (which drives the task graph's
 * data-flow checks), or an int or float scalar. Arguments are given in the kernel's order:
 * outputs, inputs, saved statistics, sizes and scalars. Local (work-group) memory is not an
 * argument: kernels declare it with a -D sized LOCAL array, which both dialects support.
 */
package io.tessera.gpu;

/** One argument of a task's kernel. */
public sealed interface Arg permits Arg.Array, Arg.I32, Arg.F32 {

    /** How a task uses a device array. */
    enum Access {
        READ, WRITE, READ_WRITE;

        boolean reads() {
            return this != WRITE;
        }

        boolean writes() {
            return this != READ;
        }
    }

    /** A device array the kernel reads and/or writes. */
    record Array(DeviceArray array, Access access) implements Arg {
        public Array {
            if (array == null) throw new IllegalArgumentException("array argument is null");
        }
    }

    /** An int scalar. */
    record I32(int value) implements Arg {
    }

    /** A float scalar. */
    record F32(float value) implements Arg {
    }

    /** An input array (read only). */
    static Arg read(DeviceArray a) {
        return new Array(a, Access.READ);
    }

    /** An output array (written, not read). */
    static Arg write(DeviceArray a) {
        return new Array(a, Access.WRITE);
    }

    /** An array the kernel reads and writes (e.g. C with beta ≠ 0). */
    static Arg readWrite(DeviceArray a) {
        return new Array(a, Access.READ_WRITE);
    }

    static Arg i32(int v) {
        return new I32(v);
    }

    static Arg f32(float v) {
        return new F32(v);
    }
}
