package io.tessera.nn.checkpoint;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;

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
 * name and shape, and that every value is finite (unless told otherwise), and changes nothing
 * unless the whole file passes, so a bad file never leaves a half-loaded model. Values are
 * converted from any floating dtype of the file. A checkpoint with a sidecar is loaded through
 * {@link TrainingCheckpoint}, which also checks the file's SHA-256.
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
     * Loads a file into the store, refusing NaN or infinite values: file names pass through
     * {@code rename} first (null drops a tensor from consideration). Throws a
     * {@link CheckpointFormatException} listing every missing, unexpected or mis-shaped entry,
     * or a {@link CheckpointIntegrityException} for a non-finite value, before writing anything.
     */
    public static SafeTensors.Contents load(ParameterStore store, Path path, Match match, UnaryOperator<String> rename) throws IOException {
        return load(store, path, match, rename, NonFinite.REFUSE);
    }

    /** {@link #load(ParameterStore, Path, Match, UnaryOperator)} with an explicit rule for non-finite values. */
    public static SafeTensors.Contents load(ParameterStore store, Path path, Match match, UnaryOperator<String> rename,
                                            NonFinite nonFinite) throws IOException {
        SafeTensors.Read read = SafeTensors.read(path, false);
        LoadPlan plan = new LoadPlan(path, read, nonFinite);
        plan(plan, store, path, read.contents(), match, rename, "");
        plan.apply();
        return read.contents();
    }

    /**
     * Matches the file's tensors to the store's entries and adds them to {@code plan}; throws,
     * naming every problem (prefixed by {@code context}), when they do not fit.
     */
    static void plan(LoadPlan plan, ParameterStore store, Path path, SafeTensors.Contents c, Match match,
                     UnaryOperator<String> rename, String context) {
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
            throw new CheckpointFormatException(path, 0, context + problems.size() + " problem(s) matching the model: " + String.join("; ", shown)
                    + (problems.size() > shown.size() ? "; and " + (problems.size() - shown.size()) + " more" : ""));
        }
        for (Parameter p : store.entries()) plan.add(p.tensor(), byName.get(p.name()));
    }

    private static long[] longs(int[] d) {
        long[] l = new long[d.length];
        for (int i = 0; i < d.length; i++) l[i] = d[i];
        return l;
    }
}
