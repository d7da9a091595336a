package io.tessera.eval.hessian;

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

    /** Drops the eigenvectors: B·k vectors of n doubles would not fit in memory for a ViT. */
    private static PowerIterationResult withoutVectors(PowerIterationResult r) {
        return new PowerIterationResult(r.settings(), r.dimension(), r.eigenvalues(), r.iterations(), r.converged(),
                r.relativeChanges(), r.operatorApplications(), r.wallSeconds(), new double[0][]);
    }
}
