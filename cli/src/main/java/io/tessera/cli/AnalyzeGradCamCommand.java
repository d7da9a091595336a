package io.tessera.cli;

import io.tessera.eval.attention.AttentionAnalysis;
import io.tessera.eval.attention.AttentionFigures;
import io.tessera.eval.attention.AttentionImages;
import io.tessera.eval.attention.AttentionJson;
import io.tessera.eval.attention.AttentionPage;
import io.tessera.eval.attention.ClassHead;
import io.tessera.eval.attention.GradCam;
import io.tessera.eval.attention.PatchGrid;
import io.tessera.nn.VisionTransformer;
import io.tessera.ssl.data.Split;
import io.tessera.tensor.ExecutionContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code tessera analyze gradcam}: Grad-CAM maps of a checkpoint's encoder for a class head. */
@Command(name = "gradcam", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Grad-CAM of a ViT as pytorch-grad-cam computes it: the target layer is the last block's norm1 output, the cls token is",
                "dropped, the patch tokens form the grid, the channel weights are the spatial mean of the gradient of a class logit, then ReLU,",
                "min-max scaling, bilinear resize and a JET overlay at weight 0.5. The logit comes from the supervised ViT's own head or, for",
                "a self-supervised encoder, from --head: a safetensors file with weight (V, D) and bias (V) applied to the pooled features.",
                "Writes gradcam.json (tessera.attention/1), gradcam.png and gradcam.html.",
                "Example: tessera analyze gradcam --checkpoint runs/sup/checkpoint-930 --images 8"})
public final class AnalyzeGradCamCommand implements Callable<Integer> {
    /** Images drawn when --images is not given. */
    static final int DEFAULT_IMAGES = 8;

    @Option(names = "--checkpoint", required = true, description = "A checkpoint of tessera pretrain.")
    Path checkpoint;

    @Option(names = "--label", description = "Label of the checkpoint (default: method and checkpoint name).")
    String label;

    @Option(names = "--head", description = "A linear head (safetensors: weight (V, D), bias (V), or head.weight/head.bias) for encoders without a classifier.")
    Path head;

    @Option(names = "--class", description = "The class whose logit is explained, for every image (default: each image's top-1 class).")
    Integer target;

    @Option(names = "--cell", defaultValue = "112", description = "Side in pixels of each picture (default ${DEFAULT-VALUE}).")
    int cell;

    @Mixin
    AnalysisOptions options;

    @Override
    public Integer call() throws Exception {
        options.validate();
        if (cell < 8) throw new IllegalArgumentException("--cell must be ≥ 8 pixels, got " + cell);
        Path dir = options.outDir(checkpoint);
        try (ExecutionContext ctx = options.compute.open(0)) {
            List<AnalysisInputs.Subject> subjects = AnalysisInputs.open(ctx, List.of(checkpoint), label == null ? null : List.of(label), options.role);
            AnalysisInputs.Subject s = subjects.get(0);
            VisionTransformer enc = s.encoder().encoder();
            ClassHead h = head != null ? ClassHead.linear(ctx, head, enc.store().dtype()) : ClassHead.of(enc);
            if (h.width() != enc.config().width()) throw new IllegalArgumentException(h.describe() + " takes features of width " + h.width() + "; " + s.label() + " gives " + enc.config().width());
            if (target != null && (target < 0 || target >= h.classes())) throw new IllegalArgumentException("--class " + target + " is outside 0.." + (h.classes() - 1) + " of " + h.describe());
            AnalysisInputs.Images images = AnalysisInputs.Images.open(options.data, options.split.equals("train") ? Split.TRAIN : Split.TEST,
                    options.images(DEFAULT_IMAGES), subjects);
            System.err.printf(Locale.ROOT, "gradcam: %s with %s, %s, on %s%n", s.label(), h.describe(), images.describe(options.split), ctx.backend().device());
            List<GradCam.Cam> cams = new ArrayList<>();
            images.forEach(ctx, options.batch, "gradcam " + s.label(), new ConsoleProgress(System.err), (first, imgs) -> {
                int[] t = null;
                if (target != null) {
                    t = new int[imgs.dim(0)];
                    java.util.Arrays.fill(t, target);
                }
                cams.addAll(GradCam.compute(ctx, enc, h, imgs, t));
            });
            Map<String, String> context = new LinkedHashMap<>();
            context.put("checkpoint", s.label() + ": " + s.run().base() + ", " + s.run().spec().describe() + ", encoder " + s.encoder().role());
            context.put("head", h.describe());
            context.put("target", target == null ? "top-1 class of each image" : "class " + target);
            context.put("data", images.describe(options.split));
            context.put("layer", "blocks." + (enc.config().depth() - 1) + ".norm1 output, cls token dropped");
            context.put("device", options.compute.device.toString());
            AttentionAnalysis.GradCams g = new AttentionAnalysis.GradCams(s.label(), h.describe(), PatchGrid.of(enc.config()),
                    AnalysisInputs.Images.indices(cams.size()), cams);
            AttentionAnalysis a = new AttentionAnalysis("Grad-CAM", context, List.of(), List.of(), List.of(), List.of(g));
            List<String> names = images.dataset.classNames().orElse(null);
            Files.createDirectories(dir);
            AttentionJson.write(a, dir.resolve("gradcam.json"));
            AttentionImages.writePng(AttentionFigures.gradCam(g, images.raw(cams.size()), names, cell), dir.resolve("gradcam.png"));
            AttentionPage.write(a, images.raw(cams.size()), names, cell, dir.resolve("gradcam.html"));
            for (int i = 0; i < cams.size(); i++) {
                GradCam.Cam c = cams.get(i);
                System.out.printf(Locale.ROOT, "image %d: class %d (logit %.3f, top-1 %d)%n", i, c.target(), c.score(), c.top1());
            }
            System.out.println("wrote " + dir.resolve("gradcam.json") + ", " + dir.resolve("gradcam.png") + ", " + dir.resolve("gradcam.html"));
        }
        return 0;
    }
}
