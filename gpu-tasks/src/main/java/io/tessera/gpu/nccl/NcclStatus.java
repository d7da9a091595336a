/*
 * NCCL's ncclResult_t values by name, as nccl.h numbers them in NCCL 2.x, so a failure reads
 * ncclInvalidUsage rather than 5. ncclInProgress is not a failure: a non-blocking call that has
 * not finished yet.
 */
package io.tessera.gpu.nccl;

import java.util.List;

/** The names of ncclResult_t values. */
public final class NcclStatus {
    private NcclStatus() {
    }

    public static final int ncclSuccess = 0, ncclUnhandledCudaError = 1, ncclSystemError = 2, ncclInternalError = 3,
            ncclInvalidArgument = 4, ncclInvalidUsage = 5, ncclRemoteError = 6, ncclInProgress = 7;

    /** Index = ncclResult_t. */
    private static final List<String> NAMES = List.of("ncclSuccess", "ncclUnhandledCudaError", "ncclSystemError", "ncclInternalError",
            "ncclInvalidArgument", "ncclInvalidUsage", "ncclRemoteError", "ncclInProgress");

    /** The name of a result, e.g. "ncclRemoteError"; "ncclResult_n" for one this table does not know. */
    public static String name(int result) {
        return result >= 0 && result < NAMES.size() ? NAMES.get(result) : "ncclResult_" + result;
    }
}
