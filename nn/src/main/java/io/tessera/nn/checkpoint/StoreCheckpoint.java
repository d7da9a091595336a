package io.tessera.nn.checkpoint;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.tensor.DType;
import io.tessera.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * Moves a {@link ParameterStore} to and from safetensors files by name. Loading checks every
 * name and shape first and changes nothing unless the whole file fits, so a bad file never
 * leaves a half-loaded model. Values are converted from any floating dtype of the file.
 */
public final class StoreCheckpoint {
    private StoreCheckpoint() {
    }

    /** Every entry of the store (parameters, then buffers) as F32 tensors, under renamed keys. */
    public static List<StTensor> tensors(ParameterStore store, UnaryOperator<String> rename) {
        List<StTensor> out = new ArrayList<>();
        for (Parameter p : store.entries()) {
            out.add(StTensor.ofFloats(rename.apply(p.name()), StDType.F32, longs(p.shape().dims()), p.tensor().toFloatArray()));
        }
        return out;
    }

    /** Saves every entry as F32 under its own name, atomically, with string metadata. */
    public static void save(ParameterStore store, Path path, Map<String, String> metadata) throws IOException {
        SafeTensors.write(path, tensors(store, UnaryOperator.identity()), metadata);
    }

    /** How strictly names must match when loading. */
    public enum Match {
        /** Every store entry must be in the file and every file tensor in the store. */
        EXACT,
        /** Every store entry must be in the file; extra file tensors are ignored (e.g. a decoder). */
        STORE_ENTRIES
    }

    /**
     * Loads a file into the store: file names pass through {@code rename} first (null drops a
     * tensor from consideration). Throws a
     * {@link CheckpointFormatException} listing every missing, unexpected or mis-shaped entry
     * before writing anything.
     */
    public static SafeTensors.Contents load(ParameterStore store, Path path, Match match, UnaryOperator<String> rename) throws IOException {
        SafeTensors.Contents c = SafeTensors.read(path);
        Map<String, StTensor> byName = new LinkedHashMap<>();
        for (StTensor t : c.tensors()) {
            String n = rename.apply(t.name());
            if (n != null) byName.put(n, t);
        }
        List<String> problems = new ArrayList<>();
        for (Parameter p : store.entries()) {
            StTensor t = byName.get(p.name());
            if (t == null) {
                problems.add("missing " + p.name() + " " + p.shape());
            } else if (!Arrays.equals(t.shape(), longs(p.shape().dims()))) {
                problems.add(p.name() + " has shape " + Arrays.toString(t.shape()) + " in the file, the model needs " + p.shape());
            } else if (!t.dtype().isFloating()) {
                problems.add(p.name() + " is " + t.dtype() + " in the file, a floating type is needed");
            }
        }
        if (match == Match.EXACT) {
            for (String n : byName.keySet()) if (!store.contains(n)) problems.add("unexpected " + n);
        }
        if (!problems.isEmpty()) {
            List<String> shown = problems.subList(0, Math.min(8, problems.size()));
            throw new CheckpointFormatException(path, 0, problems.size() + " problem(s) matching the model: " + String.join("; ", shown)
                    + (problems.size() > shown.size() ? "; and " + (problems.size() - shown.size()) + " more" : ""));
        }
        for (Parameter p : store.entries()) {
            Tensor dst = p.tensor();
            StTensor t = byName.get(p.name());
            if (dst.dtype() == DType.F64) dst.backend().write(dst, t.toDoubles());
            else dst.backend().write(dst, t.toFloats());
        }
        return c;
    }

    private static long[] longs(int[] d) {
        long[] l = new long[d.length];
        for (int i = 0; i < d.length; i++) l[i] = d[i];
        return l;
    }
}
