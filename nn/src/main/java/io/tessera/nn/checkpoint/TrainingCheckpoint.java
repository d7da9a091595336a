package io.tessera.nn.checkpoint;

import io.tessera.nn.Parameter;
import io.tessera.nn.ParameterStore;
import io.tessera.nn.io.AtomicFiles;
import io.tessera.tensor.DType;
import io.tessera.tensor.Tensor;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A resumable training checkpoint: {@code NAME.safetensors} holds every store entry under its
 * own name and each optimizer state tensor per parameter ({@code optim.exp_avg.blocks.0...});
 * {@code NAME.json} (the sidecar) holds the caller's state (config, step, schedule, RNG
 * streams) and the SHA-256 of the weights file. Both files are written atomically, weights
 * first; a sidecar whose hash does not match its weights is refused, so a checkpoint
 * interrupted mid-write is never half-resumed.
 */
public final class TrainingCheckpoint {
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

    /**
     * Loads a one-store checkpoint into {@code store} and {@code optimizerState} (written in
     * place) and returns the sidecar map. Everything is validated before anything is written.
     */
    public static Map<String, Object> load(Path base, ParameterStore store, Map<String, Tensor> optimizerState) throws IOException {
        return load(base, Map.of("", store), "", optimizerState);
    }

    /** Loads a checkpoint saved with {@link #save(Path, Map, String, Map, Map)}. */
    public static Map<String, Object> load(Path base, Map<String, ParameterStore> stores, String optimized,
                                           Map<String, Tensor> optimizerState) throws IOException {
        Path side = sidecarPath(base), weights = weightsPath(base);
        if (!Files.exists(side)) throw new CheckpointFormatException(side, 0, "sidecar missing (an interrupted save leaves no sidecar)");
        Object parsed;
        try {
            parsed = Json.parse(Files.readString(side, StandardCharsets.UTF_8));
        } catch (Json.ParseException e) {
            throw new CheckpointFormatException(side, e.position(), "sidecar is not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> raw)) throw new CheckpointFormatException(side, 0, "sidecar is not a JSON object");
        String want = String.valueOf(raw.get("weights_sha256"));
        String have = sha256(weights);
        if (!want.equals(have)) {
            throw new CheckpointFormatException(weights, 0, "SHA-256 " + have + " does not match the sidecar's " + want + " (the files belong to different saves)");
        }
        SafeTensors.Contents c = SafeTensors.read(weights);
        ParameterStore store = stores.get(optimized);
        if (store == null) throw new IllegalArgumentException("no store in role '" + optimized + "' among " + stores.keySet());
        List<String> missing = new ArrayList<>();
        for (String key : optimizerState.keySet()) {
            for (Parameter p : store.parameters()) {
                if (p.trainable() && c.get(optimName(key, optimized, p)) == null) missing.add(optimName(key, optimized, p));
            }
        }
        if (!missing.isEmpty()) throw new CheckpointFormatException(weights, 0, "optimizer state missing: " + String.join(", ", missing));
        for (Map.Entry<String, ParameterStore> e : stores.entrySet()) { // validates each store fully before writing it
            String prefix = prefix(e.getKey());
            StoreCheckpoint.load(e.getValue(), weights, StoreCheckpoint.Match.STORE_ENTRIES,
                    n -> n.startsWith(prefix) ? n.substring(prefix.length()) : null);
        }
        for (Map.Entry<String, Tensor> e : optimizerState.entrySet()) {
            Tensor flat = e.getValue();
            for (Parameter p : store.parameters()) {
                if (!p.trainable()) continue;
                Tensor view = flat.narrow0(p.offset(), p.size());
                StTensor t = c.get(optimName(e.getKey(), optimized, p));
                if (view.dtype() == DType.F64) view.backend().write(view, t.toDoubles());
                else view.backend().write(view, t.toFloats());
            }
        }
        Map<String, Object> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
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
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            try (var in = Files.newInputStream(p)) {
                byte[] buf = new byte[1 << 16];
                for (int r; (r = in.read(buf)) > 0; ) md.update(buf, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    private static long[] longs(int[] d) {
        long[] l = new long[d.length];
        for (int i = 0; i < d.length; i++) l[i] = d[i];
        return l;
    }
}
