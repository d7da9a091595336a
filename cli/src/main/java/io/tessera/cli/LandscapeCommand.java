package io.tessera.cli;

import io.tessera.eval.hessian.Lanczos;
import io.tessera.eval.landscape.Axis;
import io.tessera.eval.landscape.ConvexRegion;
import io.tessera.eval.landscape.CurvatureSurface;
import io.tessera.eval.landscape.DirectionFile;
import io.tessera.eval.landscape.Directions;
import io.tessera.eval.landscape.GridRun;
import io.tessera.eval.landscape.LossSurface;
import io.tessera.eval.landscape.Normalization;
import io.tessera.eval.landscape.PerturbedWeights;
import io.tessera.eval.landscape.PointFunction;
import io.tessera.eval.landscape.ShardMerge;
import io.tessera.eval.landscape.SurfaceGrid;
import io.tessera.eval.landscape.Trajectory;
import io.tessera.eval.objective.FrozenObjective;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.ssl.data.Split;
import io.tessera.ssl.method.Batch;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.dist.LaunchEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tessera landscape}: the loss landscape of a checkpoint's pre-training loss along two directions. */
@Command(name = "landscape", mixinStandardHelpOptions = true, sortOptions = false,
        subcommands = {LandscapeMergeCommand.class, LandscapePlotCommand.class},
        description = {"Loss landscape of a checkpoint (Li et al. 2018): the method's own loss — MAE, RC-MAE with its teacher as stored, LUT,",
                "SimMIM, supervised cross-entropy (+ accuracy) — at θ* + α·δ + β·η on a fixed data subset with fixed masks (the same",
                "masking noise and augmentation draw at every point), eval mode. δ and η are random Gaussian directions normalised",
                "filter by filter to the weights (each row of a [out, in] weight, each output channel of the patch embedding, the",
                "whole cls/mask token, scaled to the norm of the same slice of θ*), with biases and norm parameters left alone",
                "(--ignore biasbn); α and β are multiples of those normalised directions, so α = 1 moves every filter by its own norm.",
                "--checkpoint2 interpolates instead: δ = θ₂ − θ₁, α = 0 at the first checkpoint and 1 at the second. --pca-of plots",
                "along the first two principal components of a run's checkpoints and its trajectory. --ratio adds |λmin/λmax| of the",
                "full Hessian at every point (Lanczos on exact Hessian-vector products; costly: use a coarse grid) and the convex region.",
                "Points are written to DIR/surface.json as they are computed (a killed run resumes); --shard i/N (or RANK/WORLD_SIZE,",
                "SLURM_PROCID/SLURM_NTASKS, OMPI_COMM_WORLD_RANK/SIZE) computes one share into DIR/shards/, merged by `landscape merge`.",
                "Example: tessera landscape --checkpoint runs/pretrain-mae/checkpoint-620 --x -1:1:21 --y -1:1:21 --out runs/land-mae"})
public final class LandscapeCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", description = "A checkpoint of tessera pretrain (θ*; θ₁ with --checkpoint2); required.")
    Path checkpoint;

    @Option(names = "--checkpoint2", description = "Interpolate to this checkpoint of the same model: δ = θ₂ − θ₁ (loss-landscape's target direction).")
    Path checkpoint2;

    @Option(names = "--x", defaultValue = "-1:1:51", description = "α axis min:max:num (default ${DEFAULT-VALUE}; -0.5:1.5:41 suits --checkpoint2).")
    String x;

    @Option(names = "--y", description = "β axis min:max:num; without it the landscape is 1-D.")
    String y;

    @Option(names = "--dir-norm", defaultValue = "filter", description = "Direction normalisation: filter, layer, weight, dfilter, dlayer, none (default ${DEFAULT-VALUE}).")
    String dirNorm;

    @Option(names = "--ignore", defaultValue = "biasbn", description = "biasbn: biases and norm parameters (tensors of rank ≤ 1) are not perturbed; none: they move with the weights, (1+α)·w, as the reference does without the flag (default ${DEFAULT-VALUE}).")
    String ignore;

    @Option(names = "--dir-type", defaultValue = "weights", description = "weights (trainable parameters; frozen position tables are never perturbed) or states (BatchNorm running statistics too) (default ${DEFAULT-VALUE}).")
    String dirType;

    @Option(names = "--dir-seed", defaultValue = "123", description = "Seed of the random directions (default ${DEFAULT-VALUE}, as the reference's).")
    long dirSeed;

    @Option(names = "--directions", description = "Load the directions from this file (written as DIR/directions.safetensors by an earlier run).")
    Path directions;

    @Option(names = "--pca-of", description = "A run directory: directions are the first two principal components of its checkpoints' trajectory (at least 3 checkpoints).")
    Path pcaOf;

    @Option(names = "--probe", description = "A linear-probe checkpoint of tessera probe linear on this checkpoint's encoder: analyse the probe's cross-entropy instead, over the encoder's parameters (the head fixed).")
    Path probe;

    @Option(names = "--data", description = "Dataset (default: the one the checkpoint was trained on).")
    String data;

    @Option(names = "--split", defaultValue = "train", description = "train or test (default ${DEFAULT-VALUE}, as the reference).")
    String split;

    @Option(names = "--images", defaultValue = "256", description = "The first N images of the split (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--batch", defaultValue = "128", description = "Images per forward pass (default ${DEFAULT-VALUE}); must divide --images.")
    int batch;

    @Option(names = "--augment", description = "none or train: the method's training augmentation drawn once (default: train for lut and lut-simmim, none otherwise).")
    String augment;

    @Option(names = "--loss", defaultValue = "task", description = "task, or task+l2 (Park & Kim: + (λ/2)·Σ‖θ‖² over decayed parameters) (default ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--weight-decay", defaultValue = "0.05", description = "λ of the L2 term (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the masks and the augmentation draw (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ratio", description = "Also |λmin/λmax| of the full Hessian at every point, and the convex region around the origin.")
    boolean ratio;

    @Option(names = "--ratio-threshold", defaultValue = "0.1", description = "A point counts as convex when |λmin/λmax| ≤ this (default ${DEFAULT-VALUE}; no source fixes it).")
    double ratioThreshold;

    @Option(names = "--lanczos-steps", defaultValue = "20", description = "Lanczos steps per point for --ratio (default ${DEFAULT-VALUE}).")
    int lanczosSteps;

    @Option(names = "--shard", description = "Compute share i of N (0-based, i/N) into DIR/shards/; default from RANK/WORLD_SIZE, SLURM_PROCID/SLURM_NTASKS or OMPI_COMM_WORLD_RANK/SIZE, else the whole grid.")
    String shard;

    @Mixin
    ComputeOptions compute;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        if (checkpoint == null) throw new IllegalArgumentException("--checkpoint is required (see tessera landscape --help)");
        Axis ax = Axis.parse(x), ay = y == null ? null : Axis.parse(y);
        validate();
        SurfaceGrid.Shard sh = shard != null ? SurfaceGrid.Shard.parse(shard) : launcherShard(System.getenv());
        Path dir = output.dir(checkpoint);
        try (ExecutionContext ctx = compute.open(seed)) {
            RunCheckpoint run = RunCheckpoint.open(ctx, checkpoint);
            String spec = data != null ? data : run.data();
            io.tessera.ssl.method.PretrainMethod method = probe == null ? run.method() : probeLoss(ctx, run, probe);
            if (probe != null && augment != null && augment.equals("train")) throw new IllegalArgumentException("the linear-probe loss is evaluated without augmentation: drop --augment train");
            boolean aug = probe == null && (augment != null ? augment.equals("train") : run.spec().method().twoViews());
            List<Batch> fixed = run.batches(ctx, spec, split.equals("test") ? Split.TEST : Split.TRAIN, images / batch, batch, aug, seed);
            FrozenObjective objective = new FrozenObjective(method, fixed, seed, FrozenObjective.Terms.parse(loss), weightDecay);
            ParameterSelection sel = dirType.equals("states") ? ParameterSelection.states(method.trainable())
                    : ParameterSelection.of(method.trainable(), ParameterSelection.Rule.ALL_TRAINABLE);
            Map<String, Object> settings = settings(run, spec, aug, objective);
            LandscapeDirections dirs = LandscapeDirections.make(ctx, run, sel, this, settings, ay != null);
            if (sh.index() == 0) LandscapeOutputs.writeDirections(dir, dirs, sel);
            List<String> fields = new ArrayList<>(method.name().equals("supervised") || probe != null ? List.of("loss", "accuracy") : List.of("loss"));
            if (ratio) fields.addAll(CurvatureSurface.FIELDS);
            SurfaceGrid grid = GridRun.openOrCreate(ShardMerge.file(dir, sh), new SurfaceGrid(ax, ay, settings, sh, fields));
            System.err.printf(Locale.ROOT, "landscape: %s of %s, %s directions (%s, %s), %s%s, %d of %d points to do%s, loss %s on %d images, %s%n",
                    run.spec().describe(), run.base().getFileName(), dirs.kind(), dirNorm, ignore, ax, ay == null ? "" : " × " + ay, grid.todo().size(),
                    grid.owned(), sh.count() > 1 ? " (shard " + sh + ")" : "", objective.terms().label(), objective.samples(), ctx.backend().device());
            try (PerturbedWeights w = new PerturbedWeights(sel, dirs.x(), dirs.y())) {
                LossSurface lossAt = new LossSurface(ctx, objective, w);
                PointFunction f = lossAt;
                if (ratio) {
                    ParameterSelection hess = ParameterSelection.of(method.trainable(), ParameterSelection.Rule.ALL_TRAINABLE);
                    CurvatureSurface curv = new CurvatureSurface(ctx, objective, w, hess, Lanczos.Settings.defaults().withSteps(lanczosSteps).withSeed(seed));
                    f = (a, b) -> {
                        Map<String, Double> m = new LinkedHashMap<>(lossAt.at(a, b));
                        m.putAll(curv.at(a, b));
                        return m;
                    };
                }
                GridRun.run(grid, ShardMerge.file(dir, sh), f, new ConsoleProgress(System.err));
            }
            if (sh.count() > 1) {
                System.out.println("wrote " + ShardMerge.file(dir, sh) + " (shard " + sh + "); when every shard is done: tessera landscape merge " + dir);
                return 0;
            }
            LandscapeOutputs.summarize(grid, dir, ratio ? ratioThreshold : Double.NaN);
        }
        return 0;
    }

    /** The share of a worker that a launcher started: its rank of the world size (the whole grid for a single process). */
    static SurfaceGrid.Shard launcherShard(Map<String, String> environment) {
        try {
            LaunchEnvironment env = LaunchEnvironment.fromEnvironment(environment);
            return new SurfaceGrid.Shard(env.rank(), env.worldSize());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + " (or give --shard i/N)", e);
        }
    }

    private void validate() {
        if (images < 1 || batch < 1 || images % batch != 0) throw new IllegalArgumentException("--batch " + batch + " must be ≥ 1 and divide --images " + images);
        if (!split.equals("train") && !split.equals("test")) throw new IllegalArgumentException("--split must be train or test, got " + split);
        if (augment != null && !augment.equals("none") && !augment.equals("train")) throw new IllegalArgumentException("--augment must be none or train, got " + augment);
        if (!ignore.equals("biasbn") && !ignore.equals("none")) throw new IllegalArgumentException("--ignore must be biasbn or none, got " + ignore);
        if (!dirType.equals("weights") && !dirType.equals("states")) throw new IllegalArgumentException("--dir-type must be weights or states, got " + dirType);
        Normalization.parse(dirNorm);
        int sources = (directions != null ? 1 : 0) + (pcaOf != null ? 1 : 0) + (checkpoint2 != null ? 1 : 0);
        if (sources > 1) throw new IllegalArgumentException("give at most one of --directions, --pca-of and --checkpoint2");
        if (checkpoint2 != null && y != null) throw new IllegalArgumentException("--checkpoint2 makes a 1-D interpolation: drop --y");
        if (pcaOf != null && y == null) throw new IllegalArgumentException("--pca-of plots a 2-D plane: give --y too");
        if (ratio && lanczosSteps < 2) throw new IllegalArgumentException("--lanczos-steps must be ≥ 2");
        if (probe != null && (pcaOf != null || checkpoint2 != null)) {
            throw new IllegalArgumentException("--probe takes random or saved (--directions) directions over the probe's encoder, not --pca-of or --checkpoint2");
        }
    }

    /** Everything that decides the values: a grid resumes or merges only under equal settings. */
    private Map<String, Object> settings(RunCheckpoint run, String spec, boolean aug, FrozenObjective obj) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("checkpoint", run.base().toAbsolutePath().normalize().toString());
        s.put("weights_sha256", String.valueOf(run.sidecar().get("weights_sha256")));
        s.put("method", obj.method().name());
        if (probe != null) s.put("probe", RunCheckpoint.base(probe).toAbsolutePath().normalize().toString());
        s.put("loss", obj.describe());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("spec", spec);
        data.put("split", split);
        data.put("images", (long) images);
        data.put("batch", (long) batch);
        data.put("augment", aug ? "train (drawn once)" : "none");
        s.put("data", data);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("type", dirType);
        d.put("normalisation", dirNorm);
        d.put("ignore", ignore);
        d.put("seed", dirSeed);
        if (checkpoint2 != null) d.put("target", RunCheckpoint.base(checkpoint2).toAbsolutePath().normalize().toString());
        if (pcaOf != null) d.put("pca_of", pcaOf.toAbsolutePath().normalize().toString());
        if (directions != null) d.put("file", directions.toAbsolutePath().normalize().toString());
        s.put("directions", d);
        if (ratio) {
            Map<String, Object> h = new LinkedHashMap<>();
            h.put("algorithm", "Lanczos, full re-orthogonalisation");
            h.put("steps", (long) lanczosSteps);
            h.put("seed", seed);
            h.put("parameters", "all-trainable");
            s.put("hessian", h);
        }
        return s;
    }

    // ---- accessors for LandscapeDirections -----------------------------------------------------

    Path checkpoint2() { return checkpoint2; }

    Path directionsFile() { return directions; }

    Path pcaOf() { return pcaOf; }

    long dirSeed() { return dirSeed; }

    Normalization normalization() { return Normalization.parse(dirNorm); }

    Directions.LowRank lowRank() { return ignore.equals("biasbn") ? Directions.LowRank.IGNORE : Directions.LowRank.COPY; }

    /** The probe's loss, refused unless its encoder has the geometry of the checkpoint's (a probe of another model). */
    static io.tessera.eval.probe.ProbeLoss probeLoss(ExecutionContext ctx, RunCheckpoint run, Path probe) throws java.io.IOException {
        io.tessera.eval.probe.ProbedModel m = io.tessera.eval.probe.ProbeCheckpoint.load(ctx, RunCheckpoint.base(probe));
        io.tessera.nn.VitConfig a = m.encoder().config(), b = run.spec().model().encoder();
        if (a.width() != b.width() || a.depth() != b.depth() || a.patchSize() != b.patchSize() || a.imageSize() != b.imageSize() || a.inChannels() != b.inChannels()) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the probe %s is for a ViT %d×%d (patch %d, %d px), the checkpoint %s is a ViT %d×%d (patch %d, %d px): probe this checkpoint first",
                    RunCheckpoint.base(probe).getFileName(), a.width(), a.depth(), a.patchSize(), a.imageSize(), run.base().getFileName(), b.width(), b.depth(), b.patchSize(), b.imageSize()));
        }
        return new io.tessera.eval.probe.ProbeLoss(m);
    }
}
