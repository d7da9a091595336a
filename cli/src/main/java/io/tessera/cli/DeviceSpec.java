package io.tessera.cli;

import io.tessera.gpu.ClBackend;
import io.tessera.gpu.CudaBackend;
import io.tessera.gpu.CudaDevice;
import io.tessera.gpu.GpuBackend;
import io.tessera.gpu.OpenClDevice;
import io.tessera.tensor.ExecutionContext;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Where a command runs, as given by {@code --device}: {@code cpu} (the Vector API backend on
 * {@code --threads} threads), {@code opencl[:PLATFORM[:DEVICE]]} (the OpenCL backend on that
 * device, first platform and device by default) or {@code cuda[:DEVICE]} (the CUDA backend;
 * {@code tessera devices} lists them all). The same model, method and trainer code runs on each;
 * nothing falls back silently.
 *
 * @param kind     cpu, opencl or cuda
 * @param platform OpenCL platform index (0 for CUDA)
 * @param device   OpenCL device index within the platform, or the CUDA device ordinal
 */
public record DeviceSpec(Kind kind, int platform, int device) {
    /** Backend families selectable on the command line. */
    public enum Kind { CPU, OPENCL, CUDA }

    /**
     * The code that runs matrix products on a GPU, as given by {@code --matmul}: our tiled kernel
     * (any GPU), CLBlast (OpenCL), cuBLAS in FP32 or cuBLAS with TF32 tensor cores (CUDA).
     */
    public enum Matmul { TILED, CLBLAST, CUBLAS, CUBLAS_TF32 }

    /**
     * How a GPU runs attention on the training path, as given by {@code --attention}: composed
     * (batched matrix products on the --matmul engine and the softmax kernel, keeping the
     * probabilities; the default) or fused (the flash-attention kernels, keeping the row
     * log-sum-exp). Analyses that read the probabilities get the composed path on either.
     */
    public enum Attention { COMPOSED, FUSED }

    /**
     * The arithmetic of the training step's forward pass, as given by {@code --precision}: fp32
     * (the default), bf16 autocast (matrix products and attention on bfloat16 operands with
     * float32 sums; everything else and all parameters, gradients and optimizer state float32), or
     * fp16 autocast (the same on float16 operands, with dynamic loss scaling: MAE's recipe).
     */
    public enum Precision {
        FP32, BF16, FP16;

        /** The autocast type the trainer runs under, or null for float32. */
        public io.tessera.tensor.DType autocast() {
            return switch (this) {
                case FP32 -> null;
                case BF16 -> io.tessera.tensor.DType.BF16;
                case FP16 -> io.tessera.tensor.DType.F16;
            };
        }
    }

    public static final String PRECISION_HELP = "Forward-pass arithmetic: fp32 (default), bf16 (autocast: matrix products and attention "
            + "on bfloat16 operands with float32 sums; norms, softmax, losses, weights and optimizer in float32) or fp16 (the same in float16, "
            + "with dynamic loss scaling as torch.cuda.amp's GradScaler: MAE's recipe). TF32 is --matmul cublas_tf32.";

    public static final String ATTENTION_HELP = "GPU attention: composed (matrix products and softmax, keeps the probabilities; default) "
            + "or fused (flash-attention kernels, no (T, S) array).";

    public static final String HELP = "cpu (default), opencl[:PLATFORM[:DEVICE]] or cuda[:DEVICE] (see `tessera devices`).";
    public static final String MATMUL_HELP = "GPU matrix products: tiled (our kernel, default), clblast (OpenCL; needs libclblast1), "
            + "cublas (CUDA, FP32) or cublas_tf32 (CUDA, TF32 tensor cores).";

    public static DeviceSpec cpu() {
        return new DeviceSpec(Kind.CPU, 0, 0);
    }

    /** Parses cpu, opencl, opencl:P, opencl:P:D, cuda or cuda:D. */
    public static DeviceSpec parse(String text) {
        String[] parts = text.trim().toLowerCase(java.util.Locale.ROOT).split(":", -1);
        try {
            if (parts[0].equals("cpu") && parts.length == 1) return cpu();
            if (parts[0].equals("opencl") && parts.length <= 3) {
                int p = parts.length > 1 ? Integer.parseInt(parts[1]) : 0, d = parts.length > 2 ? Integer.parseInt(parts[2]) : 0;
                if (p >= 0 && d >= 0) return new DeviceSpec(Kind.OPENCL, p, d);
            }
            if (parts[0].equals("cuda") && parts.length <= 2) {
                int d = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
                if (d >= 0) return new DeviceSpec(Kind.CUDA, 0, d);
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("device '" + text + "': expected cpu, opencl, opencl:PLATFORM, opencl:PLATFORM:DEVICE, cuda or cuda:DEVICE");
    }

    /**
     * The CUDA device of one rank of a multi-process job: {@code cuda} (or {@code cuda:0}) means the
     * device of the rank's local rank, {@code LOCAL_RANK mod N} of the N devices this process sees
     * (so with one visible device per rank, as srun --gpus-per-task=1 or CUDA_VISIBLE_DEVICES give,
     * every rank takes its device 0); {@code cuda:D} for D &gt; 0 stays D. Other devices, and a
     * launch that names no local rank, are returned as they are.
     *
     * @param visibleDevices asked only when needed: the number of CUDA devices this process sees
     */
    public DeviceSpec forLocalRank(java.util.OptionalInt localRank, java.util.function.IntSupplier visibleDevices) {
        if (kind != Kind.CUDA || device != 0 || localRank.isEmpty()) return this;
        int n = visibleDevices.getAsInt();
        if (n < 1) throw new IllegalArgumentException("the CUDA driver reports no device for local rank " + localRank.getAsInt());
        return new DeviceSpec(Kind.CUDA, 0, localRank.getAsInt() % n);
    }

    /** An execution context on this device with matrix products on {@code matmul}; closing it releases the device. */
    public ExecutionContext open(int threads, long seed, Matmul matmul) {
        return open(threads, seed, matmul, Attention.COMPOSED);
    }

    /**
     * An execution context on this device with matrix products on {@code matmul} and attention on
     * {@code attention}; closing it releases the device.
     */
    public ExecutionContext open(int threads, long seed, Matmul matmul, Attention attention) {
        String engine = matmul.name().toLowerCase(java.util.Locale.ROOT);
        GpuBackend.AttentionEngine att = attention == Attention.FUSED ? GpuBackend.AttentionEngine.FUSED : GpuBackend.AttentionEngine.COMPOSED;
        return switch (kind) {
            case CPU -> {
                if (matmul != Matmul.TILED) throw new IllegalArgumentException("--matmul " + engine + " applies to a GPU device; the CPU runs its own GEMM");
                if (attention != Attention.COMPOSED) {
                    throw new IllegalArgumentException("--attention fused applies to a GPU device; the CPU runs its own attention kernel");
                }
                yield ExecutionContext.cpu(threads, seed);
            }
            case OPENCL -> {
                ClBackend.MatmulEngine e = switch (matmul) {
                    case TILED -> ClBackend.MatmulEngine.TILED;
                    case CLBLAST -> ClBackend.MatmulEngine.CLBLAST;
                    default -> throw new IllegalArgumentException("--matmul " + engine + " runs on CUDA devices; OpenCL takes tiled or clblast");
                };
                yield new ExecutionContext(ClBackend.open(OpenClDevice.Options.defaults().withDevice(platform, device), e, att), seed);
            }
            case CUDA -> {
                CudaBackend.MatmulEngine e = switch (matmul) {
                    case TILED -> CudaBackend.MatmulEngine.TILED;
                    case CUBLAS -> CudaBackend.MatmulEngine.CUBLAS;
                    case CUBLAS_TF32 -> CudaBackend.MatmulEngine.CUBLAS_TF32;
                    case CLBLAST -> throw new IllegalArgumentException("--matmul clblast runs on OpenCL devices; CUDA takes tiled, cublas or cublas_tf32");
                };
                yield new ExecutionContext(CudaBackend.open(CudaDevice.Options.defaults().withDevice(device), e, att), seed);
            }
        };
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CPU -> "cpu";
            case OPENCL -> "opencl:" + platform + ":" + device;
            case CUDA -> "cuda:" + device;
        };
    }

    /** picocli converter with the parse error as the message. */
    public static final class Converter implements ITypeConverter<DeviceSpec> {
        @Override
        public DeviceSpec convert(String value) {
            try {
                return parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
