/*
 * The CUDA dialect of every kernel source, compiled for real: each .kc assembled with the CUDA
 * prelude (exactly the text NVRTC receives) is compiled to PTX by clang's CUDA front end, when
 * a clang is on the PATH (Debian's PoCL brings one). Skipped otherwise. This checks that the
 * sources are valid CUDA C; running them needs a CUDA device.
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

    @Test
    void everyKernelSourceCompilesAsCudaC(@TempDir Path dir) throws Exception {
        Optional<Path> clang = findClang();
        Assumptions.assumeTrue(clang.isPresent(), "no clang on the PATH to compile the CUDA dialect");
        Path shim = dir.resolve("cuda_shim.h");
        try (InputStream in = getClass().getResourceAsStream("cuda_shim.h")) {
            Files.write(shim, in.readAllBytes());
        }
        record Variant(Kernels kernel, Defines defines) {
        }
        List<Variant> variants = List.of(
                new Variant(Kernels.UNARY_FORWARD, Defines.none()),
                new Variant(Kernels.SOFTMAX_FORWARD, Defines.of("WG", 128)),
                new Variant(Kernels.LAYERNORM_FORWARD, Defines.of("WG", 128).with("AFFINE", 1)),
                new Variant(Kernels.LAYERNORM_FORWARD, Defines.of("WG", 128).with("AFFINE", 0)),
                new Variant(Kernels.SOFTMAX_BACKWARD, Defines.of("WG", 128)),
                new Variant(Kernels.LAYERNORM_BACKWARD_DX, Defines.of("WG", 128).with("AFFINE", 1)),
                new Variant(Kernels.LAYERNORM_BACKWARD_DX, Defines.of("WG", 128).with("AFFINE", 0)),
                new Variant(Kernels.LAYERNORM_BACKWARD_PARTIALS, Defines.of("WG", 128).with("AFFINE", 0)),
                new Variant(Kernels.LAYERNORM_BACKWARD_PARTIALS, Defines.of("WG", 64).with("AFFINE", 1).with("LANES", 4)),
                new Variant(Kernels.COLUMN_SUM_ACCUMULATE, Defines.of("WG", 128).with("AFFINE", 1)),
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
                new Variant(Kernels.ADAMW_UPDATE, Defines.none()),
                new Variant(Kernels.MOMENTUM_UPDATE, Defines.none()),
                new Variant(Kernels.SGEMM, SgemmTiling.standard(false, true).defines()),
                new Variant(Kernels.SGEMM, SgemmTiling.standard(true, false).defines()),
                new Variant(Kernels.SGEMM, SgemmTiling.small(false, false).defines()),
                new Variant(Kernels.SGEMM, SgemmTiling.small(true, true).defines()),
                new Variant(Kernels.SGEMM_LARGE, Defines.of("TRANS_A", 0).with("TRANS_B", 0)),
                new Variant(Kernels.SGEMM_LARGE, Defines.of("TRANS_A", 1).with("TRANS_B", 1)),
                new Variant(Kernels.BINARY_FORWARD, Defines.none()),
                new Variant(Kernels.AFFINE_FORWARD, Defines.none()),
                new Variant(Kernels.ACCUMULATE, Defines.none()),
                new Variant(Kernels.UNARY_BACKWARD, Defines.none()),
                new Variant(Kernels.BINARY_BACKWARD, Defines.none()),
                new Variant(Kernels.SUM_TO, Defines.of("WG", 256)),
                new Variant(Kernels.SUM_TO_SERIAL, Defines.none()),
                new Variant(Kernels.MAX_ALONG, Defines.none()),
                new Variant(Kernels.STRIDED_COPY, Defines.of("ELEM_INT", 0)),
                new Variant(Kernels.STRIDED_COPY, Defines.of("ELEM_INT", 1)),
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
            Path cu = dir.resolve(v.kernel().file() + "." + run + ".cu");
            Files.writeString(cu, v.kernel().source().assemble(Dialect.CUDA));
            Path ptx = dir.resolve(v.kernel().file() + "." + run++ + ".ptx");
            List<String> cmd = new ArrayList<>(List.of(clang.get().toString(), "-x", "cuda", "--cuda-device-only", "-nocudainc", "-nocudalib",
                    "--cuda-gpu-arch=sm_70", "-Wno-unknown-cuda-version", "-include", shim.toString(), "-S", "-o", ptx.toString()));
            cmd.addAll(v.defines().flags());
            cmd.add(cu.toString());
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("clang finished").isTrue();
            assertThat(p.exitValue()).as(v.kernel().file() + " " + v.defines() + " as CUDA C:\n" + log).isZero();
            String code = Files.readString(ptx);
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
