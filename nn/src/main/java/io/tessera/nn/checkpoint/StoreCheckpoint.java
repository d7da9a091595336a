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
 * Moves a {@link ParameterStore} to and from checkpoint files by name: safetensors files and
 * PyTorch {@code .pth}/{@code .pt} files (read through {@link StateDict}, which picks the format
 * from the file's bytes). Loading checks every name and shape, and that every value is finite
 * (unless told otherwise), and changes nothing unless the whole file passes, so a bad file never
 * leaves a half-loaded model. Values are converted from any floating dtype of the file; PyTorch's
 * 0-d int64 BatchNorm counters load into Tessera's (1) float buffers ({@link BatchCounter}). A
 * checkpoint with a sidecar is loaded through {@link TrainingCheckpoint}, which also checks the
 * file's SHA-256.
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
        /** Every store entry must be in the file and every file tensor in the store (PyTorch's {@code strict=True}). */
        EXACT,
        /** Every store entry must be in the file; extra file tensors are ignored (e.g. a decoder) and reported. */
        STORE_ENTRIES,
        /**
         * PyTorch's {@code strict=False}: load the entries the file holds, leave the others as they
         * are, and report missing and unexpected names. Shapes must still match.
         */
        PARTIAL
    }

    /**
     * Loads a file (safetensors, or the {@link StateDict.KeyPath#AUTO} state dict of a .pth) into
     * the store, refusing NaN or infinite values: file names pass through {@code rename} first
     * (null drops a tensor from consideration). Throws a {@link CheckpointFormatException} listing
     * every missing, unexpected or mis-shaped entry, or a {@link CheckpointIntegrityException}
     * for a non-finite value, before writing anything.
     */
    public static SafeTensors.Contents load(ParameterStore store, Path path, Match match, UnaryOperator<String> rename) throws IOException {
        return load(store, path, match, rename, NonFinite.REFUSE);
    }

    /** {@link #load(ParameterStore, Path, Match, UnaryOperator)} with an explicit rule for non-finite values. */
    public static SafeTensors.Contents load(ParameterStore store, Path path, Match match, UnaryOperator<String> rename,
                                            NonFinite nonFinite) throws IOException {
        StateDict sd = StateDict.read(path);
        load(store, sd, match, rename, nonFinite);
        return new SafeTensors.Contents(sd.tensors(), sd.metadata());
    }

    /** {@link #load(ParameterStore, StateDict, Match, UnaryOperator, NonFinite)} refusing non-finite values. */
    public static LoadReport load(ParameterStore store, StateDict stateDict, Match match, UnaryOperator<String> rename) {
        return load(store, stateDict, match, rename, NonFinite.REFUSE);
    }

    /**
     * Loads a state dict into the store with PyTorch's {@code load_state_dict} semantics:
     * {@link Match#EXACT} is {@code strict=True}, {@link Match#PARTIAL} is {@code strict=False}.
     * Returns what was loaded, missing and unexpected; throws, before writing anything, for a
     * shape or dtype mismatch (in every mode, as PyTorch does), for names the mode does not
     * allow to be missing or unexpected, and for non-finite values unless allowed.
     *
     * <pre>{@code
     * StateDict sd = StateDict.read(Path.of("mae_pretrain_vit_base.pth"));    // checkpoint['model']
     * LoadReport r = StoreCheckpoint.load(mae.store(), sd, Match.PARTIAL, n -> n);
     * r.missingKeys();    // e.g. the decoder, which the released encoder checkpoint lacks
     * }</pre>
     */
    public static LoadReport load(ParameterStore store, StateDict stateDict, Match match, UnaryOperator<String> rename, NonFinite nonFinite) {
        LoadPlan plan = new LoadPlan(stateDict.source(), stateDict, nonFinite);
        LoadReport report = plan(plan, store, stateDict.source(), stateDict.tensors(), match, rename, "");
        plan.apply();
        return report;
    }

    /**
     * Matches the file's tensors to the store's entries and adds them to {@code plan}; throws,
     * naming every problem (prefixed by {@code context}), when they do not fit.
     */
    static LoadReport plan(LoadPlan plan, ParameterStore store, Path path, SafeTensors.Contents c, Match match,
                           UnaryOperator<String> rename, String context) {
        return plan(plan, store, path, c.tensors(), match, rename, context);
    }

    static LoadReport plan(LoadPlan plan, ParameterStore store, Path path, List<StTensor> tensors, Match match,
                           UnaryOperator<String> rename, String context) {
        Map<String, StTensor> byName = new LinkedHashMap<>();
        List<String> problems = new ArrayList<>(), missing = new ArrayList<>(), unexpected = new ArrayList<>();
        List<String> loaded = new ArrayList<>(), converted = new ArrayList<>();
        for (StTensor t : tensors) {
            String n = rename.apply(t.name());
            if (n == null) continue;
            StTensor before = byName.put(n, t);
            if (before != null) problems.add("both " + before.name() + " and " + t.name() + " map to " + n);
        }
        for (Parameter p : store.entries()) {
            StTensor t = byName.get(p.name());
            if (t == null) {
                missing.add(p.name());
                if (match != Match.PARTIAL) problems.add("missing " + p.name() + " " + p.shape());
            } else if (BatchCounter.converts(p, t)) {
                loaded.add(p.name());
                converted.add(p.name());
            } else if (!Arrays.equals(t.shape(), longs(p.shape().dims()))) {
                problems.add(p.name() + " has shape " + Arrays.toString(t.shape()) + " in the file, the model needs " + p.shape());
            } else if (!t.dtype().isFloating()) {
                problems.add(p.name() + " is " + t.dtype() + " in the file, a floating type is needed");
            } else {
                loaded.add(p.name());
            }
        }
        for (String n : byName.keySet()) {
            if (store.contains(n)) continue;
            unexpected.add(n);
            if (match == Match.EXACT) problems.add("unexpected " + n);
        }
        if (!problems.isEmpty()) {
            List<String> shown = problems.subList(0, Math.min(8, problems.size()));
            throw new CheckpointFormatException(path, 0, context + problems.size() + " problem(s) matching the model: " + String.join("; ", shown)
                    + (problems.size() > shown.size() ? "; and " + (problems.size() - shown.size()) + " more" : ""));
        }
        java.util.Set<String> counters = new java.util.HashSet<>(converted);
        for (String n : loaded) {
            Parameter p = store.get(n);
            if (counters.contains(n)) plan.addCounter(p.tensor(), byName.get(n));
            else plan.add(p.tensor(), byName.get(n));
        }
        return new LoadReport(loaded, missing, unexpected, converted);
    }

    private static long[] longs(int[] d) {
        long[] l = new long[d.length];
        for (int i = 0; i < d.length; i++) l[i] = d[i];
        return l;
    }
}
