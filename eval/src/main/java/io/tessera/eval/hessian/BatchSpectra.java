package io.tessera.eval.hessian;

import io.tessera.tensor.dist.Collective;

import java.util.ArrayList;
import java.util.List;

// Per-mini-batch top-k Hessian eigenvalues and their distribution, as Park & Kim 2022 (How do
// vision transformers work?, "Hessian max eigenvalue spectra"; how-do-vits-work issue #12):
// PyHessian's power iteration on each batch's Hessian, every batch with its own seed.

/** Top-k eigenvalues of one operator per mini-batch, collected into a distribution. */
public final class BatchSpectra {
    private BatchSpectra() {
    }

    /**
     * @param power per-batch power iteration (Park &amp; Kim use top-k with k = 5); batch b uses seed power.seed + b
     * @param bins  histogram bins ≥ 1
     */
    public record Settings(PowerIteration.Settings power, int bins) {
        public Settings {
            if (power == null) throw new IllegalArgumentException("batch spectra: power settings are null");
            if (bins < 1) throw new IllegalArgumentException("batch spectra: bins must be at least 1, got " + bins);
        }

        /** PyHessian's power iteration with top-5 per batch, 30 histogram bins. */
        public static Settings parkKim() {
            return new Settings(PowerIteration.Settings.pyHessian().withTopK(5), 30);
        }

        public Settings withBins(int b) {
            return new Settings(power, b);
        }
    }

    /** Runs with {@link ProgressListener#NONE}. */
    public static BatchSpectraResult collect(List<? extends SymmetricOperator> batches, Settings settings) {
        return collect(batches, settings, ProgressListener.NONE);
    }

    /**
     * Power iteration on every operator in order ({@code batches} may build each lazily in
     * {@code get}); after each batch the listener hears {@code ("batches", b, B)}, and within a batch
     * the power iteration's own stages prefixed with {@code "batch b/B "}.
     *
     * @throws IllegalArgumentException if the list is empty or a batch fails (the message names the batch)
     */
    public static BatchSpectraResult collect(List<? extends SymmetricOperator> batches, Settings settings, ProgressListener progress) {
        if (batches == null || batches.isEmpty()) throw new IllegalArgumentException("batch spectra: no batches");
        long start = System.nanoTime();
        int count = batches.size(), k = settings.power().topK();
        List<PowerIterationResult> perBatch = new ArrayList<>(count);
        double[] values = new double[count * k];
        for (int b = 0; b < count; b++) {
            String prefix = "batch " + (b + 1) + "/" + count + " ";
            PowerIteration.Settings s = settings.power().withSeed(settings.power().seed() + b);
            PowerIterationResult r;
            try {
                r = PowerIteration.run(batches.get(b), s, (stage, done, total) -> progress.step(prefix + stage, done, total));
            } catch (NonFiniteOperatorException e) {
                throw new NonFiniteOperatorException("power iteration on batch " + b, e.step(), e.index(), e.value());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("batch spectra: batch " + b + ": " + e.getMessage(), e);
            }
            perBatch.add(withoutVectors(r));
            System.arraycopy(r.eigenvalues(), 0, values, b * k, k);
            progress.step("batches", b + 1, count);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        return new BatchSpectraResult(settings, perBatch, Histogram.of(values, settings.bins()), wall);
    }

    /**
     * The batch spectra of an objective whose batches are shared among the ranks of {@code group}:
     * this rank runs power iteration on its own batches, {@code first} … {@code first + share.size() − 1}
     * of {@code total} (batch b with seed power.seed + b, as {@link #collect} seeds it in one process),
     * with no communication, and then every rank's results are summed into one table (each rank
     * fills its own rows, zeros elsewhere, so the sum is exact) from which every rank builds the same
     * result over all batches. Collective: every rank calls it once, with its own share; a rank whose
     * batch fails marks its rows, so every rank throws instead of waiting.
     *
     * @param wallSeconds of the result: the longest rank's
     */
    public static BatchSpectraResult collect(List<? extends SymmetricOperator> share, int first, int total, Settings settings,
                                             Collective group, ProgressListener progress) {
        if (share == null || share.isEmpty() || first < 0 || first + share.size() > total) {
            throw new IllegalArgumentException("batch spectra: a share of " + (share == null ? 0 : share.size()) + " batches from " + first + " is empty or does not fit in " + total);
        }
        long start = System.nanoTime();
        int k = settings.power().topK(), row = 4 * k + 3;
        double[] table = new double[total * row + group.worldSize()];
        RuntimeException failure = null;
        for (int j = 0; j < share.size() && failure == null; j++) {
            int b = first + j;
            String prefix = "batch " + (b + 1) + "/" + total + " ";
            try {
                PowerIterationResult r = PowerIteration.run(share.get(j), settings.power().withSeed(settings.power().seed() + b),
                        (stage, done, all) -> progress.step(prefix + stage, done, all));
                encode(r, table, b * row);
            } catch (NonFiniteOperatorException e) {
                failure = new NonFiniteOperatorException("power iteration on batch " + b, e.step(), e.index(), e.value());
            } catch (IllegalArgumentException e) {
                failure = new IllegalArgumentException("batch spectra: batch " + b + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                failure = e;
            }
            progress.step("batches", j + 1, share.size());
        }
        table[total * row + group.rank()] = (System.nanoTime() - start) / 1e9;
        group.allReduceSum(table, 0, table.length);
        if (failure != null) throw failure;
        List<PowerIterationResult> perBatch = new ArrayList<>(total);
        double[] values = new double[total * k];
        for (int b = 0; b < total; b++) {
            if (table[b * row] != 1) {
                throw new IllegalStateException("batch spectra: batch " + b + " was not computed: the rank that holds it failed (that rank names the cause)");
            }
            PowerIterationResult r = decode(settings.power().withSeed(settings.power().seed() + b), share.getFirst().dimension(), table, b * row);
            perBatch.add(r);
            System.arraycopy(r.eigenvalues(), 0, values, b * k, k);
        }
        double wall = 0;
        for (int r = 0; r < group.worldSize(); r++) wall = Math.max(wall, table[total * row + r]);
        return new BatchSpectraResult(settings, perBatch, Histogram.of(values, settings.bins()), wall);
    }

    /** One batch's result as 4k + 3 numbers from {@code at}: 1 (present), λ, iterations, converged (0/1), relative changes, applications, seconds. */
    private static void encode(PowerIterationResult r, double[] table, int at) {
        int k = r.eigenvalues().length;
        table[at] = 1;
        for (int i = 0; i < k; i++) {
            table[at + 1 + i] = r.eigenvalues()[i];
            table[at + 1 + k + i] = r.iterations()[i];
            table[at + 1 + 2 * k + i] = r.converged()[i] ? 1 : 0;
            table[at + 1 + 3 * k + i] = r.relativeChanges()[i];
        }
        table[at + 1 + 4 * k] = r.operatorApplications();
        table[at + 2 + 4 * k] = r.wallSeconds();
    }

    private static PowerIterationResult decode(PowerIteration.Settings s, int dimension, double[] table, int at) {
        int k = s.topK();
        double[] values = new double[k], changes = new double[k];
        int[] iterations = new int[k];
        boolean[] converged = new boolean[k];
        for (int i = 0; i < k; i++) {
            values[i] = table[at + 1 + i];
            iterations[i] = (int) table[at + 1 + k + i];
            converged[i] = table[at + 1 + 2 * k + i] == 1;
            changes[i] = table[at + 1 + 3 * k + i];
        }
        return new PowerIterationResult(s, dimension, values, iterations, converged, changes, (long) table[at + 1 + 4 * k], table[at + 2 + 4 * k], new double[0][]);
    }

    /** Drops the eigenvectors: B·k vectors of n doubles would not fit in memory for a ViT. */
    private static PowerIterationResult withoutVectors(PowerIterationResult r) {
        return new PowerIterationResult(r.settings(), r.dimension(), r.eigenvalues(), r.iterations(), r.converged(),
                r.relativeChanges(), r.operatorApplications(), r.wallSeconds(), new double[0][]);
    }
}
