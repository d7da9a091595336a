// What Tessera writes as .pth, PyTorch reads: Debian's torch (python3-torch) loads the files with
// torch.load(..., weights_only=True) — plain and zip64 layouts, every dtype, 0-d and empty tensors,
// a state dict nested under 'model' — and reports for each tensor the dtype, shape and SHA-256 of
// its bytes, which must be those Tessera wrote. Skipped where no python3 with torch is installed.
package io.tessera.nn.checkpoint.torch;

import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.StDType;
import io.tessera.nn.checkpoint.StTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TorchInteropTest {
    static final Path PYTHON = Path.of("/usr/bin/python3");
    static final String SCRIPT = String.join("\n",
            "import hashlib, json, sys, torch",
            "out = {}",
            "for path in sys.argv[1:]:",
            "    obj = torch.load(path, weights_only=True)",
            "    sd = obj['model'] if 'model' in obj else obj",
            "    res = {}",
            "    for k, t in sd.items():",
            "        c = t.contiguous()",
            "        b = (c.view(torch.int16) if c.dtype == torch.bfloat16 else c).numpy().tobytes()",
            "        res[k] = [str(t.dtype), list(t.shape), hashlib.sha256(b).hexdigest(), type(sd).__name__]",
            "    out[path] = res",
            "print(json.dumps(out))");
    static final Map<StDType, String> TORCH = Map.of(StDType.F32, "torch.float32", StDType.F64, "torch.float64", StDType.F16, "torch.float16",
            StDType.BF16, "torch.bfloat16", StDType.I64, "torch.int64", StDType.I32, "torch.int32", StDType.I16, "torch.int16",
            StDType.I8, "torch.int8", StDType.U8, "torch.uint8", StDType.BOOL, "torch.bool");

    @TempDir
    Path dir;

    @Test
    void torchLoadsWhatTesseraWritesWithWeightsOnly() throws Exception {
        assumeTrue(Files.isExecutable(PYTHON), "no " + PYTHON);
        List<StTensor> tensors = TorchCheckpointTest.everyDtype();
        Path plain = dir.resolve("plain.pth"), zip64 = dir.resolve("zip64.pth"), flat = dir.resolve("flat.pt");
        TorchWriter.write(plain, tensors, List.of("model"), false);
        TorchWriter.write(zip64, tensors, List.of("model"), true);
        TorchWriter.write(flat, tensors, List.of(), false);
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", SCRIPT, plain.toString(), zip64.toString(), flat.toString())
                .redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assumeTrue(!text.contains("No module named 'torch'"), "python3 has no torch");
        assertThat(p.exitValue()).as(text).isZero();
        String json = text.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow();
        Map<?, ?> all = (Map<?, ?>) Json.parse(json);
        for (Path f : List.of(plain, zip64, flat)) {
            Map<?, ?> got = (Map<?, ?>) all.get(f.toString());
            assertThat(got.keySet().stream().map(Object::toString).toList()).as(f.toString()).containsExactlyElementsOf(tensors.stream().map(StTensor::name).toList());
            for (StTensor t : tensors) {
                List<?> g = (List<?>) got.get(t.name());
                assertThat(g.get(0)).as(t.name()).isEqualTo(TORCH.get(t.dtype()));
                assertThat(((List<?>) g.get(1)).stream().map(o -> (Long) o).toList()).as(t.name())
                        .containsExactlyElementsOf(java.util.Arrays.stream(t.shape()).boxed().toList());
                assertThat(g.get(2)).as(t.name()).isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(t.data())));
                assertThat(g.get(3)).isEqualTo("OrderedDict");
            }
        }
    }
}
