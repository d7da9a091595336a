package io.tessera.cli.study;

import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.tensor.io.AtomicFiles;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

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

    /** Seconds of the finished tasks, summed by kind (the first part of the task id, e.g. "pretrain"). */
    Map<String, Double> secondsByKind() throws IOException {
        Map<String, Double> by = new TreeMap<>();
        if (!Files.isDirectory(dir)) return by;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*.json")) {
            for (Path p : ds) {
                Map<?, ?> m;
                try {
                    m = Study.readObject(p);
                } catch (RuntimeException e) {
                    continue; // an unreadable entry counts as unfinished (see isDone), so it has no time either
                }
                if (!(m.get("id") instanceof String id)) continue;
                double secs = m.get("seconds") instanceof Number n ? n.doubleValue() : 0;
                by.merge(id.contains("/") ? id.substring(0, id.indexOf('/')) : id, secs, Double::sum);
            }
        }
        return by;
    }

    static JsonFields read(Path file) throws IOException {
        return JsonFields.of(Study.readObject(file), file);
    }
}
