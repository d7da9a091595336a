package io.tessera.nn.checkpoint;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.tensor.Tensor;
import io.tessera.tensor.io.AtomicFiles;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A resumable training checkpoint: {@code NAME.safetensors} holds every store entry under its
 * own name and each optimizer state tensor per parameter ({@code optim.exp_avg.blocks.0...});
 * {@code NAME.json} (the sidecar) holds the caller's state (config, step, schedule, RNG
 * streams) and the SHA-256 of the weights file. Both files are written atomically, weights
 * first. Every load verifies what it loads before writing anything: the weights' SHA-256
 * against the sidecar (so a checkpoint interrupted mid-write, or a file changed since, is never
 * used), names and shapes, and that every loaded value is finite unless told otherwise.
 */
public final class TrainingCheckpoint {
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");

    private TrainingCheckpoint() {
    }

    /** The weights file of a checkpoint base path. */
    public static Path weightsPath(Path base) {
        return base.resolveSibling(base.getFileName() + ".safetensors");
    }

    /** The sidecar of a checkpoint base path. */
    public static Path sidecarPath(Path base) {
        return base.resolveSibling(base.getFileName() + ".json");
    }

    /**
     * Saves one store (names unprefixed), its optimizer state (flat tensors aligned with the
     * store, as {@code Optimizer.state()} returns them) and the sidecar map.
     */
    public static void save(Path base, ParameterStore store, Map<String, Tensor> optimizerState, Map<String, Object> sidecar)
            throws IOException {
        save(base, Map.of("", store), "", optimizerState, sidecar);
    }

    /**
     * Saves several stores by role (names become {@code role.name}; the role "" adds no prefix),
     * the optimizer state of the store in role {@code optimized} and the sidecar map.
     */
    public static void save(Path base, Map<String, ParameterStore> stores, String optimized, Map<String, Tensor> optimizerState,
                            Map<String, Object> sidecar) throws IOException {
        List<StTensor> tensors = new ArrayList<>();
        for (Map.Entry<String, ParameterStore> e : stores.entrySet()) {
            String prefix = prefix(e.getKey());
            tensors.addAll(StoreCheckpoint.tensors(e.getValue(), n -> prefix + n));
        }
        ParameterStore store = stores.get(optimized);
        if (store == null) throw new IllegalArgumentException("no store in role '" + optimized + "' among " + stores.keySet());
        for (Map.Entry<String, Tensor> e : optimizerState.entrySet()) {
            float[] flat = e.getValue().toFloatArray();
            for (Parameter p : store.parameters()) {
                if (!p.trainable()) continue;
                float[] part = java.util.Arrays.copyOfRange(flat, p.offset(), p.offset() + p.size());
                tensors.add(StTensor.ofFloats(optimName(e.getKey(), optimized, p), StDType.F32, longs(p.shape().dims()), part));
            }
        }
        Path weights = weightsPath(base);
        SafeTensors.write(weights, tensors, Map.of("format", "tessera-training-checkpoint"));
        Map<String, Object> side = new LinkedHashMap<>(sidecar);
        side.put("weights_file", weights.getFileName().toString());
        side.put("weights_sha256", sha256(weights));
        AtomicFiles.writeString(sidecarPath(base), Json.write(side) + "\n");
    }

    /** Largest sidecar accepted, in bytes (a sidecar holds a configuration, not data). */
    public static final long MAX_SIDECAR = 16L << 20;

    /**
     * Loads a one-store checkpoint into {@code store} and {@code optimizerState} (written in
     * place) and returns the sidecar map. Everything is verified before anything is written: the
     * weights' SHA-256 against the sidecar, names and shapes, and that every value is finite.
     */
    public static Map<String, Object> load(Path base, ParameterStore store, Map<String, Tensor> optimizerState) throws IOException {
        return load(base, Map.of("", store), "", optimizerState);
    }

    /** Loads a checkpoint saved with {@link #save(Path, Map, String, Map, Map)}, refusing non-finite values. */
    public static Map<String, Object> load(Path base, Map<String, ParameterStore> stores, String optimized,
                                           Map<String, Tensor> optimizerState) throws IOException {
        return load(base, stores, optimized, optimizerState, NonFinite.REFUSE);
    }

    /**
     * Loads a checkpoint saved with {@link #save(Path, Map, String, Map, Map)}: every store by
     * role and the optimizer state of the store in role {@code optimized}. Throws a
     * {@link CheckpointIntegrityException} when the weights file is not the one the sidecar
     * recorded or (with {@link NonFinite#REFUSE}) holds NaN or infinite values, and a
     * {@link CheckpointFormatException} for any other problem; in every case before writing.
     */
    public static Map<String, Object> load(Path base, Map<String, ParameterStore> stores, String optimized,
                                           Map<String, Tensor> optimizerState, NonFinite nonFinite) throws IOException {
        ParameterStore store = stores.get(optimized);
        if (store == null) throw new IllegalArgumentException("no store in role '" + optimized + "' among " + stores.keySet());
        Map<String, Object> side = readSidecar(base);
        Path weights = weightsPath(base);
        SafeTensors.Read read = readVerified(weights, side);
        LoadPlan plan = planStores(weights, read, stores, nonFinite);
        SafeTensors.Contents c = read.contents();
        List<String> problems = new ArrayList<>();
        for (String key : optimizerState.keySet()) {
            for (Parameter p : store.parameters()) {
                if (!p.trainable()) continue;
                StTensor t = c.get(optimName(key, optimized, p));
                if (t == null) problems.add("missing " + optimName(key, optimized, p));
                else if (!t.dtype().isFloating() || t.elements() != p.size()) {
                    problems.add(t.name() + " is " + t.dtype() + Arrays.toString(t.shape()) + ", " + p.size() + " floating values are needed");
                }
            }
        }
        if (!problems.isEmpty()) {
            throw new CheckpointFormatException(weights, 0, "optimizer state: " + String.join(", ", problems.subList(0, Math.min(8, problems.size())))
                    + (problems.size() > 8 ? " and " + (problems.size() - 8) + " more" : ""));
        }
        for (Map.Entry<String, Tensor> e : optimizerState.entrySet()) {
            for (Parameter p : store.parameters()) {
                if (p.trainable()) plan.add(e.getValue().narrow0(p.offset(), p.size()), c.get(optimName(e.getKey(), optimized, p)));
            }
        }
        plan.apply();
        return side;
    }

    /**
     * Loads only models from a checkpoint, by role (the role "" takes the unprefixed names), as
     * evaluation and visualisation commands need: the same verification as {@link #load}, no
     * optimizer state. Returns the sidecar map.
     */
    public static Map<String, Object> loadModels(Path base, Map<String, ParameterStore> stores, NonFinite nonFinite) throws IOException {
        Map<String, Object> side = readSidecar(base);
        Path weights = weightsPath(base);
        SafeTensors.Read read = readVerified(weights, side);
        planStores(weights, read, stores, nonFinite).apply();
        return side;
    }

    private static LoadPlan planStores(Path weights, SafeTensors.Read read, Map<String, ParameterStore> stores, NonFinite nonFinite) {
        LoadPlan plan = new LoadPlan(weights, read, nonFinite);
        for (Map.Entry<String, ParameterStore> e : stores.entrySet()) {
            String prefix = prefix(e.getKey());
            StoreCheckpoint.plan(plan, e.getValue(), weights, read.contents(), StoreCheckpoint.Match.STORE_ENTRIES,
                    n -> n.startsWith(prefix) ? n.substring(prefix.length()) : null, e.getKey().isEmpty() ? "" : "role '" + e.getKey() + "': ");
        }
        return plan;
    }

    /**
     * The sidecar of a checkpoint, parsed and checked: a JSON object of at most
     * {@link #MAX_SIDECAR} bytes of UTF-8 with a {@code weights_sha256} of 64 hex digits.
     */
    public static Map<String, Object> readSidecar(Path base) throws IOException {
        Path side = sidecarPath(base);
        if (!Files.exists(side)) throw new CheckpointFormatException(side, 0, "sidecar missing (an interrupted save leaves no sidecar)");
        long size = Files.size(side);
        if (size > MAX_SIDECAR) throw new CheckpointFormatException(side, 0, "sidecar of " + size + " bytes is larger than the " + MAX_SIDECAR + " accepted");
        byte[] bytes = Files.readAllBytes(side);
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(side, 0, "sidecar is not valid UTF-8");
        }
        Object parsed;
        try {
            parsed = Json.parse(text);
        } catch (Json.ParseException e) {
            long at = text.substring(0, Math.min(e.position(), text.length())).getBytes(StandardCharsets.UTF_8).length;
            throw new CheckpointFormatException(side, at, "sidecar is not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> raw)) throw new CheckpointFormatException(side, 0, "sidecar is not a JSON object");
        if (!(raw.get("weights_sha256") instanceof String h) || !SHA256_HEX.matcher(h).matches()) {
            throw new CheckpointFormatException(side, 0, "sidecar has no weights_sha256 of 64 hex digits (found " + raw.get("weights_sha256") + ")");
        }
        Map<String, Object> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    /**
     * An integer field of a sidecar in [min, max], or a {@link CheckpointFormatException} naming
     * the sidecar and the field.
     */
    public static long requireLong(Map<String, Object> sidecar, String field, Path base, long min, long max) {
        if (!(sidecar.get(field) instanceof Long v) || v < min || v > max) {
            throw new CheckpointFormatException(sidecarPath(base), 0, "sidecar field \"" + field + "\" must be an integer in [" + min + ", " + max
                    + "], found " + sidecar.get(field));
        }
        return v;
    }

    /**
     * The training steps a pre-training sidecar records: {@code steps} (which counts the steps a
     * float16 loss scaler skipped) where present, else {@code optimizer_steps} (older sidecars, whose
     * runs skipped none).
     */
    public static long trainingSteps(Map<String, Object> sidecar, Path base) {
        long updates = requireLong(sidecar, "optimizer_steps", base, 0, Long.MAX_VALUE);
        return sidecar.containsKey("steps") ? requireLong(sidecar, "steps", base, updates, Long.MAX_VALUE) : updates;
    }

    /** Reads and digests the weights file, and refuses it unless its SHA-256 is the sidecar's. */
    private static SafeTensors.Read readVerified(Path weights, Map<String, Object> side) throws IOException {
        String want = ((String) side.get("weights_sha256")).toLowerCase(Locale.ROOT);
        if (!Files.exists(weights)) throw new CheckpointFormatException(weights, 0, "weights file missing");
        SafeTensors.Read read;
        try {
            read = SafeTensors.readDigested(weights);
        } catch (CheckpointFormatException e) {
            String have = sha256(weights);
            if (have.equals(want)) throw e;
            throw mismatch(weights, have, want, " (it does not parse either: " + e.getMessage() + ")");
        }
        if (!read.sha256().equals(want)) throw mismatch(weights, read.sha256(), want, "");
        return read;
    }

    private static CheckpointIntegrityException mismatch(Path weights, String have, String want, String more) {
        return new CheckpointIntegrityException(weights, 0, CheckpointIntegrityException.Problem.HASH_MISMATCH, "SHA-256 " + have
                + " does not match the sidecar's " + want + ": the file was changed after the save, or the two files belong to different saves" + more);
    }

    private static String prefix(String role) {
        return role.isEmpty() ? "" : role + ".";
    }

    private static String optimName(String key, String role, Parameter p) {
        return "optim." + key + "." + prefix(role) + p.name();
    }

    /**
     * Deletes a checkpoint: the sidecar first, so that a deletion cut short leaves a checkpoint
     * that is refused as incomplete rather than one that looks whole. Missing files are ignored.
     */
    public static void delete(Path base) throws IOException {
        Files.deleteIfExists(sidecarPath(base));
        Files.deleteIfExists(weightsPath(base));
    }

    /** True when both files of a checkpoint exist. */
    public static boolean exists(Path base) {
        return Files.exists(sidecarPath(base)) && Files.exists(weightsPath(base));
    }

    private static String sha256(Path p) throws IOException {
        if (!Files.exists(p)) throw new CheckpointFormatException(p, 0, "weights file missing");
        MessageDigest md = SafeTensors.sha256();
        try (var in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static long[] longs(int[] d) {
        long[] l = new long[d.length];
        for (int i = 0; i < d.length; i++) l[i] = d[i];
        return l;
    }
}
