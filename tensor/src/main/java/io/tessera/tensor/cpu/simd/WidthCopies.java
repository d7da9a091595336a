package io.tessera.tensor.cpu.simd;

import java.io.IOException;
import java.io.InputStream;
import java.lang.constant.ConstantDescs;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * One copy of a loop class per vector width, so that the species in its loops is a
 * {@code static final} constant (the form C2 compiles to vector instructions; a species held in
 * a field or passed as an argument makes every vector a heap object). A loop class is written
 * once, reads its species with {@link #species}, and is defined here as a hidden class per
 * width from its own class file, with the species as class data. Not a code generator: the
 * bytes are the compiled class, unchanged.
 */
final class WidthCopies {
    private static final ConcurrentHashMap<String, Object> COPIES = new ConcurrentHashMap<>();

    private WidthCopies() {
    }

    /**
     * The copy of loop class {@code template} (same package, a no-argument constructor,
     * implementing {@code api}) for the width of {@code sp}: one per class and width per JVM.
     */
    static <T> T of(Class<T> api, String template, VectorSpecies<Float> sp) {
        Object copy = COPIES.computeIfAbsent(template + "/" + sp.vectorBitSize(), k -> define(template, sp));
        return api.cast(copy);
    }

    /**
     * The copies of {@code template} for 64, 128, 256 and 512 bits, in that order, then the one
     * for the platform's largest shape (one of those, or a wider scalable-vector width).
     */
    static <T> T[] all(Class<T> api, String template, IntFunction<T[]> array) {
        T[] out = array.apply(5);
        for (int i = 0; i < 4; i++) out[i] = of(api, template, VectorSpecies.of(float.class, VectorShape.forBitSize(64 << i)));
        out[4] = of(api, template, VectorSpecies.of(float.class, VectorShape.S_Max_BIT));
        return out;
    }

    /** Index of a width in the array from {@link #all}: 64 → 0, 128 → 1, 256 → 2, 512 → 3, other → 4. */
    static int index(VectorSpecies<Float> sp) {
        return switch (sp.vectorBitSize()) {
            case 64 -> 0;
            case 128 -> 1;
            case 256 -> 2;
            case 512 -> 3;
            default -> 4;
        };
    }

    /** The species of the copy whose lookup this is (the class data given at definition). */
    static VectorSpecies<Float> species(MethodHandles.Lookup lookup) {
        try {
            @SuppressWarnings("unchecked")
            VectorSpecies<Float> sp = MethodHandles.classData(lookup, ConstantDescs.DEFAULT_NAME, VectorSpecies.class);
            // the plain class (loaded by name, never used for computing) has no class data
            return sp != null ? sp : FloatVector.SPECIES_PREFERRED;
        } catch (IllegalAccessException e) {
            throw new IllegalStateException("loop class " + lookup.lookupClass() + " cannot read its species", e);
        }
    }

    private static Object define(String template, VectorSpecies<Float> sp) {
        String file = template + ".class";
        try (InputStream in = WidthCopies.class.getResourceAsStream(file)) {
            if (in == null) throw new IllegalStateException("loop class file " + file + " not found next to " + WidthCopies.class.getName());
            byte[] bytes = in.readAllBytes();
            MethodHandles.Lookup copy = MethodHandles.lookup().defineHiddenClassWithClassData(bytes, sp, true);
            return copy.findConstructor(copy.lookupClass(), MethodType.methodType(void.class)).invoke();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read loop class file " + file, e);
        } catch (Throwable e) {
            throw new IllegalStateException("cannot define the " + sp.vectorBitSize() + "-bit copy of loop class " + template, e);
        }
    }
}
