package io.tessera.cli.study;

import io.tessera.cli.Main;
import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.JsonFields;
import io.tessera.tensor.io.AtomicFiles;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code tessera study}: every method pre-trained per seed on the same data order, then every
 * analysis the seed papers' claims rest on, each a Tessera command run in this JVM, then one report.
 * The work is a fixed sequence of tasks (per seed: pre-training of MAE, RC-MAE, LUT and the
 * supervised ViT; linear probe and k-NN at the probed epochs; pre-training-loss and probe-loss
 * landscapes; Hessian eigen-ratios at the minimum; attention distance and feature spectra; the
 * Proposition 4.1 runs with the same and with an independent teacher mask; then the linear
 * toy model and the eigen-ratio maps). Each finished task is recorded in {@code DIR/tasks/}; a
 * study run again in the same directory skips what is recorded, continues a killed pre-training
 * from its newest checkpoint (bit for bit on the CPU) and a killed landscape from its points, and
 * redoes any other unfinished task from the start.
 */
public final class Study {
    /** The methods compared, with the command-line name and the label of the report. */
    public enum Method {
        MAE("mae", "MAE"), RCMAE("rcmae", "RC-MAE"), LUT("lut", "LUT"), SUPERVISED("supervised", "supervised ViT");

        public final String cli, label;

        Method(String cli, String label) {
            this.cli = cli;
            this.label = label;
        }
    }

    /** The two teacher masks of the Proposition 4.1 runs. */
    public enum Mask {
        S("same"), D("independent");

        public final String cli;

        Mask(String cli) {
            this.cli = cli;
        }
    }

    /** One unit of work: a Tessera command line (without device options) or a step in this JVM. */
    record Task(String id, String title, List<String> args, Work work) {
    }

    @FunctionalInterface
    interface Work {
        void run() throws Exception;
    }

    private final StudySettings settings;
    private final Path dir;
    private final List<String> deviceArgs;
    private final PrintStream console;
    private final TaskLedger ledger;

    /**
     * @param deviceArgs options appended to every command ({@code --device …}, {@code --threads …});
     *                   not part of what the ledger compares
     */
    public Study(StudySettings settings, Path dir, List<String> deviceArgs, PrintStream console) {
        this.settings = settings;
        this.dir = dir.toAbsolutePath().normalize();
        this.deviceArgs = List.copyOf(deviceArgs);
        this.console = console;
        this.ledger = new TaskLedger(this.dir);
    }

    public Path dir() {
        return dir;
    }

    public StudySettings settings() {
        return settings;
    }

    // ---- where each task writes

    Path pretrainDir(Method m, int seed) {
        return dir.resolve("pretrain").resolve(m.cli + "-s" + seed);
    }

    Path probeDir(Method m, int seed, int epoch) {
        return dir.resolve("probe").resolve(m.cli + "-s" + seed).resolve("e" + epoch);
    }

    Path knnDir(Method m, int seed, int epoch) {
        return dir.resolve("knn").resolve(m.cli + "-s" + seed).resolve("e" + epoch);
    }

    /** {@code loss}: "pretrain" or "probe". */
    Path landscapeDir(String loss, Method m, int seed) {
        return dir.resolve("landscape").resolve(loss).resolve(m.cli + "-s" + seed);
    }

    Path ratioMapDir(Method m) {
        return dir.resolve("landscape").resolve("ratio-map").resolve(m.cli + "-s0");
    }

    Path hessianDir(String loss, Method m, int seed) {
        return dir.resolve("hessian").resolve(loss).resolve(m.cli + "-s" + seed);
    }

    Path attentionDir(int seed) {
        return dir.resolve("attention").resolve("s" + seed);
    }

    Path spectrumDir(int seed) {
        return dir.resolve("spectrum").resolve("s" + seed);
    }

    Path propDir(Mask mask, int seed) {
        return dir.resolve("prop41").resolve(mask.name() + "-s" + seed);
    }

    Path linearModelFile() {
        return dir.resolve("prop41").resolve("linear-model.json");
    }

    /** The methods whose probe is followed over epochs (the self-supervised ones). */
    static final List<Method> SSL = List.of(Method.MAE, Method.RCMAE, Method.LUT);
    /** The methods of the landscape and Hessian comparison (claim 3). */
    static final List<Method> LANDSCAPE = List.of(Method.MAE, Method.RCMAE, Method.SUPERVISED);

    // ---- running

    /**
     * Runs every unfinished task, then writes the report. With {@code stopAfter} > 0 it stops after
     * that many tasks have run in this invocation (a deliberate interruption) and returns 3. With
     * {@code onlySeed} present it runs that seed's unfinished tasks only and returns 0 without the
     * report: processes sharing the directory with disjoint seeds split the study (each task writes
     * its own folder and ledger entry), and a run for all seeds finishes it.
     *
     * @return 0 when the report was written (or the one seed finished), 3 when stopped early
     */
    public int run(int stopAfter, OptionalInt only) throws Exception {
        if (only.isPresent() && (only.getAsInt() < 0 || only.getAsInt() >= settings.seeds())) {
            throw new IllegalArgumentException("--seed " + only.getAsInt() + " is not one of the study's seeds 0 … " + (settings.seeds() - 1));
        }
        int onlySeed = only.orElse(-1);
        Files.createDirectories(dir);
        requireSameSettings();
        long start = System.nanoTime();
        int ran = 0, index = 0;
        for (int seed = 0; seed < settings.seeds(); seed++) {
            List<Task> tasks = seedTasks(seed);
            if (onlySeed >= 0 && seed != onlySeed) {
                index += tasks.size();
                continue;
            }
            for (Task t : tasks) {
                index++;
                if (execute(t, index)) ran++;
                if (stopAfter > 0 && ran >= stopAfter) return stopped(ran);
            }
        }
        if (onlySeed >= 0) {
            console.printf(Locale.ROOT, "study: seed %d finished, %d task(s) run now, %.1f min; run without --seed to finish the study and write the report%n",
                    onlySeed, ran, (System.nanoTime() - start) / 6e10);
            return 0;
        }
        for (Task t : finalTasks()) {
            index++;
            if (execute(t, index)) ran++;
            if (stopAfter > 0 && ran >= stopAfter) return stopped(ran);
        }
        StudyResults results = StudyResults.read(this);
        List<Claim> claims = Claims.evaluate(results);
        StudyReport.write(this, results, claims, ledger);
        console.printf(Locale.ROOT, "study: %d task(s) run now, %.1f min; report: %s%n", ran, (System.nanoTime() - start) / 6e10, dir.resolve("report.html"));
        for (Claim c : claims) console.printf(Locale.ROOT, "  claim %d — %s: %s%n", c.number(), c.title(), c.verdict().label());
        return 0;
    }

    private int stopped(int ran) {
        console.println("study: stopped after " + ran + " task(s) as asked; run the same command again to continue");
        return 3;
    }

    private void requireSameSettings() throws IOException {
        Path f = dir.resolve("study.settings.json");
        if (Files.exists(f)) {
            StudySettings recorded = StudySettings.fromJson(TaskLedger.read(f));
            List<String> d = settings.differences(recorded);
            if (!d.isEmpty()) {
                throw new IllegalArgumentException("the study in " + dir + " was started with other settings (" + String.join(", ", d)
                        + "); continue it with its own settings or choose another --out");
            }
        } else {
            AtomicFiles.writeString(f, Json.write(settings.toMap()));
        }
    }

    /** Runs {@code t} unless the ledger has it; true when it ran. */
    private boolean execute(Task t, int index) throws Exception {
        if (ledger.isDone(t.id(), t.args())) return false;
        console.printf(Locale.ROOT, "%nstudy [%d] %s%n", index, t.title());
        long t0 = System.nanoTime();
        t.work().run();
        ledger.markDone(t.id(), t.args(), (System.nanoTime() - t0) / 1e9);
        return true;
    }

    private Task command(String id, String title, List<String> args) {
        return new Task(id, title, List.copyOf(args), () -> runCommand(id, args));
    }

    private void runCommand(String id, List<String> args) {
        List<String> full = new ArrayList<>(args);
        full.addAll(deviceArgs);
        int rc = Main.execute(full.toArray(String[]::new));
        if (rc != 0) throw new IllegalStateException("task " + id + " failed (tessera " + String.join(" ", args) + " exited with " + rc + "); fix the cause and run the study again to continue");
    }

    // ---- the plan

    private List<Task> seedTasks(int seed) throws IOException {
        List<Task> tasks = new ArrayList<>();
        String s = String.valueOf(seed);
        for (Method m : Method.values()) tasks.add(pretrainTask(m, seed));
        List<Integer> epochs = settings.probeEpochsList();
        for (Method m : Method.values()) {
            for (int e : m == Method.SUPERVISED ? List.of(settings.epochs()) : epochs) {
                tasks.add(new Task("probe/" + m.cli + "-s" + s + "-e" + e, "linear probe of " + m.label + " (seed " + s + ", epoch " + e + ")",
                        probeArgs(m, seed, e), () -> runCommand("probe", resolved(probeArgs(m, seed, e), seed))));
                tasks.add(new Task("knn/" + m.cli + "-s" + s + "-e" + e, "k-NN of " + m.label + " (seed " + s + ", epoch " + e + ")",
                        knnArgs(m, seed, e), () -> runCommand("knn", resolved(knnArgs(m, seed, e), seed))));
            }
        }
        int last = settings.epochs();
        int batch = landscapeBatch();
        for (String loss : List.of("pretrain", "probe")) {
            for (Method m : LANDSCAPE) {
                List<String> a = new ArrayList<>(List.of("landscape", "--checkpoint", "@" + m.cli + ":" + last, "--x", axis(settings.grid()), "--y", axis(settings.grid()),
                        "--images", String.valueOf(settings.landscapeImages()), "--batch", String.valueOf(batch), "--out", landscapeDir(loss, m, seed).toString()));
                if (loss.equals("probe")) a.addAll(List.of("--probe", probeDir(m, seed, last).resolve("probe").toString()));
                tasks.add(new Task("landscape/" + loss + "/" + m.cli + "-s" + s, (loss.equals("probe") ? "linear-probe" : "pre-training") + "-loss landscape of " + m.label + " (seed " + s + ")",
                        a, () -> runCommand("landscape", resolved(a, seed))));
            }
        }
        for (String loss : List.of("pretrain", "probe")) {
            for (Method m : LANDSCAPE) {
                List<String> a = new ArrayList<>(List.of("hessian", "--checkpoint", "@" + m.cli + ":" + last, "--batches", String.valueOf(settings.hessianBatches()), "--batch", "64",
                        "--top-k", "0", "--ratio", "--iters", String.valueOf(2 * settings.lanczosSteps()), "--lanczos-steps", String.valueOf(settings.lanczosSteps()), "--seed", s, "--out", hessianDir(loss, m, seed).toString()));
                if (loss.equals("probe")) a.addAll(List.of("--probe", probeDir(m, seed, last).resolve("probe").toString()));
                tasks.add(new Task("hessian/" + loss + "/" + m.cli + "-s" + s, "Hessian eigen-ratio of the " + (loss.equals("probe") ? "linear-probe" : "pre-training") + " loss, " + m.label + " (seed " + s + ")",
                        a, () -> runCommand("hessian", resolved(a, seed))));
            }
        }
        for (String kind : List.of("attention", "spectrum")) {
            List<String> a = new ArrayList<>(List.of("analyze", kind));
            for (Method m : Method.values()) a.addAll(List.of("--checkpoint", "@" + m.cli + ":" + last));
            for (Method m : Method.values()) a.addAll(List.of("--label", m.label));
            a.addAll(List.of("--images", String.valueOf(settings.analysisImages()), "--out", (kind.equals("attention") ? attentionDir(seed) : spectrumDir(seed)).toString()));
            tasks.add(new Task(kind + "/s" + s, (kind.equals("attention") ? "attention distance and maps" : "feature spectra") + " (seed " + s + ")", a,
                    () -> runCommand(kind, resolved(a, seed))));
        }
        for (Mask mask : Mask.values()) tasks.add(propTask(mask, seed));
        return tasks;
    }

    private List<Task> finalTasks() {
        List<Task> tasks = new ArrayList<>();
        tasks.add(new Task("prop41/linear", "Proposition 4.1: the linear toy model (float64 identities)", List.of("linear-model", "default"),
                () -> LinearModelStudy.write(linearModelFile())));
        if (settings.ratioGrid() > 0) {
            int last = settings.epochs();
            for (Method m : LANDSCAPE) {
                // the eigen-ratio at every point costs two Lanczos runs: on the Hessian's images (hessian batches × 64), not the landscape's
                List<String> a = List.of("landscape", "--checkpoint", "@" + m.cli + ":" + last, "--x", axis(settings.ratioGrid()), "--y", axis(settings.ratioGrid()),
                        "--images", String.valueOf(64 * settings.hessianBatches()), "--batch", "64", "--ratio",
                        "--lanczos-steps", String.valueOf(settings.lanczosSteps()), "--out", ratioMapDir(m).toString());
                tasks.add(new Task("landscape/ratio-map/" + m.cli, "eigen-ratio map of the pre-training loss, " + m.label + " (seed 0)", a,
                        () -> runCommand("ratio map", resolved(a, 0))));
            }
        }
        return tasks;
    }

    private int landscapeBatch() {
        int n = settings.landscapeImages(), b = Math.min(n, 128);
        while (n % b != 0) b--;
        return b;
    }

    private static String axis(int num) {
        return "-1:1:" + num;
    }

    private List<String> probeArgs(Method m, int seed, int epoch) {
        return List.of("probe", "linear", "--checkpoint", "@" + m.cli + ":" + epoch, "--epochs", String.valueOf(settings.probeEpochs()),
                "--blr", String.valueOf(settings.probeBlr()), "--seed", String.valueOf(seed), "--out", probeDir(m, seed, epoch).toString());
    }

    private List<String> knnArgs(Method m, int seed, int epoch) {
        return List.of("probe", "knn", "--checkpoint", "@" + m.cli + ":" + epoch, "--k", "20", "--out", knnDir(m, seed, epoch).toString());
    }

    private Task pretrainTask(Method m, int seed) {
        List<String> a = List.of("pretrain", "--method", m.cli, "--model", settings.model(), "--data", settings.data(), "--epochs", String.valueOf(settings.epochs()),
                "--batch", String.valueOf(settings.batch()), "--seed", String.valueOf(seed), "--save-every", "1", "--out", pretrainDir(m, seed).toString());
        return new Task("pretrain/" + m.cli + "-s" + seed, "pre-training " + m.label + " (seed " + seed + ", " + settings.epochs() + " epochs)", a,
                () -> runPretrain("pretrain/" + m.cli + "-s" + seed, a, pretrainDir(m, seed)));
    }

    private Task propTask(Mask mask, int seed) {
        List<String> a = new ArrayList<>(List.of("pretrain", "--method", "rcmae", "--model", settings.model(), "--data", settings.data(), "--epochs", String.valueOf(settings.epochs()),
                "--batch", String.valueOf(settings.batch()), "--seed", String.valueOf(seed), "--max-steps", String.valueOf(settings.propSteps()),
                "--log-grad-cosines", "--teacher-mask", mask.cli, "--out", propDir(mask, seed).toString()));
        String id = "prop41/" + mask.name() + "-s" + seed;
        return new Task(id, "Proposition 4.1: RC-MAE gradient cosines, teacher mask " + mask.cli + " (" + mask.name() + ", seed " + seed + ")", a,
                () -> runPretrain(id, a, propDir(mask, seed)));
    }

    /** A new run, or the continuation of a killed one from its newest checkpoint. */
    private void runPretrain(String id, List<String> args, Path out) throws IOException {
        Path latest = newestCheckpoint(out);
        if (latest != null) {
            console.println("study: continuing " + id + " from " + latest.getFileName());
            runCommand(id, List.of("pretrain", "--resume", latest.toString()));
            return;
        }
        if (Files.exists(out)) deleteTree(out); // a run killed before its first checkpoint left only its log
        runCommand(id, args);
    }

    private static final Pattern CHECKPOINT = Pattern.compile("checkpoint-([0-9]+)\\.json");

    /** The checkpoints of a pre-training directory by the epoch they end (only epoch ends). */
    static TreeMap<Integer, Path> epochCheckpoints(Path out) throws IOException {
        TreeMap<Integer, Path> byEpoch = new TreeMap<>();
        if (!Files.isDirectory(out)) return byEpoch;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(out, "checkpoint-*.json")) {
            for (Path p : ds) {
                if (!CHECKPOINT.matcher(p.getFileName().toString()).matches()) continue;
                JsonFields f = TaskLedger.read(p);
                if (f.has("resume_batch") && f.longInteger("resume_batch", 0, Long.MAX_VALUE) == 0) {
                    byEpoch.put((int) f.longInteger("resume_epoch", 0, Integer.MAX_VALUE), Path.of(p.toString().replaceFirst("\\.json$", "")));
                }
            }
        }
        return byEpoch;
    }

    static Path newestCheckpoint(Path out) throws IOException {
        if (!Files.isDirectory(out)) return null;
        Path best = null;
        long bestStep = -1;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(out, "checkpoint-*.json")) {
            for (Path p : ds) {
                Matcher mt = CHECKPOINT.matcher(p.getFileName().toString());
                if (!mt.matches() || !Files.exists(Path.of(p.toString().replaceFirst("\\.json$", ".safetensors")))) continue;
                long step = Long.parseLong(mt.group(1));
                if (step > bestStep) {
                    bestStep = step;
                    best = Path.of(p.toString().replaceFirst("\\.json$", ""));
                }
            }
        }
        return best;
    }

    /** The checkpoint of {@code m}'s run for {@code seed} at the end of {@code epoch}. */
    Path checkpoint(Method m, int seed, int epoch) throws IOException {
        Path c = epochCheckpoints(pretrainDir(m, seed)).get(epoch);
        if (c == null) throw new IllegalStateException("the " + m.label + " run of seed " + seed + " has no checkpoint at the end of epoch " + epoch + " in " + pretrainDir(m, seed));
        return c;
    }

    /** {@code args} with each "@method:epoch" replaced by that checkpoint of {@code seed}. */
    private List<String> resolved(List<String> args, int seed) throws IOException {
        List<String> out = new ArrayList<>(args.size());
        for (String a : args) {
            if (a.startsWith("@")) {
                String[] parts = a.substring(1).split(":");
                Method m = methodOf(parts[0]);
                out.add(checkpoint(m, seed, Integer.parseInt(parts[1])).toString());
            } else {
                out.add(a);
            }
        }
        return out;
    }

    static Method methodOf(String cli) {
        for (Method m : Method.values()) if (m.cli.equals(cli)) return m;
        throw new IllegalArgumentException("unknown method " + cli);
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(q);
        }
    }

    /** Reads a JSON object file. */
    static Map<?, ?> readObject(Path file) throws IOException {
        Object tree = Json.parse(Files.readString(file));
        if (!(tree instanceof Map<?, ?> m)) throw new IllegalArgumentException(file + " does not hold a JSON object");
        return m;
    }
}
