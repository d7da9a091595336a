package io.tessera.ssl.train;

/**
 * Training stopped because a loss or gradient was NaN or infinite. Names the step, the learning
 * rate and the base path of the last checkpoint ({@code …/checkpoint-N}, as a resume takes it).
 */
public final class NonFiniteLossException extends RuntimeException {
    private final long step;
    private final double lr;

    public NonFiniteLossException(String what, long step, double lr, String lastCheckpoint) {
        super(what + " at step " + step + " (learning rate " + lr + ")"
                + (lastCheckpoint == null ? "; no checkpoint was written yet" : "; the last checkpoint is " + lastCheckpoint));
        this.step = step;
        this.lr = lr;
    }

    public long step() {
        return step;
    }

    public double lr() {
        return lr;
    }
}
