package io.tessera.tensor;

/**
 * A place where tensors live and kernels run.
 *
 * @param kind  the runtime family
 * @param index the device index within that runtime (0 for the CPU)
 * @param name  a human-readable name, e.g. the GPU's product name
 */
public record Device(Kind kind, int index, String name) {
    /** Runtime families. */
    public enum Kind { CPU, OPENCL, CUDA }

    /** The host CPU. */
    public static final Device CPU = new Device(Kind.CPU, 0, "cpu");

    @Override
    public String toString() {
        return kind == Kind.CPU ? "cpu" : kind.name().toLowerCase() + ":" + index + " (" + name + ")";
    }
}
