/*
 * A collective call did not complete in time: a peer stopped, died, or called a different
 * collective. The group is unusable afterwards (the blocked call may still be running inside the
 * transport); the job should end. The message names the operation, the rank and the limit.
 */
package io.tessera.tensor.dist;

import java.time.Duration;

/** Thrown when a collective call waits longer than its group's timeout. */
public final class CollectiveTimeoutException extends RuntimeException {
    private final String operation;
    private final Duration timeout;

    /**
     * @param operation what was waiting, e.g. "MPI_Allreduce of 1000 F32"
     * @param timeout   the limit that passed
     * @param message   the whole one-line message
     */
    public CollectiveTimeoutException(String operation, Duration timeout, String message) {
        super(message);
        this.operation = operation;
        this.timeout = timeout;
    }

    public String operation() {
        return operation;
    }

    public Duration timeout() {
        return timeout;
    }
}
