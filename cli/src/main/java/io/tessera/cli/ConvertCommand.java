package io.tessera.cli;

import io.tessera.nn.checkpoint.NameScheme;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StDType;
import io.tessera.nn.checkpoint.StTensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tessera convert}: rewrites a safetensors checkpoint between the official MAE names and
 * timm's ViT names, optionally selecting one sub-model by prefix (a checkpoint holding
 * {@code teacher.*} and {@code student.*}) and changing the floating-point storage type.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a safetensors checkpoint between naming schemes (MAE ↔ timm ViT).",
                "MAE → timm keeps the encoder and drops mask_token and decoder_*; timm → MAE drops head.* and fc_norm.*.",
                "Example: tessera convert --from mae --to timm --select teacher. rcmae.safetensors vit.safetensors"})
public final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--from", required = true, description = "Naming scheme of the input: ${COMPLETION-CANDIDATES}.")
    NameScheme from;

    @Option(names = "--to", required = true, description = "Naming scheme of the output: ${COMPLETION-CANDIDATES}.")
    NameScheme to;

    @Option(names = "--select", description = "Keep only tensors whose names start with this prefix, and strip it (e.g. 'teacher.').")
    String select;

    @Option(names = "--dtype", description = "Store floating tensors as this type (F32, F16, BF16, F64); default: unchanged.")
    StDType dtype;

    @Parameters(index = "0", description = "Input .safetensors file.")
    Path input;

    @Parameters(index = "1", description = "Output .safetensors file (written atomically).")
    Path output;

    @Override
    public Integer call() throws Exception {
        if (dtype != null && !dtype.isFloating()) throw new IllegalArgumentException("--dtype must be a floating type, got " + dtype);
        SafeTensors.Contents in = SafeTensors.read(input);
        List<StTensor> out = new ArrayList<>();
        int dropped = 0, skipped = 0;
        for (StTensor t : in.tensors()) {
            String name = t.name();
            if (select != null) {
                if (!name.startsWith(select)) {
                    skipped++;
                    continue;
                }
                name = name.substring(select.length());
            }
            String mapped = from.convert(name, to);
            if (mapped == null) {
                dropped++;
                continue;
            }
            StTensor r = new StTensor(mapped, t.dtype(), t.shape(), t.data());
            if (dtype != null && t.dtype().isFloating() && t.dtype() != dtype) r = StTensor.ofFloats(mapped, dtype, t.shape(), t.toFloats());
            out.add(r);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("nothing to write: no tensor of " + input + " matched" + (select == null ? "" : " --select " + select));
        Map<String, String> md = new LinkedHashMap<>(in.metadata());
        md.put("converted", from.name().toLowerCase() + " -> " + to.name().toLowerCase());
        SafeTensors.write(output, out, md);
        System.out.printf("wrote %s: %d tensors (%d without a counterpart in %s dropped, %d outside the selection skipped)%n",
                output, out.size(), dropped, to.name().toLowerCase(), skipped);
        return 0;
    }
}
