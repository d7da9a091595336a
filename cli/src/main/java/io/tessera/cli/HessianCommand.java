package io.tessera.cli;

import io.tessera.eval.hessian.AllReducedOperator;
import io.tessera.eval.hessian.BatchSpectra;
import io.tessera.eval.hessian.BatchSpectraResult;
import io.tessera.eval.hessian.ExtremeEigenvalues;
import io.tessera.eval.hessian.HessianAnalysis;
import io.tessera.eval.hessian.HessianFigures;
import io.tessera.eval.hessian.HessianJson;
import io.tessera.eval.hessian.HessianPage;
import io.tessera.eval.hessian.HessianVectorProduct;
import io.tessera.eval.hessian.HutchinsonTrace;
import io.tessera.eval.hessian.PerBatchOperators;
import io.tessera.eval.hessian.PowerIteration;
import io.tessera.eval.hessian.SpectralDensity;
import io.tessera.eval.objective.FrozenObjective;
import io.tessera.eval.objective.ParameterSelection;
import io.tessera.ssl.data.Split;
import io.tessera.ssl.method.Batch;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.dist.Collective;
import io.tessera.tensor.dist.LaunchEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tessera hessian}: the Hessian spectrum of a checkpoint's pre-training loss at fixed data and masks. */
@Command(name = "hessian", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Hessian spectrum of a checkpoint's loss by exact Hessian-vector products (double backward), as PyHessian computes it:",
                "top-k eigenvalues (power iteration with deflation), λmax and λmin with the eigen-ratio |λmin/λmax| (Lanczos with full",
                "re-orthogonalisation, and the spectral shift), the trace (Hutchinson), the spectral density (stochastic Lanczos quadrature)",
                "and the distribution of per-batch top eigenvalues (Park & Kim). The loss is the method's own (MAE, RC-MAE with its teacher",
                "frozen, LUT with BatchNorm in eval mode, SimMIM, supervised cross-entropy) on a fixed subset with fixed masks: the same",
                "masking noise at every product. Writes hessian.json (every number with its settings and seeds), density and batch",
                "figures (PNG + SVG) and hessian.html. Under mpirun -np W each process takes a contiguous share of the --batches and",
                "the products are summed over the processes, so every process runs the same iterations; process 0 writes the outputs.",
                "Example: tessera hessian --checkpoint runs/pretrain-mae/checkpoint-620 --top-k 5 --trace --density --ratio"})
public final class HessianCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "A checkpoint of tessera pretrain (…/checkpoint-N, with or without .safetensors/.json).")
    Path checkpoint;

    @Option(names = "--probe", description = "A linear-probe checkpoint of tessera probe linear on this checkpoint's encoder: analyse the probe's cross-entropy instead, over the encoder's parameters (the head fixed).")
    Path probe;

    @Option(names = "--data", description = "Dataset (default: the one the checkpoint was trained on).")
    String data;

    @Option(names = "--split", defaultValue = "train", description = "train or test (default ${DEFAULT-VALUE}: the loss that was optimised).")
    String split;

    @Option(names = "--batch", defaultValue = "64", description = "Images per batch (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--batches", defaultValue = "1", description = "Batches: the first batches × batch images of the split, in order. One batch keeps its graph between products "
            + "(PyHessian's single-batch mode); more average each product over them, weighted by size (default ${DEFAULT-VALUE}).")
    int batches;

    @Option(names = "--augment", description = "none or train: the method's training augmentation, drawn once (default: train for the two-view methods lut and lut-simmim, none otherwise).")
    String augment;

    @Option(names = "--params", defaultValue = "all-trainable", description = "Parameters: all-trainable (PyHessian) or matrices (tensors of rank > 1, loss-landscape's choice) (default ${DEFAULT-VALUE}).")
    String params;

    @Option(names = "--loss", defaultValue = "task", description = "task, or task+l2 to add (λ/2)·Σ‖θ‖² over the decayed parameters (Park & Kim) (default ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--weight-decay", defaultValue = "0.05", description = "λ of the L2 term (default ${DEFAULT-VALUE}, MAE's).")
    double weightDecay;

    @Option(names = "--top-k", defaultValue = "5", description = "Top eigenvalues by power iteration (0: skip; default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--ratio", description = "λmax, λmin and the eigen-ratio |λmin/λmax| (Lanczos and the spectral shift).")
    boolean ratio;

    @Option(names = "--trace", description = "Hutchinson trace with Rademacher vectors (at least 20 samples) and its standard error.")
    boolean trace;

    @Option(names = "--density", description = "Spectral density by stochastic Lanczos quadrature.")
    boolean density;

    @Option(names = "--batch-spectra", description = "Top-k eigenvalues of every batch separately, and their distribution (needs --batches > 1).")
    boolean batchSpectra;

    @Option(names = "--iters", defaultValue = "100", description = "Maximum power iterations and Hutchinson samples (default ${DEFAULT-VALUE}, PyHessian's).")
    int iters;

    @Option(names = "--tol", defaultValue = "1e-3", description = "Relative tolerance of power iteration and the trace (default ${DEFAULT-VALUE}, PyHessian's).")
    double tol;

    @Option(names = "--lanczos-steps", defaultValue = "100", description = "Lanczos steps for --ratio and --density (default ${DEFAULT-VALUE}).")
    int lanczosSteps;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the masks, the augmentation draw and every random vector (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--distributed", description = "Share the --batches among processes: mpi (Open MPI; start with mpirun -np W, W ≤ --batches), none, or auto "
            + "(default: mpi when mpirun or srun started this process, else none). Each process takes a contiguous share of whole batches; "
            + "products, gradients and the loss are summed over the processes; process 0 prints and writes.")
    Distributed distributed = Distributed.AUTO;

    @Mixin
    ComputeOptions compute;

    @Mixin
    OutputOption output;

    @Override
    public Integer call() throws Exception {
        validate();
        Path dir = output.dir(checkpoint);
        try (Collective group = distributed.open(LaunchEnvironment.fromEnvironment(System.getenv()), "the Hessian analysis", "analyse in each process alone");
             ExecutionContext ctx = compute.open(seed)) {
            int world = group.worldSize(), rank = group.rank();
            if (world > 1 && compute.device.kind() != DeviceSpec.Kind.CPU) {
                throw new IllegalArgumentException("--distributed analyses on the CPU only (its collectives reduce host memory); drop --device " + compute.device);
            }
            if (world > batches) {
                throw new IllegalArgumentException("--batches " + batches + " among " + world + " processes: each process takes whole batches; give --batches ≥ " + world + " or start fewer processes");
            }
            PrintStream console = rank == 0 ? System.err : new PrintStream(OutputStream.nullOutputStream());
            // rank r's contiguous share of the batches: [⌊r·B/W⌋, ⌊(r+1)·B/W⌋)
            int from = (int) ((long) rank * batches / world), to = (int) ((long) (rank + 1) * batches / world);
            RunCheckpoint run = RunCheckpoint.open(ctx, checkpoint);
            String spec = data != null ? data : run.data();
            io.tessera.ssl.method.PretrainMethod method = probe == null ? run.method() : probeLoss(ctx, run, probe);
            if (probe != null && augment != null && augment.equals("train")) throw new IllegalArgumentException("the linear-probe loss is evaluated without augmentation: drop --augment train");
            boolean aug = probe == null && (augment != null ? augment.equals("train") : run.spec().method().twoViews());
            List<Batch> fixed = run.batches(ctx, spec, split.equals("test") ? Split.TEST : Split.TRAIN, batches, batch, aug, seed, from, to);
            FrozenObjective objective = FrozenObjective.share(method, fixed, from, batches, batches * batch, seed, FrozenObjective.Terms.parse(loss), weightDecay);
            ParameterSelection sel = ParameterSelection.of(method.trainable(), ParameterSelection.Rule.parse(params));
            console.printf(Locale.ROOT, "hessian: %s of %s, %d parameters (%s), %d × %d images of %s (%s), loss %s, on %s%s%n", run.spec().describe(),
                    run.base().getFileName(), sel.dimension(), sel.rule().label(), batches, batch, spec, aug ? "augmented once" : "no augmentation",
                    objective.terms().label(), ctx.backend().device(), world > 1 ? ", " + world + " processes" : "");
            Map<String, String> context = context(run, spec, aug, objective, sel, world);
            long t0 = System.nanoTime();
            HessianAnalysis result;
            ConsoleProgress progress = new ConsoleProgress(console);
            try (HessianVectorProduct hvp = new HessianVectorProduct(ctx, objective, sel)) {
                context.put("loss_value", String.format(Locale.ROOT, "%.6g", AllReducedOperator.sum(group, () -> objective.value(ctx))));
                result = HessianAnalysis.run(method.name() + " " + run.base().getFileName(), new AllReducedOperator(hvp, group), plan(), context, progress);
                context.put("hessian_vector_products", String.valueOf(hvp.products()));
                context.put("ms_per_product", String.format(Locale.ROOT, "%.1f", hvp.meanMillis()) + (world > 1 ? " (process 0's share)" : ""));
            }
            if (batchSpectra) result = result.withBatches(perBatch(ctx, objective, sel, group, progress));
            context.put("wall_seconds", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
            result = new HessianAnalysis(result.title(), result.dimension(), context, result.topEigenvalues(), result.extremes(), result.trace(),
                    result.density(), result.batches());
            if (rank == 0) write(result, dir);
        }
        return 0;
    }

    private void validate() {
        if (batch < 1 || batches < 1) throw new IllegalArgumentException("--batch and --batches must be ≥ 1");
        if (topK < 0) throw new IllegalArgumentException("--top-k must be ≥ 0");
        if (iters < 1 || lanczosSteps < 2) throw new IllegalArgumentException("--iters must be ≥ 1 and --lanczos-steps ≥ 2");
        if (!(tol > 0)) throw new IllegalArgumentException("--tol must be > 0, got " + tol);
        if (!split.equals("train") && !split.equals("test")) throw new IllegalArgumentException("--split must be train or test, got " + split);
        if (augment != null && !augment.equals("none") && !augment.equals("train")) throw new IllegalArgumentException("--augment must be none or train, got " + augment);
        if (batchSpectra && batches < 2) throw new IllegalArgumentException("--batch-spectra needs --batches ≥ 2");
        if (topK == 0 && !ratio && !trace && !density && !batchSpectra) throw new IllegalArgumentException("nothing to compute: give --top-k ≥ 1, --ratio, --trace, --density or --batch-spectra");
    }

    private HessianAnalysis.Plan plan() {
        HessianAnalysis.Plan py = HessianAnalysis.Plan.pyHessian(seed);
        PowerIteration.Settings power = py.topEigenvalues().withStopping(iters, tol);
        ExtremeEigenvalues.Settings e = py.extremes();
        ExtremeEigenvalues.Settings ext = new ExtremeEigenvalues.Settings(e.routes(), e.lanczos().withSteps(lanczosSteps), e.power().withStopping(iters, tol), e.shiftFactor());
        HutchinsonTrace.Settings tr = new HutchinsonTrace.Settings(iters, tol, Math.min(py.trace().minSamples(), iters), seed);
        SpectralDensity.Settings d = py.density().withSteps(lanczosSteps);
        return new HessianAnalysis.Plan(topK > 0 ? power.withTopK(topK) : null, ratio ? ext : null, trace ? tr : null, density ? d : null);
    }

    /** Top-k of each batch on its own (with the masks it has in the whole objective), for Park & Kim's distribution; each process its share. */
    private static BatchSpectraResult perBatch(ExecutionContext ctx, FrozenObjective share, ParameterSelection sel, Collective group, ConsoleProgress progress) {
        try (PerBatchOperators ops = new PerBatchOperators(ctx, share, sel)) {
            return BatchSpectra.collect(ops, share.firstBatch(), share.totalBatches(), BatchSpectra.Settings.parkKim(), group, progress);
        }
    }

    private Map<String, String> context(RunCheckpoint run, String spec, boolean aug, FrozenObjective obj, ParameterSelection sel, int world) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("checkpoint", run.base().toString());
        c.put("method", obj.method().name());
        if (probe != null) c.put("probe", RunCheckpoint.base(probe).toString());
        c.put("model", run.spec().describe());
        c.put("data", spec + " (" + split + ", first " + (batches * batch) + " images, " + (aug ? "training augmentation drawn once" : "no augmentation") + ")");
        c.put("loss", obj.terms().label() + (obj.terms() == FrozenObjective.Terms.TASK_L2 ? " (λ " + weightDecay + ")" : "") + ", eval mode, fixed masks");
        c.put("parameters", sel.rule().label() + ", " + sel.dimension());
        c.put("batches", batches + " × " + batch + (world > 1 ? ", contiguous shares of " + world + " processes, products summed over them" : ""));
        c.put("seed", String.valueOf(seed));
        c.put("device", compute.device.toString());
        return c;
    }

    private static void write(HessianAnalysis a, Path dir) throws java.io.IOException {
        Files.createDirectories(dir);
        HessianJson.write(a, dir.resolve("hessian.json"));
        List<String> figs = new ArrayList<>();
        if (a.density() != null) {
            HessianFigures.writeDensity(a.density(), dir.resolve("density"));
            figs.add("density.png/svg");
        }
        if (a.batches() != null) {
            HessianFigures.writeBatchDistribution(a.batches(), dir.resolve("batch-eigenvalues"));
            figs.add("batch-eigenvalues.png/svg");
        }
        HessianPage.write(a, dir.resolve("hessian.html"));
        if (a.topEigenvalues() != null) System.out.println("top eigenvalues: " + fmt(a.topEigenvalues().eigenvalues()));
        if (a.extremes() != null) {
            var r = a.extremes().preferred();
            System.out.printf(Locale.ROOT, "λmax %.6g, λmin %.6g, |λmin/λmax| %.4g (%s)%n", r.lambdaMax(), r.lambdaMin(), r.ratio(), r.route());
        }
        if (a.trace() != null) System.out.printf(Locale.ROOT, "trace %.6g ± %.2g (%d samples)%n", a.trace().mean(), a.trace().standardError(), a.trace().samples().length);
        System.out.println("wrote " + dir.resolve("hessian.json") + ", " + dir.resolve("hessian.html") + (figs.isEmpty() ? "" : ", " + String.join(", ", figs)));
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) b.append(b.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.6g", x));
        return b.toString();
    }

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
