package io.tessera.ssl.method;

import io.tessera.nn.ParameterStore;
import io.tessera.tensor.Ops;
import io.tessera.tensor.Rng;
import io.tessera.tensor.dist.Collective;

import java.util.Map;

/**
 * A pre-training method as a strategy over shared parts (encoder, decoder, masking plan,
 * teacher): the trainer owns the loop, the optimizer, schedules and checkpoints, and calls
 * only this contract.
 */
public interface PretrainMethod {

    /** A short name: "mae", "rcmae", "lut", "simmim", "lut-simmim", "supervised". */
    String name();

    /** The store whose trainable parameters the optimizer updates. */
    ParameterStore trainable();

    /**
     * Every store a checkpoint must hold, by role ("student", "teacher", …); the trainable
     * store is among them.
     */
    Map<String, ParameterStore> stores();

    /** The role of the store that downstream evaluation uses ("teacher" for RC-MAE). */
    String evaluationRole();

    /** The loss of one batch; {@code rng} is this step's stream (masks, views, drop path). */
    StepLosses forward(Ops ops, Batch batch, Rng rng);

    /**
     * True when {@link #forward} draws each image's randomness as its rows of the step stream from
     * {@link Batch#firstSample()} on ({@link Batch#rowStream}), so that a data-parallel rank holding
     * a slice of the global batch draws what one process would for those images (every method of
     * Tessera does). Otherwise every rank would draw a whole batch's worth for its slice, and the
     * trainer gives each rank its own child of the step stream, so the ranks' draws are
     * independent rather than copies of each other.
     */
    default boolean drawsRowsFromFirstSample() {
        return false;
    }

    /**
     * The data-parallel group the trainer runs this method in, given once before the first step:
     * a method whose training forward takes batch statistics (BatchNorm) takes them over the
     * group's global batch, as LUT's official code does with SyncBatchNorm. A method without such
     * layers ignores it.
     */
    default void useProcessGroup(Collective group) {
    }

    /**
     * Called after every optimizer step (EMA teachers update here) with k, the 0-based global data
     * iteration of the step's last micro-batch: k = epoch·(micro-batches per epoch) + its index in
     * the epoch. This is the index LUT's code gives its momentum schedule (engine_lut.py:
     * {@code it = len(data_loader)·epoch + data_iter_step}, updated when
     * {@code (data_iter_step + 1) % accum_iter == 0}); a cosine schedule over K = epochs·(micro-batches
     * per epoch) iterations then starts at exactly m₀.
     */
    default void afterOptimizerStep(long iteration) {
    }

    /** Switches every network of the method between training and evaluation behaviour. */
    void train(boolean on);
}
