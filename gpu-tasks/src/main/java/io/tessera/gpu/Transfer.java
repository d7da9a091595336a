/*
 * When a declared host-device copy happens, as in TornadoVM's DataTransferMode.
 */
package io.tessera.gpu;

/** Transfer modes of a task graph's copies between host and device. */
public enum Transfer {
    /** Copied on the plan's first execution only (weights, constants). */
    FIRST_EXECUTION,
    /** Copied on every execution (inputs that change, results read each time). */
    EVERY_EXECUTION,
    /** Copied only when the plan is asked to ({@link ExecutionPlan#transferToDevice}, {@link ExecutionPlan#transferToHost}). */
    ON_DEMAND
}
