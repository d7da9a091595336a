package io.tessera.cli;

import io.tessera.nn.checkpoint.BatchCounter;
import io.tessera.nn.checkpoint.NameScheme;
import io.tessera.nn.checkpoint.SafeTensors;
import io.tessera.nn.checkpoint.StDType;
import io.tessera.nn.checkpoint.StTensor;
import io.tessera.nn.checkpoint.StateDict;
import io.tessera.nn.checkpoint.torch.TorchCheckpoint;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code tessera convert}: rewrites a checkpoint — safetensors, or a PyTorch {@code .pth}/{@code .pt}
 * (zip or legacy, read without Python and refused if its pickle names more than tensors) — as
 * safetensors or as a {@code .pth}, optionally between the official MAE names and timm's ViT names,
 * selecting one sub-model by prefix ({@code teacher.*}) and changing the floating-point storage type.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a checkpoint: .safetensors or PyTorch .pth/.pt in, .safetensors or .pth out (by the output's extension);",
                "optionally between naming schemes (MAE ↔ timm ViT). MAE → timm keeps the encoder and drops mask_token and decoder_*;",
                "timm → MAE drops head.* and fc_norm.*. A .pth is read with a restricted unpickler (what torch.load(weights_only=True)",
                "allows); its state dict is checkpoint['model'] when present, else the top level (--key picks another).",
                "Examples: tessera convert mae_pretrain_vit_base.pth mae_vit_base.safetensors",
                "          tessera convert --from mae --to timm --select teacher. rcmae.safetensors vit.safetensors",
                "          tessera convert --select student. --out-key model runs/x/checkpoint-500.safetensors mae.pth"})
public final class ConvertCommand implements Callable<Integer> {
    @Option(names = "--from", description = "Naming scheme of the input: ${COMPLETION-CANDIDATES} (with --to; default: names unchanged).")
    NameScheme from;

    @Option(names = "--to", description = "Naming scheme of the output: ${COMPLETION-CANDIDATES} (with --from).")
    NameScheme to;

    @Option(names = "--select", description = "Keep only tensors whose names start with this prefix, and strip it (e.g. 'teacher.').")
    String select;

    @Option(names = "--dtype", description = "Store floating tensors as this type (F32, F16, BF16, F64); default: unchanged.")
    StDType dtype;

    @Option(names = "--key", description = "Key path of the state dict in an input .pth, '/'-separated (e.g. model, state_dict, model_ema);"
            + " '' for the top level; default: model when present, else the top level.")
    String key;

    @Option(names = "--out-key", description = "Nest the state dict of an output .pth under this key path (e.g. model, as MAE's"
            + " fine-tuning code reads checkpoint['model']); default: the top level.")
    String outKey;

    @Parameters(index = "0", description = "Input checkpoint (.safetensors, .pth or .pt; the format is read from the file's bytes).")
    Path input;

    @Parameters(index = "1", description = "Output file, written atomically: .pth or .pt for PyTorch's zip format, anything else safetensors.")
    Path output;

    @Override
    public Integer call() throws Exception {
        if (dtype != null && !dtype.isFloating()) throw new IllegalArgumentException("--dtype must be a floating type, got " + dtype);
        if ((from == null) != (to == null)) throw new IllegalArgumentException("--from and --to go together (give both, or neither to keep the names)");
        boolean torchOut = isTorchName(output);
        if (outKey != null && !torchOut) throw new IllegalArgumentException("--out-key nests a .pth output; " + output + " is written as safetensors");
        StateDict in = StateDict.read(input, key == null ? StateDict.KeyPath.AUTO : StateDict.KeyPath.parse(key));
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
            String mapped = from == null ? name : from.convert(name, to);
            if (mapped == null) {
                dropped++;
                continue;
            }
            StTensor r = new StTensor(mapped, t.dtype(), t.shape(), t.data());
            if (dtype != null && t.dtype().isFloating() && t.dtype() != dtype) r = StTensor.ofFloats(mapped, dtype, t.shape(), t.toFloats());
            out.add(r);
        }
        if (out.isEmpty()) throw new IllegalArgumentException("nothing to write: no tensor of " + input + " matched" + (select == null ? "" : " --select " + select));
        if (torchOut) {
            TorchCheckpoint.write(output, BatchCounter.toTorch(out), outKey == null || outKey.isEmpty() ? List.of() : StateDict.KeyPath.parse(outKey).keys());
        } else {
            SafeTensors.write(output, out, metadata(in));
        }
        System.out.printf("read %s (%s%s); wrote %s: %d tensors (%d without a counterpart in %s dropped, %d outside the selection skipped)%n",
                input, in.format().name().toLowerCase(Locale.ROOT), in.format() == StateDict.Format.SAFETENSORS ? "" : ", state dict at "
                        + (in.keyPath().isEmpty() ? "the top level" : String.join("/", in.keyPath())),
                output, out.size(), dropped, to == null ? "the output" : to.name().toLowerCase(Locale.ROOT), skipped);
        return 0;
    }

    private Map<String, String> metadata(StateDict in) {
        Map<String, String> md = new LinkedHashMap<>(in.metadata());
        if (from != null) md.put("converted", from.name().toLowerCase(Locale.ROOT) + " -> " + to.name().toLowerCase(Locale.ROOT));
        if (in.format() != StateDict.Format.SAFETENSORS) {
            md.put("source", input.getFileName() + " (" + in.format().name().toLowerCase(Locale.ROOT) + ", state dict at "
                    + (in.keyPath().isEmpty() ? "the top level" : String.join("/", in.keyPath())) + ")");
        }
        return md;
    }

    private static boolean isTorchName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".pth") || n.endsWith(".pt");
    }
}
