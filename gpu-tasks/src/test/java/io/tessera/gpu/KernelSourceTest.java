/*
 * Kernel sources without a device: every catalog entry's file loads and defines its function,
 * opens with a header listing its variants, and assembles for both dialects (prelude, #line,
 * source); defines are validated; the program-cache key and disk store behave.
 */
package io.tessera.gpu;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class KernelSourceTest {

    @Test
    void everyCatalogKernelIsDefinedInItsFileWithAVariantsHeader() {
        for (Kernels k : Kernels.values()) {
            String text = k.source().text();
            assertThat(text).as(k + " header").startsWith("/* " + k.file()).contains("Variants");
            assertThat(text).as(k + " function").containsPattern("KERNEL(_BOUNDS\\(\\d+, \\d+\\))? void " + k.function() + "\\(");
            assertThat(text).as(k + " uses only the shared vocabulary")
                    .doesNotContain("__kernel", "__global", "__local", "__shared__", "get_global_id", "threadIdx", "__syncthreads");
        }
    }

    @Test
    void assemblesForBothDialectsWithPreludeAndLineDirective() {
        KernelSource src = Kernels.SGEMM.source();
        String cl = src.assemble(Dialect.OPENCL);
        String cuda = src.assemble(Dialect.CUDA);
        assertThat(cl).contains("#define KERNEL __kernel", "#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)", "#line 1 \"sgemm.kc\"")
                .endsWith(src.text());
        assertThat(cuda).contains("#define KERNEL extern \"C\" __global__", "#define BARRIER() __syncthreads()",
                "#define LOCAL __shared__", "#line 1 \"sgemm.kc\"").endsWith(src.text());
        // every macro the kernels use is defined by both preludes
        for (String macro : new String[]{"KERNEL", "KERNEL_BOUNDS(n, b)", "GLOBAL", "LOCAL", "LOCAL_PTR", "RESTRICT", "DEVICE_FN", "BARRIER()", "GLOBAL_ID(d)", "LOCAL_ID(d)",
                "GROUP_ID(d)", "LOCAL_SIZE(d)", "NUM_GROUPS(d)", "EXPF(x)", "LOGF(x)", "SQRTF(x)", "RSQRTF(x)", "TANHF(x)", "ERFF(x)",
                "FABSF(x)", "FMAXF(a, b)", "FMINF(a, b)", "NEG_INF"}) {
            assertThat(cl).as("OpenCL prelude defines " + macro).contains("#define " + macro);
            assertThat(cuda).as("CUDA prelude defines " + macro).contains("#define " + macro);
        }
        // then the device functions every source shares, before the file itself
        for (String a : new String[]{cl, cuda}) {
            assertThat(a.indexOf("DEVICE_FN float bf16_round(float v)")).as("the common prelude").isPositive().isLessThan(a.indexOf("#line 1 \"sgemm.kc\""));
        }
        assertThat(cl).contains("typedef long index_t;");
        assertThat(cuda).contains("typedef long long index_t;");
    }

    @Test
    void definesAreSortedValidatedFlags() {
        Defines d = Defines.of("WG", 64).with("AFFINE", 1).with("EPS", "0.5");
        assertThat(d.flags()).containsExactly("-DAFFINE=1", "-DEPS=0.5", "-DWG=64");
        assertThat(d.intValue("WG")).isEqualTo(64);
        assertThat(d).isEqualTo(Defines.of("AFFINE", 1).with("WG", 64).with("EPS", "0.5"));
        assertThatThrownBy(() -> Defines.of("bad name", 1)).hasMessageContaining("not a C identifier");
        assertThatThrownBy(() -> Defines.none().with("X", "1 -DY=2")).hasMessageContaining("integer or decimal literal");
        assertThatThrownBy(() -> d.intValue("TM")).hasMessageContaining("TM is not set");
    }

    @Test
    void sgemmTilingValidatesAndGivesItsDefinesAndGrid() {
        SgemmTiling t = SgemmTiling.standard(true, false);
        assertThat(t.defines().flags()).containsExactly("-DRM=4", "-DRN=4", "-DTK=16", "-DTM=64", "-DTN=64", "-DTRANS_A=1", "-DTRANS_B=0");
        Grid g = t.grid(67, 130, 3);
        assertThat(g.global()).containsExactly(3 * 16, 2 * 16, 3);
        assertThat(g.local()).containsExactly(16, 16, 1);
        assertThatThrownBy(() -> new SgemmTiling(64, 64, 16, 3, 4, false, false)).hasMessageContaining("RM dividing TM");
    }

    @Test
    void attentionTilingFitsItsBudgetAndRefusesWiderHeads() {
        // the ViT head widths: forward tiles of 32 x 32 (64 x 32 for narrow heads), backward halved where four tiles must fit
        assertThat(AttentionTiling.choose(64, false, 1024)).isEqualTo(new AttentionTiling(64, 32, 32, 128, false));
        assertThat(AttentionTiling.choose(64, true, 1024)).isEqualTo(new AttentionTiling(64, 32, 16, 128, true));
        assertThat(AttentionTiling.choose(16, false, 1024)).isEqualTo(new AttentionTiling(16, 64, 64, 128, false));
        assertThat(AttentionTiling.choose(128, true, 1024)).isEqualTo(new AttentionTiling(128, 16, 8, 128, true));
        assertThat(AttentionTiling.choose(64, false, 48)).isEqualTo(new AttentionTiling(64, 32, 32, 32, false));
        int widest = AttentionTiling.maxWidth();
        assertThat(widest).isGreaterThanOrEqualTo(1024);
        for (int dh = 1; dh <= widest; dh++) {
            for (boolean backward : new boolean[]{false, true}) {
                AttentionTiling t = AttentionTiling.choose(dh, backward, 256);
                assertThat(AttentionTiling.localFloats(dh, t.bq(), t.bk(), backward)).as("Dh = %d", dh).isLessThanOrEqualTo(AttentionTiling.LOCAL_FLOATS);
                assertThat(t.nt()).isGreaterThanOrEqualTo(t.bq());
            }
        }
        assertThatThrownBy(() -> AttentionTiling.choose(widest + 1, true, 1024))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Dh = " + (widest + 1)).hasMessageContaining("composed attention engine");
        assertThat(AttentionTiling.choose(64, true, 1024).defines().flags())
                .containsExactly("-DBACKWARD=1", "-DBK=16", "-DBQ=32", "-DDH=64", "-DNT=128");
        Grid g = AttentionTiling.choose(64, false, 1024).queryGrid(6, 197);
        assertThat(g.global()).containsExactly(6 * 128, 7);
        assertThat(g.local()).containsExactly(128, 1);
    }

    @Test
    void cacheKeyDependsOnEverythingThatShapesTheBinary() {
        String k = ProgramCache.key(Dialect.OPENCL, "src", "-DWG=64", "dev");
        assertThat(k).hasSize(64).isEqualTo(ProgramCache.key(Dialect.OPENCL, "src", "-DWG=64", "dev"));
        assertThat(k).isNotEqualTo(ProgramCache.key(Dialect.CUDA, "src", "-DWG=64", "dev"))
                .isNotEqualTo(ProgramCache.key(Dialect.OPENCL, "src2", "-DWG=64", "dev"))
                .isNotEqualTo(ProgramCache.key(Dialect.OPENCL, "src", "-DWG=32", "dev"))
                .isNotEqualTo(ProgramCache.key(Dialect.OPENCL, "src", "-DWG=64", "dev2"));
    }

    @Test
    void diskCacheStoresLoadsAndEvicts(@TempDir Path dir) throws Exception {
        ProgramCache cache = ProgramCache.onDisk(dir.resolve("kernels"));
        assertThat(cache.load("abc")).isEmpty();
        cache.store("abc", new byte[]{1, 2, 3});
        assertThat(cache.load("abc")).hasValueSatisfying(b -> assertThat(b).containsExactly(1, 2, 3));
        try (var files = Files.list(dir.resolve("kernels"))) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("abc.bin");
        }
        cache.evict("abc");
        assertThat(cache.load("abc")).isEmpty();
        // a damaged file is a miss, and is removed
        cache.store("def", new byte[]{4, 5, 6, 7});
        Path stored = dir.resolve("kernels").resolve("def.bin");
        byte[] bytes = Files.readAllBytes(stored);
        bytes[bytes.length - 1] ^= 1;
        Files.write(stored, bytes);
        assertThat(cache.load("def")).isEmpty();
        assertThat(stored).doesNotExist();
        Files.write(stored, new byte[]{1, 2});
        assertThat(cache.load("def")).isEmpty();
        assertThat(ProgramCache.memoryOnly().load("abc")).isEmpty();
        assertThat(ProgramCache.defaultDirectory().endsWith(Path.of(".cache", "tessera", "kernels"))).isTrue();
    }

    @Test
    void aConcurrentReaderSeesTheOldOrTheNewBinaryNeverPartOfOne(@TempDir Path dir) throws Exception {
        ProgramCache cache = ProgramCache.onDisk(dir);
        byte[] a = new byte[1 << 18], b = new byte[1 << 18];
        java.util.Arrays.fill(a, (byte) 1);
        java.util.Arrays.fill(b, (byte) 2);
        cache.store("k", a);
        var writer = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            var writes = writer.submit(() -> {
                for (int i = 0; i < 40; i++) cache.store("k", i % 2 == 0 ? b : a);
                return null;
            });
            int reads = 0;
            while (!writes.isDone() || reads < 40) {
                java.util.Optional<byte[]> got = cache.load("k");
                assertThat(got).as("read " + reads).isPresent();
                assertThat(got.get()).as("read " + reads).satisfiesAnyOf(x -> assertThat(x).isEqualTo(a), x -> assertThat(x).isEqualTo(b));
                reads++;
            }
            writes.get();
        } finally {
            writer.shutdownNow();
        }
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).as("no temporary file left").containsExactly("k.bin");
        }
    }

    @Test
    void broadcastStridesFollowNumpyRules() {
        assertThat(Kernels.broadcastStrides(new int[]{3, 4, 5}, new int[]{3, 4, 5})).containsExactly(0, 20, 5, 1);
        assertThat(Kernels.broadcastStrides(new int[]{3, 4, 5}, new int[]{4, 1})).containsExactly(0, 0, 1, 0);
        assertThat(Kernels.broadcastStrides(new int[]{3, 4, 5}, new int[]{3, 1, 5})).containsExactly(0, 5, 0, 1);
        assertThat(Kernels.broadcastStrides(new int[]{2, 3}, new int[]{})).containsExactly(0, 0, 0, 0);
        assertThatThrownBy(() -> Kernels.broadcastStrides(new int[]{3, 4}, new int[]{3})).hasMessageContaining("does not broadcast");
        assertThatThrownBy(() -> Kernels.broadcastStrides(new int[]{1, 2, 3, 4, 5}, new int[]{5})).hasMessageContaining("rank ≤ 4");
    }

    @Test
    void gridsRoundUpToTheGroupSize() {
        assertThat(Grid.cover(1000, 64).global()).containsExactly(1024);
        assertThat(Grid.rows(5, 32).global()).containsExactly(160);
        assertThat(Grid.exact(7).local()).isNull();
        assertThatThrownBy(() -> Grid.cover(0, 64)).hasMessageContaining("must be positive");
    }

    @Test
    void logPositionsInTheAssembledTextAreMappedBackToTheFile() {
        KernelSource src = new KernelSource("broken.kc", "KERNEL void f(GLOBAL float* x, int x_off) {\n    x[0] = oops;\n}\n");
        String assembled = src.assemble(Dialect.OPENCL);
        int line = (int) assembled.lines().takeWhile(l -> !l.contains("oops")).count() + 1; // the assembled line of "oops"
        String log = "<kernel>:" + line + ":12: error: use of undeclared identifier 'oops'";
        assertThat(src.mapLog(log, Dialect.OPENCL)).isEqualTo("broken.kc:2:12: error: use of undeclared identifier 'oops'");
        assertThat(src.mapLog("broken.kc:2:12: error", Dialect.OPENCL)).isEqualTo("broken.kc:2:12: error");
        assertThat(src.mapLog("<kernel>:1:1: warning in the prelude", Dialect.OPENCL)).isEqualTo("<kernel>:1:1: warning in the prelude");
    }
}
