package io.tessera.nn.optim;

/**
 * MAE's learning-rate schedule (util/lr_sched.py), evaluated every iteration from the
 * fractional epoch e = epoch + iteration / iterationsPerEpoch:
 * e &lt; W: lr = peak·e/W (the first step has lr 0); otherwise
 * lr = min + (peak − min)·½(1 + cos(π(e − W)/(E − W))).
 *
 * @param peak          the peak learning rate (after {@link LrRule} scaling)
 * @param min           the floor reached at the end (0 for pre-training, 1e-6 for fine-tuning)
 * @param warmupEpochs  W
 * @param totalEpochs   E
 */
public record LrSchedule(double peak, double min, double warmupEpochs, double totalEpochs) {
    public LrSchedule {
        if (!(peak >= 0) || !(min >= 0) || min > peak) {
            throw new IllegalArgumentException("learning rates must satisfy 0 ≤ min ≤ peak, got peak " + peak + ", min " + min);
        }
        if (!(warmupEpochs >= 0) || !(totalEpochs > 0) || warmupEpochs > totalEpochs) {
            throw new IllegalArgumentException("need 0 ≤ warm-up ≤ total epochs, got warm-up " + warmupEpochs + ", total " + totalEpochs);
        }
    }

    /** The learning rate at fractional epoch {@code epoch}. */
    public double at(double epoch) {
        if (epoch < warmupEpochs) return peak * epoch / warmupEpochs;
        if (totalEpochs == warmupEpochs) return peak;
        double t = Math.min(1.0, (epoch - warmupEpochs) / (totalEpochs - warmupEpochs));
        return min + (peak - min) * 0.5 * (1 + Math.cos(Math.PI * t));
    }

    /** The learning rate at iteration {@code it} of epoch {@code epoch}. */
    public double at(int epoch, long it, long iterationsPerEpoch) {
        return at(epoch + (double) it / iterationsPerEpoch);
    }
}
