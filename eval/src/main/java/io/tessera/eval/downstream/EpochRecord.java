// One epoch of a probe or fine-tuning run as eval.json lists it: the learning rate at the epoch's
// last step, the mean training loss, and the test loss with top-1/top-5 accuracy after the epoch.
package io.tessera.eval.downstream;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * @param epoch     1-based
 * @param lr        peak-scaled learning rate of the last step of the epoch (before group scales)
 * @param trainLoss mean training loss over the epoch's steps
 * @param testLoss  mean cross-entropy on the test split
 * @param top1      test top-1 accuracy in [0, 1]
 * @param top5      test top-5 accuracy in [0, 1]
 * @param seconds   wall time of the epoch, evaluation included
 */
public record EpochRecord(int epoch, double lr, double trainLoss, double testLoss, double top1, double top5, double seconds) {
    public EpochRecord {
        if (epoch < 1) throw new IllegalArgumentException("epochs count from 1, got " + epoch);
        for (double v : new double[] {lr, trainLoss, testLoss, top1, top5, seconds}) {
            if (!Double.isFinite(v)) throw new IllegalStateException("epoch " + epoch + " has a non-finite metric (lr " + lr + ", train loss " + trainLoss
                    + ", test loss " + testLoss + ", top-1 " + top1 + ")");
        }
    }

    /** {"epoch", "lr", "train_loss", "test_loss", "top1", "top5", "seconds"}. */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("epoch", (long) epoch);
        m.put("lr", lr);
        m.put("train_loss", trainLoss);
        m.put("test_loss", testLoss);
        m.put("top1", top1);
        m.put("top5", top5);
        m.put("seconds", seconds);
        return m;
    }
}
