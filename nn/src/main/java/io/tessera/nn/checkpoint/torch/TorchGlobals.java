// The allow-list of a restricted unpickle: the globals torch.load(..., weights_only=True) accepts
// and that a state dict of dense tensors needs (OrderedDict, the tensor and parameter rebuilds,
// torch.Size, typed storages, dtypes). A name is compared as text and mapped to a Tessera value;
// nothing is ever looked up by name. Everything else is refused, naming the global and what it
// usually is; globals torch allows but Tessera cannot represent (sparse, quantised, meta tensors)
// are refused as unsupported.
package io.tessera.nn.checkpoint.torch;

import io.tessera.nn.checkpoint.CheckpointFormatException;
import io.tessera.nn.checkpoint.UnsafePickleException;

import java.nio.file.Path;
import java.util.Set;

/** Resolution of a pickle's GLOBAL / STACK_GLOBAL to an allowed value. */
final class TorchGlobals {
    private TorchGlobals() {
    }

    /** The callables a pickle may REDUCE (or NEWOBJ, for Parameter). */
    enum Function {
        ORDERED_DICT("collections.OrderedDict"),
        REBUILD_TENSOR_V2("torch._utils._rebuild_tensor_v2"),
        REBUILD_TENSOR("torch._utils._rebuild_tensor"),
        REBUILD_PARAMETER("torch._utils._rebuild_parameter"),
        REBUILD_PARAMETER_WITH_STATE("torch._utils._rebuild_parameter_with_state"),
        PARAMETER("torch.nn.parameter.Parameter"),
        SIZE("torch.Size");

        final String qualified;

        Function(String qualified) {
            this.qualified = qualified;
        }

        @Override
        public String toString() {
            return qualified;
        }
    }

    private static final Set<String> DTYPES = Set.of("float16", "float32", "float64", "bfloat16", "int8", "int16", "int32", "int64",
            "uint8", "bool", "complex32", "complex64", "complex128");

    /** Allowed by torch's weights_only loader, but with no dense-tensor meaning in Tessera. */
    private static final Set<String> UNSUPPORTED = Set.of("torch._utils._rebuild_sparse_tensor", "torch._utils._rebuild_sparse_csr_tensor",
            "torch._utils._rebuild_meta_tensor_no_storage", "torch._utils._rebuild_qtensor", "torch._utils._rebuild_nested_tensor",
            "torch._utils._rebuild_wrapper_subclass", "torch._utils._rebuild_device_tensor_from_numpy", "torch._utils._rebuild_tensor_v3",
            "torch.serialization._get_layout", "torch.Tensor", "torch.device");

    /**
     * The value of {@code module.name}: a {@link Function}, a {@link StorageType} or a
     * {@link Pickled.TorchDType}. Throws {@link UnsafePickleException} for any other global and a
     * {@link CheckpointFormatException} for one torch allows but Tessera does not read.
     */
    static Object resolve(String module, String name, Path path, long at, String where) {
        String q = module + "." + name;
        for (Function f : Function.values()) if (f.qualified.equals(q)) return f;
        if (module.equals("torch") || module.equals("torch.cuda")) {
            StorageType st = name.endsWith("Storage") ? StorageType.byClassName(name) : null;
            if (st != null) return st;
            if (module.equals("torch") && DTYPES.contains(name)) return new Pickled.TorchDType(q);
            if (name.endsWith("Storage")) {
                throw new CheckpointFormatException(path, at, where + "storage class " + shown(q) + " (complex, quantised or float8) is not supported;"
                        + " Tessera reads F64/F32/F16/BF16 and integer/bool storages");
            }
            if (name.endsWith("Tensor") && !name.equals("Tensor")) {
                throw new CheckpointFormatException(path, at, where + shown(q) + " is a legacy tensor pickle (before torch 0.4), not supported;"
                        + " load it in PyTorch and save it again");
            }
        }
        if (UNSUPPORTED.contains(q)) {
            throw new CheckpointFormatException(path, at, where + "global " + q + " is allowed by torch.load(weights_only=True) but not supported here"
                    + " (only dense tensors are read)");
        }
        throw new UnsafePickleException(path, at, q, where + "refused global " + shown(q) + ": a .pth may only name tensor and parameter rebuilds,"
                + " typed storages, collections.OrderedDict, torch.Size and dtypes (what torch.load(weights_only=True) allows)" + hint(module, q));
    }

    /** What a refused global usually means, and what to do. */
    private static String hint(String module, String q) {
        if (q.equals("argparse.Namespace")) {
            return "; this is a training script's arguments: re-save only the weights, e.g. torch.save({'model': ckpt['model']}, path)";
        }
        if (module.startsWith("numpy")) return "; the file holds NumPy objects: re-save without them (tensors and plain numbers only)";
        if (module.startsWith("torch.nn.modules") || module.equals("__main__") || module.startsWith("timm.") || module.startsWith("models_")) {
            return "; the file holds a whole model object (torch.save(model)): save model.state_dict() instead";
        }
        if (Set.of("posix", "nt", "os", "subprocess", "builtins", "__builtin__", "sys", "shutil", "socket", "pty", "runpy").contains(module.split("\\.")[0])) {
            return "; unpickling this file with pickle or torch.load(weights_only=False) would call it, i.e. run code from the file";
        }
        return "";
    }

    /** A name as printed: control characters escaped, at most 120 characters. */
    static String shown(String s) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length() && b.length() < 120; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) b.append(String.format("\\x%02x", (int) c));
            else b.append(c);
        }
        return s.length() > 120 ? b + "…" : b.toString();
    }
}
