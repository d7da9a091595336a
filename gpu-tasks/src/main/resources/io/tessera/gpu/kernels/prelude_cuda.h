/* Tessera kernel prelude for CUDA C (NVRTC). The runtime prepends it to every .kc source built
 * as CUDA C; it maps the shared kernel vocabulary onto CUDA. Kernels get C linkage so the
 * driver finds them by their source names. Not a public header. */
#define KERNEL extern "C" __global__
/* a kernel always launched with N work-items per group, of which B groups should fit on one multiprocessor */
#define KERNEL_BOUNDS(n, b) extern "C" __global__ __launch_bounds__(n, b)
#define GLOBAL
#define LOCAL __shared__
#define LOCAL_PTR /* pointers into shared memory need no qualifier */
#define RESTRICT __restrict__
#define DEVICE_FN static __device__ __forceinline__
#define BARRIER() __syncthreads()

#define TESSERA_AXIS(v, d) ((int) ((d) == 0 ? (v).x : (d) == 1 ? (v).y : (v).z))
#define LOCAL_ID(d) TESSERA_AXIS(threadIdx, d)
#define GROUP_ID(d) TESSERA_AXIS(blockIdx, d)
#define LOCAL_SIZE(d) TESSERA_AXIS(blockDim, d)
#define NUM_GROUPS(d) TESSERA_AXIS(gridDim, d)
#define GLOBAL_ID(d) (GROUP_ID(d) * LOCAL_SIZE(d) + LOCAL_ID(d))

typedef long long index_t; /* 64-bit element offsets */

#define EXPF(x) expf(x)
#define LOGF(x) logf(x)
#define SQRTF(x) sqrtf(x)
#define RSQRTF(x) rsqrtf(x)
#define TANHF(x) tanhf(x)
#define ERFF(x) erff(x)
#define FABSF(x) fabsf(x)
#define FMAXF(a, b) fmaxf(a, b)
#define FMINF(a, b) fminf(a, b)
#define NEG_INF (-__int_as_float(0x7f800000))
#define FLOAT_AS_UINT(x) __float_as_uint(x)
#define UINT_AS_FLOAT(x) __uint_as_float(x)
