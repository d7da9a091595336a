package io.tessera.cli.study;

import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.tensor.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a study directory has finished: one small JSON file per finished task under
 * {@code DIR/tasks/}, written atomically after the task succeeded, holding the task's command
 * line. A task whose file exists with the same command line is not run again; one whose file
 * records another command line means the directory belongs to a study with other settings, and
 * is refused rather than mixed.
 */
final class TaskLedger {
    private final Path dir;

    TaskLedger(Path studyDir) {
        this.dir = studyDir.resolve("tasks");
    }

    private Path file(String id) {
        return dir.resolve(id.replace('/', '_') + ".json");
    }

    /** True when {@code id} finished with exactly {@code args}. */
    boolean isDone(String id, List<String> args) throws IOException {
        Path f = file(id);
        if (!Files.exists(f)) return false;
        Object tree;
        try {
            tree = Json.parse(Files.readString(f));
        } catch (RuntimeException e) {
            return false; // a ledger entry that cannot be read is not proof of a finished task: run it again
        }
        if (!(tree instanceof Map<?, ?> m) || !(m.get("args") instanceof List<?> recorded)) return false;
        if (!recorded.equals(args)) {
            throw new IllegalArgumentException("the study directory " + dir.getParent() + " ran task " + id + " with other settings ("
                    + String.join(" ", recorded.stream().map(String::valueOf).toList()) + "); continue it with its own settings or choose another --out");
        }
        return true;
    }

    void markDone(String id, List<String> args, double seconds) throws IOException {
        Files.createDirectories(dir);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("args", args);
        m.put("seconds", seconds);
        AtomicFiles.writeString(file(id), Json.write(m));
    }

    /** The seconds a finished task took (0 when unknown). */
    double seconds(String id) {
        try {
            Object tree = Json.parse(Files.readString(file(id)));
            return tree instanceof Map<?, ?> m && m.get("seconds") instanceof Number n ? n.doubleValue() : 0;
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    static JsonFields read(Path file) throws IOException {
        Object tree = Json.parse(Files.readString(file));
        if (!(tree instanceof Map<?, ?> m)) throw new IllegalArgumentException(file + " does not hold a JSON object");
        return JsonFields.of(m, file);
    }
}
