/*
 * A stand-in for libnccl.so.2 with NCCL 2's C signatures, so the FFM binding is exercised without a
 * GPU: it checks what arrives (the 128-byte id passed by value, argument order, sizes), acts on host
 * memory as if W ranks held the same buffer, and records what it was given for the test to read
 * back through fake_* functions. It is not NCCL and moves no data between processes.
 */
#include <stddef.h>
#include <string.h>

typedef struct { char internal[128]; } ncclUniqueId;
struct fake_comm { int nranks, rank, device, async, destroyed, aborted; };
typedef struct fake_comm *ncclComm_t;

static struct fake_comm comm;
static char last_error[512] = "";
static int version_code = 21803;
static void *last_stream;
static size_t last_count;
static int last_root = -1;

/* the id ncclGetUniqueId hands out: byte i is (i * 7 + 3) mod 256 */
static char id_byte(int i) { return (char) (i * 7 + 3); }

int ncclGetVersion(int *version) { *version = version_code; return 0; }

int ncclGetUniqueId(ncclUniqueId *id) {
    for (int i = 0; i < 128; i++) id->internal[i] = id_byte(i);
    return 0;
}

int ncclCommInitRank(ncclComm_t *out, int nranks, ncclUniqueId id, int rank) {
    for (int i = 0; i < 128; i++) {
        if (id.internal[i] != id_byte(i)) {
            strcpy(last_error, "fake: the id arrived changed");
            return 4; /* ncclInvalidArgument */
        }
    }
    if (rank < 0 || rank >= nranks) { strcpy(last_error, "fake: rank out of range"); return 4; }
    if (nranks == 7) { /* the test's way to ask for NCCL's refusal of two ranks on one GPU */
        strcpy(last_error, "Duplicate GPU detected : rank 1 and rank 0 both on CUDA device 1000\n");
        return 5; /* ncclInvalidUsage */
    }
    comm.nranks = nranks; comm.rank = rank; comm.device = 0; comm.async = 0; comm.destroyed = 0; comm.aborted = 0;
    *out = &comm;
    return 0;
}

/* as if every one of nranks ranks held the same buffer: a sum multiplies it by nranks, a mean keeps it */
int ncclAllReduce(const void *send, void *recv, size_t count, int datatype, int op, ncclComm_t c, void *stream) {
    if (send != recv) { strcpy(last_error, "fake: not in place"); return 4; }
    if (c != &comm) { strcpy(last_error, "fake: unknown communicator"); return 4; }
    if (op != 0 && op != 4) { strcpy(last_error, "fake: op is neither ncclSum nor ncclAvg"); return 4; }
    last_stream = stream; last_count = count;
    double k = op == 0 ? c->nranks : 1.0;
    if (datatype == 7) { float *p = recv; for (size_t i = 0; i < count; i++) p[i] = (float) (p[i] * k); }
    else if (datatype == 8) { double *p = recv; for (size_t i = 0; i < count; i++) p[i] *= k; }
    else { strcpy(last_error, "fake: datatype is neither ncclFloat32 nor ncclFloat64"); return 4; }
    return 0;
}

int ncclBroadcast(const void *send, void *recv, size_t count, int datatype, int root, ncclComm_t c, void *stream) {
    if (send != recv || c != &comm || (datatype != 7 && datatype != 8)) { strcpy(last_error, "fake: bad broadcast"); return 4; }
    last_stream = stream; last_count = count; last_root = root;
    return 0;
}

int ncclCommGetAsyncError(ncclComm_t c, int *result) { *result = c->async; return 0; }
int ncclCommDestroy(ncclComm_t c) { c->destroyed++; return 0; }
int ncclCommAbort(ncclComm_t c) { c->aborted++; return 0; }
int ncclCommCount(ncclComm_t c, int *n) { *n = c->nranks; return 0; }
int ncclCommUserRank(ncclComm_t c, int *r) { *r = c->rank; return 0; }
int ncclCommCuDevice(ncclComm_t c, int *d) { *d = c->device; return 0; }

const char *ncclGetErrorString(int result) {
    switch (result) {
        case 4: return "invalid argument (run with NCCL_DEBUG=WARN for details)";
        case 5: return "invalid usage (run with NCCL_DEBUG=WARN for details)";
        case 6: return "remote process exited or there was a network error";
        default: return "fake error";
    }
}

const char *ncclGetLastError(ncclComm_t c) { (void) c; return last_error; }

/* for the test */
void fake_set_async(int result) { comm.async = result; }
void fake_set_version(int code) { version_code = code; }
void *fake_last_stream(void) { return last_stream; }
size_t fake_last_count(void) { return last_count; }
int fake_last_root(void) { return last_root; }
int fake_destroyed(void) { return comm.destroyed; }
int fake_aborted(void) { return comm.aborted; }
