/*
 * The CUDA dialect of every kernel source, compiled for real: each .kc assembled with the CUDA
 * prelude (exactly the text NVRTC receives) is compiled to PTX by clang's CUDA front end, when
 * a clang is on the PATH (Debian's PoCL brings one). Skipped otherwise. This checks that the
 * sources are valid CUDA C; running them needs a CUDA device. The fused attention kernels are
 * also checked to declare exactly the shared memory AttentionTiling counts, within its budget.
 */
package io.tessera.gpu;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class CudaDialectTest {

    /** The clang on the PATH and the shim header written to {@code dir}; skips the test without a clang. */
    private Path[] clangAndShim(Path dir) throws IOException {
        Optional<Path> clang = findClang();
        Assumptions.assumeTrue(clang.isPresent(), "no clang on the PATH to compile the CUDA dialect");
        Path shim = dir.resolve("cuda_shim.h");
        try (InputStream in = getClass().getResourceAsStream("cuda_shim.h")) {
            Files.write(shim, in.readAllBytes());
        }
        return new Path[]{clang.get(), shim};
    }

    /** The PTX of {@code kernel}'s file built as CUDA C with {@code defines} (the test fails with clang's log otherwise). */
    private static String ptx(Path[] clangAndShim, Path dir, Kernels kernel, Defines defines, int run) throws Exception {
        Path cu = dir.resolve(kernel.file() + "." + run + ".cu");
        Files.writeString(cu, kernel.source().assemble(Dialect.CUDA));
        Path ptx = dir.resolve(kernel.file() + "." + run + ".ptx");
        List<String> cmd = new ArrayList<>(List.of(clangAndShim[0].toString(), "-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib",
                "--cuda-gpu-arch=sm_70", "-Wno-unknown-cuda-version", "-include", clangAndShim[1].toString(), "-S", "-o", ptx.toString()));
        cmd.addAll(defines.flags());
        cmd.add(cu.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("clang finished").isTrue();
        assertThat(p.exitValue()).as(kernel.file() + " " + defines + " as CUDA C:\n" + log).isZero();
        return Files.readString(ptx);
    }

    @Test
    void attentionKernelsDeclareTheSharedMemoryTheirTilingCounts(@TempDir Path dir) throws Exception {
        Path[] tools = clangAndShim(dir);
        java.util.regex.Pattern shared = java.util.regex.Pattern.compile("\\.shared \\.align \\d+ \\.b8 _ZZ\\d+(\\w+?)E\\d+\\w+\\[(\\d+)]");
        int run = 0;
        for (int dh : new int[]{16, 64, 128, 1000}) {
            for (boolean backward : new boolean[]{false, true}) {
                AttentionTiling tl = AttentionTiling.choose(dh, backward, 1024);
                Kernels kernel = backward ? Kernels.ATTENTION_BACKWARD_DKDV : Kernels.ATTENTION_FORWARD;
                Map<String, Integer> bytes = new LinkedHashMap<>();
                java.util.regex.Matcher m = shared.matcher(ptx(tools, dir, kernel, tl.defines(), run++));
                while (m.find()) bytes.merge(m.group(1), Integer.parseInt(m.group(2)), Integer::sum);
                assertThat(bytes).as("shared arrays of " + tl).containsKey(kernel.function());
                assertThat(bytes.get(kernel.function())).as(kernel.function() + " with " + tl)
                        .isEqualTo(4 * AttentionTiling.localFloats(dh, tl.bq(), tl.bk(), backward));
                for (var e : bytes.entrySet()) {
                    assertThat(e.getValue()).as(e.getKey() + " with " + tl + " fits the 30 KB budget").isLessThanOrEqualTo(4 * AttentionTiling.LOCAL_FLOATS);
                }
            }
        }
    }

    @Test
    void everyKernelSourceCompilesAsCudaC(@TempDir Path dir) throws Exception {
        Path[] tools = clangAndShim(dir);
        record Variant(Kernels kernel, Defines defines) {
        }
        List<Variant> variants = List.of(
                new Variant(Kernels.UNARY_FORWARD, Defines.none()),
                new Variant(Kernels.SOFTMAX_FORWARD, Defines.of("WG", 128)),
                new Variant(Kernels.LAYERNORM_FORWARD, Defines.of("WG", 128).with("AFFINE", 1)),
                new Variant(Kernels.LAYERNORM_FORWARD, Defines.of("WG", 128).with("AFFINE", 0)),
                new Variant(Kernels.LAYERNORM_FORWARD, Defines.of("WG", 128).with("AFFINE", 1).with("RESIDUAL", 1)),
                new Variant(Kernels.SOFTMAX_BACKWARD, Defines.of("WG", 128)),
                new Variant(Kernels.LAYERNORM_BACKWARD_DX, Defines.of("WG", 128).with("AFFINE", 1)),
                new Variant(Kernels.LAYERNORM_BACKWARD_DX, Defines.of("WG", 128).with("AFFINE", 0)),
                new Variant(Kernels.LAYERNORM_BACKWARD_PARTIALS, Defines.of("WG", 128).with("AFFINE", 0)),
                new Variant(Kernels.LAYERNORM_BACKWARD_PARTIALS, Defines.of("WG", 64).with("AFFINE", 1).with("LANES", 4)),
                new Variant(Kernels.COLUMN_SUM_ACCUMULATE, Defines.of("WG", 128).with("AFFINE", 1)),
                new Variant(Kernels.COLUMN_SUM_ACCUMULATE_PAIR, Defines.of("WG", 128).with("AFFINE", 1)),
                new Variant(Kernels.BATCHNORM_TRAIN_FORWARD, Defines.none()),
                new Variant(Kernels.BATCHNORM_TRAIN_FORWARD, Defines.of("LANES", 4)),
                new Variant(Kernels.BATCHNORM_EVAL_FORWARD, Defines.none()),
                new Variant(Kernels.BATCHNORM_TRAIN_BACKWARD, Defines.none()),
                new Variant(Kernels.BATCHNORM_EVAL_BACKWARD, Defines.none()),
                new Variant(Kernels.L2NORM_FORWARD, Defines.of("WG", 128)),
                new Variant(Kernels.L2NORM_BACKWARD, Defines.of("WG", 128)),
                new Variant(Kernels.CROSS_ENTROPY_FORWARD, Defines.of("WG", 128)),
                new Variant(Kernels.CROSS_ENTROPY_BACKWARD, Defines.of("WG", 128)),
                new Variant(Kernels.MASKED_MSE_ROWS, Defines.of("WG", 128)),
                new Variant(Kernels.MASKED_MSE_REDUCE, Defines.of("WG", 128)),
                new Variant(Kernels.MASKED_MSE_BACKWARD, Defines.of("WG", 128)),
                new Variant(Kernels.ATTENTION_FORWARD, AttentionTiling.choose(64, false, 1024).defines()),
                new Variant(Kernels.ATTENTION_FORWARD, AttentionTiling.choose(128, false, 1024).defines()),
                new Variant(Kernels.ATTENTION_FORWARD, AttentionTiling.choose(17, false, 1024).defines()),
                new Variant(Kernels.ATTENTION_BACKWARD_DELTA, AttentionTiling.choose(64, true, 1024).defines()),
                new Variant(Kernels.ATTENTION_BACKWARD_DKDV, AttentionTiling.choose(64, true, 1024).defines()),
                new Variant(Kernels.ATTENTION_BACKWARD_DQ, AttentionTiling.choose(64, true, 1024).defines()),
                new Variant(Kernels.ATTENTION_BACKWARD_DKDV, AttentionTiling.choose(128, true, 1024).defines()),
                new Variant(Kernels.ATTENTION_BACKWARD_DQ, AttentionTiling.choose(128, true, 1024).defines()),
                new Variant(Kernels.ADAMW_UPDATE, Defines.none()),
                new Variant(Kernels.ADAMW_UPDATE_CHUNKS, Defines.none()),
                new Variant(Kernels.MOMENTUM_UPDATE, Defines.none()),
                new Variant(Kernels.SGEMM, SgemmTiling.standard(false, true).defines()),
                new Variant(Kernels.SGEMM, SgemmTiling.standard(true, false).defines()),
                new Variant(Kernels.SGEMM, SgemmTiling.small(false, false).defines()),
                new Variant(Kernels.SGEMM, SgemmTiling.small(true, true).defines()),
                new Variant(Kernels.SGEMM_LARGE, Defines.of("TRANS_A", 0).with("TRANS_B", 0)),
                new Variant(Kernels.SGEMM_LARGE, Defines.of("TRANS_A", 1).with("TRANS_B", 1)),
                new Variant(Kernels.SGEMM_LARGE, Defines.of("TRANS_A", 0).with("TRANS_B", 1).with("BIAS", 1)),
                new Variant(Kernels.SGEMM_LARGE, Defines.of("TRANS_A", 0).with("TRANS_B", 1).with("BIAS", 1).with("HALF_IN", 1).with("ROUND_OUT", 1)),
                new Variant(Kernels.SGEMM, SgemmTiling.standard(true, false).defines().with("HALF_IN", 1).with("ROUND_OUT", 1)),
                new Variant(Kernels.ROUND_F32_TO_BF16, Defines.of("ELEM_INT", 0)),
                new Variant(Kernels.SGEMM_LARGE, Defines.of("TRANS_A", 1).with("TRANS_B", 0).with("HALF_IN", 2).with("ROUND_OUT", 2)),
                new Variant(Kernels.SGEMM, SgemmTiling.small(false, true).defines().with("BIAS", 1).with("HALF_IN", 2).with("ROUND_OUT", 2)),
                new Variant(Kernels.ROUND_F32_TO_F16, Defines.of("ELEM_INT", 0)),
                new Variant(Kernels.CONVERT_F32_TO_F16, Defines.of("ELEM_INT", 0)),
                new Variant(Kernels.CONVERT_F16_TO_F32, Defines.of("ELEM_INT", 0)),
                new Variant(Kernels.SGEMM, SgemmTiling.small(false, true).defines().with("BIAS", 1)),
                new Variant(Kernels.SGEMM, SgemmTiling.standard(false, true).defines().with("BIAS", 1).with("GELU_OUT", 1)),
                new Variant(Kernels.SGEMM_LARGE, Defines.of("TRANS_A", 0).with("TRANS_B", 1).with("BIAS", 1).with("GELU_OUT", 1)),
                new Variant(Kernels.BINARY_FORWARD, Defines.none()),
                new Variant(Kernels.AFFINE_FORWARD, Defines.none()),
                new Variant(Kernels.ACCUMULATE, Defines.none()),
                new Variant(Kernels.UNARY_BACKWARD, Defines.none()),
                new Variant(Kernels.BINARY_BACKWARD, Defines.none()),
                new Variant(Kernels.SUM_TO, Defines.of("WG", 256)),
                new Variant(Kernels.SUM_TO_SERIAL, Defines.none()),
                new Variant(Kernels.COLUMN_SUMS, Defines.of("LANES", 8)),
                new Variant(Kernels.COLUMN_SUMS, Defines.of("LANES", 8).with("HALF_IN", 1)),
                new Variant(Kernels.COLUMN_SUMS, Defines.of("LANES", 8).with("HALF_IN", 2)),
                new Variant(Kernels.COLUMN_SUMS_FINISH, Defines.of("LANES", 8)),
                new Variant(Kernels.MAX_ALONG, Defines.none()),
                new Variant(Kernels.STRIDED_COPY, Defines.of("ELEM_INT", 0)),
                new Variant(Kernels.STRIDED_COPY, Defines.of("ELEM_INT", 1)),
                new Variant(Kernels.STRIDED_COPY_RUNS, Defines.of("ELEM_INT", 0)),
                new Variant(Kernels.STRIDED_COPY_RUNS, Defines.of("ELEM_INT", 1)),
                new Variant(Kernels.CONVERT_F32_TO_I32, Defines.of("ELEM_INT", 0)),
                new Variant(Kernels.CONVERT_I32_TO_F32, Defines.of("ELEM_INT", 0)),
                new Variant(Kernels.INDEX_CHECK, Defines.of("ELEM_INT", 0)),
                new Variant(Kernels.GATHER, Defines.of("ELEM_INT", 0)),
                new Variant(Kernels.GATHER, Defines.of("ELEM_INT", 1)),
                new Variant(Kernels.SCATTER_ADD, Defines.of("ELEM_INT", 0)),
                new Variant(Kernels.SCATTER_ADD, Defines.of("ELEM_INT", 1)));
        // one clang run per (file, defines): every listed kernel of it must be in the PTX
        Map<String, List<Variant>> builds = new LinkedHashMap<>();
        for (Variant v : variants) builds.computeIfAbsent(v.kernel().file() + " " + v.defines(), key -> new ArrayList<>()).add(v);
        int run = 0;
        for (List<Variant> group : builds.values()) {
            Variant v = group.getFirst();
            String code = ptx(tools, dir, v.kernel(), v.defines(), run++);
            for (Variant each : group) {
                assertThat(code).as("PTX entry point of " + each.kernel() + " " + each.defines()).contains(".entry " + each.kernel().function());
            }
        }
    }

    private static Optional<Path> findClang() throws IOException {
        String path = System.getenv("PATH");
        if (path == null) return Optional.empty();
        for (String name : new String[]{"clang", "clang-19", "clang-18", "clang-17", "clang-16", "clang-15", "clang-14"}) {
            for (String d : path.split(File.pathSeparator)) {
                Path c = Path.of(d, name);
                if (Files.isExecutable(c)) return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
