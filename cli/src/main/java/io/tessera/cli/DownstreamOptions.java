package io.tessera.cli;

import io.tessera.ssl.data.Interpolation;
import io.tessera.ssl.data.ResizeCenterCrop;
import io.tessera.ssl.data.Transform;
import io.tessera.tensor.ExecutionContext;
import picocli.CommandLine.Option;

import java.nio.file.Path;

// The options every downstream command shares (probe linear, probe knn, finetune), mixed
// into each with picocli's @Mixin: where the model comes from, which data, which device, where the
// results go, and the evaluation geometry.

/** Shared options of the downstream commands. */
final class DownstreamOptions {
    @Option(names = "--checkpoint", required = true, description = "A checkpoint of tessera pretrain (…/checkpoint-N, with or without .safetensors/.json).")
    Path checkpoint;

    @Option(names = "--data", description = "Dataset (default: the one the checkpoint was trained on): fashion-mnist-embedded, fashion-mnist[:DIR], mnist:DIR, cifar10:DIR, cifar100:DIR, folder:DIR.")
    String data;

    @Option(names = "--device", defaultValue = "cpu", converter = DeviceSpec.Converter.class, description = "Where to compute: " + DeviceSpec.HELP)
    DeviceSpec device;

    @Option(names = "--matmul", defaultValue = "tiled", description = DeviceSpec.MATMUL_HELP)
    DeviceSpec.Matmul matmul;

    @Option(names = "--threads", description = "CPU threads (default: all cores).")
    Integer threads;

    @Option(names = "--workers", defaultValue = "2", description = "Data-loading threads (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the head initialisation, data order and augmentation (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--eval-crop", description = "Evaluation geometry: resize the shorter side to size/CROP (bicubic) and take the centre size × size, "
            + "as MAE's Resize(256) + CenterCrop(224) is CROP 0.875. Default: the images as stored (no resize).")
    Double evalCrop;

    @Option(names = "--out", description = "Output directory (default: beside the checkpoint).")
    Path out;

    /** The output directory: --out, or {@code name} beside the checkpoint. */
    Path outDir(String name) {
        return out != null ? out : RunCheckpoint.base(checkpoint).toAbsolutePath().getParent().resolve(name);
    }

    /** An execution context on the chosen device. */
    ExecutionContext open() {
        if (workers < 0) throw new IllegalArgumentException("--workers must be ≥ 0, got " + workers);
        return device.open(threads != null ? threads : Runtime.getRuntime().availableProcessors(), seed, matmul);
    }

    /** The geometry before normalisation: identity, or resize-then-centre-crop for --eval-crop. */
    Transform evalGeometry(int size) {
        if (evalCrop == null) return Transform.identity();
        if (!(evalCrop > 0 && evalCrop <= 1)) throw new IllegalArgumentException("--eval-crop must be in (0, 1], got " + evalCrop);
        return new ResizeCenterCrop((int) (size / evalCrop), size, Interpolation.BICUBIC);
    }

    /** "none" or "resize S/CROP, centre crop S". */
    String evalGeometryLabel() {
        return evalCrop == null ? "none (images as stored)" : "resize shorter side to size/" + evalCrop + " (bicubic), centre crop";
    }
}
