package io.tessera.tests.cli;

import io.tessera.nn.checkpoint.Json;
import io.tessera.nn.checkpoint.TrainingCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The MAE flags people type: --lr, --min-lr, --input-size, --save-every and the official model names. */
class MaeFlagsTest {
    @TempDir
    Path dir;

    private static List<Map<?, ?>> metrics(Path out) throws IOException {
        return Files.readAllLines(out.resolve("metrics.jsonl")).stream().<Map<?, ?>>map(l -> (Map<?, ?>) Json.parse(l)).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> side, String... path) {
        Map<String, Object> m = side;
        for (String p : path) m = (Map<String, Object>) m.get(p);
        return m;
    }

    @Test
    void lrIsTheAbsolutePeakAndMinLrTheFloorOfTheCosine() throws IOException {
        Path out = dir.resolve("lr");
        CliRun r = CliRun.of("pretrain", "--model", "micro16", "--epochs", "1", "--batch", "16", "--lr", "3e-3", "--min-lr", "1e-4", "--warmup", "0",
                "--max-steps", "2", "--threads", "2", "--out", out.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        assertThat(r.errLines()).anyMatch(l -> l.contains("peak lr 0.00300"));
        List<Map<?, ?>> m = metrics(out);
        assertThat((Double) m.get(0).get("lr")).isEqualTo(3e-3); // e = 0 after a zero warm-up: the peak itself, not blr·B/256
        double t = (1.0 / 125) / 1.0; // step 2 at e = 1/125 of a 1-epoch cosine
        assertThat((Double) m.get(1).get("lr")).isCloseTo(1e-4 + (3e-3 - 1e-4) * 0.5 * (1 + Math.cos(Math.PI * t)), within(1e-18));
        Map<String, Object> side = TrainingCheckpoint.readSidecar(out.resolve("checkpoint-2"));
        assertThat(section(side, "pretrain", "optimisation")).containsEntry("lr", 3e-3).containsEntry("blr", null).containsEntry("peak_lr", 3e-3).containsEntry("min_lr", 1e-4);
        assertThat(section(side, "trainer_config")).containsEntry("lr", 3e-3).containsEntry("base_lr", null).containsEntry("min_lr", 1e-4);
    }

    @Test
    void inputSizeSetsTheModelsImagesAndReconstructFollowsIt() throws IOException {
        Path out = dir.resolve("size");
        CliRun r = CliRun.of("pretrain", "--model", "micro16", "--input-size", "56", "--epochs", "1", "--batch", "16", "--max-steps", "1", "--threads", "2",
                "--out", out.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        Map<String, Object> side = TrainingCheckpoint.readSidecar(out.resolve("checkpoint-1"));
        assertThat(section(side, "model")).containsEntry("image_size", 56L).containsEntry("patch_size", 4L);
        assertThat(section(side, "pretrain", "data")).containsEntry("height", 28L); // the data stays what it is; the crops are resized
        Path png = dir.resolve("r.png");
        CliRun rec = CliRun.of("reconstruct", out.resolve("checkpoint-1.json").toString(), "--images", "2", "--scale", "1", "--device", "cpu", "--out", png.toString());
        assertThat(rec.rc()).as(rec.err()).isZero();
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img.getWidth()).isEqualTo(4 * 56 + 10); // four 56-pixel panels and five 2-pixel gaps
        assertThat(img.getHeight()).isEqualTo(2 * 56 + 6);
    }

    @Test
    void saveEveryWritesACheckpointAtTheEndOfEveryNthEpoch() throws IOException {
        Path out = dir.resolve("every");
        CliRun r = CliRun.of("pretrain", "--model", "micro16", "--epochs", "2", "--batch", "250", "--save-every", "1", "--max-steps", "9", "--threads", "2",
                "--out", out.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        try (var s = Files.list(out)) {
            assertThat(s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList())
                    .containsExactly("checkpoint-8.json", "checkpoint-9.json"); // the end of epoch 1 (8 steps), and where the run stopped
        }
        assertThat(section(TrainingCheckpoint.readSidecar(out.resolve("checkpoint-9")), "pretrain", "saving")).containsEntry("save_every_epochs", 1L);
    }

    @Test
    void lutsTeacherMomentumRunsOverEveryMicroBatchOfEveryEpoch() throws IOException {
        Path out = dir.resolve("lut");
        CliRun r = CliRun.of("pretrain", "--method", "lut", "--model", "micro16", "--epochs", "3", "--batch", "16", "--accum", "2", "--max-steps", "1",
                "--threads", "2", "--out", out.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        Map<String, Object> side = TrainingCheckpoint.readSidecar(out.resolve("checkpoint-1"));
        // K = 3 epochs × 125 micro-batches (not 62 optimizer steps per epoch), as LUT's cosine_scheduler(m, 1, epochs, len(loader))
        assertThat(section(side, "pretrain", "teacher")).containsEntry("schedule", "cosine").containsEntry("momentum", 0.996).containsEntry("iterations", 375L);
        assertThat(section(side, "pretrain", "optimisation")).containsEntry("lr_rule", "sqrt_pretrain").containsEntry("accum", 2L);
    }

    @Test
    void officialModelNamesAreAccepted() {
        // ViT-B/16 keeps its 16-pixel patches, so 28-pixel images need --input-size
        String line = CliRun.of("pretrain", "--model", "mae_vit_base_patch16", "--out", dir.resolve("b").toString()).oneErrorLine("pretrain");
        assertThat(line).contains("--model mae_vit_base_patch16 has 16-pixel patches, which do not divide the image size 28; give --input-size 224 or --model base");
        String huge = CliRun.of("pretrain", "--model", "mae_vit_huge_patch14", "--patch", "16", "--out", dir.resolve("h").toString()).oneErrorLine("pretrain");
        assertThat(huge).contains("--model mae_vit_huge_patch14 has 14-pixel patches; --patch 16 contradicts it");
    }
}
