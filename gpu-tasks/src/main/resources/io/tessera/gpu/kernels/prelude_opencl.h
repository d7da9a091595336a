/* Tessera kernel prelude for OpenCL C 1.2. The runtime prepends it to every .kc source built
 * as OpenCL C; it maps the shared kernel vocabulary onto OpenCL. Not a public header. */
#define KERNEL __kernel
/* a kernel always launched with N work-items per group (the group count per unit is CUDA's hint only) */
#define KERNEL_BOUNDS(n, b) __kernel __attribute__((reqd_work_group_size(n, 1, 1)))
#define GLOBAL __global
#define LOCAL __local
#define LOCAL_PTR __local /* the address space of a pointer into local memory */
#define RESTRICT restrict
#define DEVICE_FN static inline
#define BARRIER() barrier(CLK_LOCAL_MEM_FENCE)

#define GLOBAL_ID(d) ((int) get_global_id(d))
#define LOCAL_ID(d) ((int) get_local_id(d))
#define GROUP_ID(d) ((int) get_group_id(d))
#define LOCAL_SIZE(d) ((int) get_local_size(d))
#define NUM_GROUPS(d) ((int) get_num_groups(d))

typedef long index_t; /* 64-bit element offsets */

#define EXPF(x) exp(x)
#define LOGF(x) log(x)
#define SQRTF(x) sqrt(x)
#define RSQRTF(x) rsqrt(x)
#define TANHF(x) tanh(x)
#define ERFF(x) erf(x)
#define FABSF(x) fabs(x)
#define FMAXF(a, b) fmax(a, b)
#define FMINF(a, b) fmin(a, b)
#define NEG_INF (-INFINITY)
#define FLOAT_AS_UINT(x) as_uint(x)
#define UINT_AS_FLOAT(x) as_float(x)
