package io.tessera.tensor.cpu;

import io.tessera.tensor.spi.Backend;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The kernel catalog: every compute kernel of the Backend contract has a scalar reference and
 * a Vector API version on the CPU, so a missing implementation shows here, not in review.
 */
class KernelCatalogTest {
    /** Memory and bookkeeping methods (and the fusedAttention property) that have no separate SIMD version on purpose. */
    private static final Set<String> CPU_ONLY = Set.of("name", "device", "allocate", "release", "write",
            "readF32", "readF64", "readI32", "fill", "copy", "close", "fusedAttention");
    /**
     * Fusions whose Backend default composes the kernels above (and whose contract is that
     * composition's bits): the CPU runs the composition; GPU backends override them to save launches.
     */
    private static final Set<String> COMPOSED = Set.of("matmulBias", "matmulBiasGelu", "matmulHalf", "sumRowsHalf", "addLayerNorm", "adamwUpdateSegments", "attentionPackedLse", "attentionPackedLseBackward");

    @Test
    void everyKernelHasReferenceAndSimdVersions() throws Exception {
        List<String> missing = new ArrayList<>();
        for (Method m : Backend.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || CPU_ONLY.contains(m.getName()) || COMPOSED.contains(m.getName())) continue;
            Method ref = ReferenceBackend.class.getMethod(m.getName(), m.getParameterTypes());
            if (ref.getDeclaringClass() != ReferenceBackend.class) missing.add("reference " + m.getName());
            Method simd = CpuBackend.class.getMethod(m.getName(), m.getParameterTypes());
            if (simd.getDeclaringClass() != CpuBackend.class) missing.add("simd " + m.getName());
        }
        assertThat(missing).as("kernels without a reference or SIMD version").isEmpty();
        for (String name : COMPOSED) {
            Method m = java.util.Arrays.stream(Backend.class.getMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
            assertThat(m.isDefault()).as(name + " is composed by a Backend default").isTrue();
        }
    }
}
