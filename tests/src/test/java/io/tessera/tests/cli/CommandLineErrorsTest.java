package io.tessera.tests.cli;

import io.tessera.nn.checkpoint.TrainingCheckpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad input at the command line gets exit code 1 and one line that says what is wrong and how to
 * fix it: no division by zero, no message from deep inside, no stack trace, no OutOfMemoryError.
 */
class CommandLineErrorsTest {
    @TempDir
    static Path dir;
    static Path checkpoint, file;

    @BeforeAll
    static void prepare() throws IOException {
        Path run = dir.resolve("run");
        CliRun r = CliRun.of("pretrain", "--model", "micro16", "--epochs", "1", "--batch", "16", "--max-steps", "1", "--threads", "2", "--out", run.toString());
        assertThat(r.rc()).as(r.err()).isZero();
        checkpoint = run.resolve("checkpoint-1");
        file = Files.writeString(dir.resolve("a-file"), "not a directory");
    }

    static Stream<Arguments> pretrainErrors() {
        return Stream.of( // options, what the one line must say
                Arguments.of("--batch 0", "--batch must be from 1 to 1048576 images per step, got 0"),
                Arguments.of("--batch -1", "--batch must be from 1 to 1048576 images per step, got -1"),
                Arguments.of("--batch 5000", "--batch 5000 × --accum 1 takes 5000 images per optimizer step; fashion-mnist-embedded train"),
                Arguments.of("--accum 0", "--accum must be from 1 to 1048576 micro-batches per step, got 0"),
                Arguments.of("--patch 0", "--patch must be from 1 to the image size 28, got 0"),
                Arguments.of("--patch 5", "patch 5 does not divide the image size 28; give --patch or --input-size"),
                Arguments.of("--epochs 0", "--epochs must be from 1 to 1000000, got 0"),
                Arguments.of("--blr Infinity", "--blr must be a finite number > 0 (e.g. 1.5e-4), got Infinity"),
                Arguments.of("--blr NaN", "--blr must be a finite number > 0 (e.g. 1.5e-4), got NaN"),
                Arguments.of("--lr -1", "--lr must be a finite number > 0 (e.g. 2.4e-3), got -1.0"),
                Arguments.of("--min-lr 1", "--min-lr 1 is above the peak learning rate"),
                Arguments.of("--warmup 30", "--warmup must be from 0 to --epochs 20, got 30.0"),
                Arguments.of("--mask-ratio 1", "--mask-ratio must be in [0, 1) (0.75 masks three patches in four), got 1.0"),
                Arguments.of("--method lut --mask-ratio 0.3", "mask ratio 0.3 is below 0.5"),
                Arguments.of("--momentum 2", "--momentum must be in [0, 1]"),
                Arguments.of("--gamma Infinity", "RC-MAE's γ (--gamma) must be finite and ≥ 0, got Infinity"),
                Arguments.of("--threads 0", "--threads must be from 1 to 4096, got 0"),
                Arguments.of("--input-size 100000", "--input-size must be from 1 to 8192 pixels, got 100000"),
                Arguments.of("--model mae_vit_base_patch16", "--model mae_vit_base_patch16 has 16-pixel patches, which do not divide the image size 28; give --input-size 224"),
                Arguments.of("--model gigantic", "unknown --model 'gigantic'; presets: micro16"),
                Arguments.of("--reschedule", "--reschedule applies to --resume only"),
                Arguments.of("--checkpoint-every -1", "--checkpoint-every must be ≥ 0"),
                Arguments.of("--out FILE/x", "--out FILE/x cannot be written: FILE is a file, not a directory; choose another --out"));
    }

    @ParameterizedTest
    @MethodSource("pretrainErrors")
    void pretrainRefusesBadOptionsInOneLine(String options, String says) {
        List<String> args = new ArrayList<>(List.of("pretrain", "--model", "micro16", "--max-steps", "1", "--out", dir.resolve("p").toString()));
        for (String o : options.split(" ")) args.add(o.replace("FILE", file.toString()));
        if (options.contains("--model")) args.subList(1, 3).clear();
        if (options.contains("--out")) args.subList(args.indexOf("--out"), args.indexOf("--out") + 2).clear();
        assertThat(CliRun.of(args.toArray(String[]::new)).oneErrorLine("pretrain")).contains(says.replace("FILE", file.toString()));
    }

    static Stream<Arguments> reconstructErrors() {
        return Stream.of(
                Arguments.of("--scale 5000", "--scale must be from 1 to 64 screen pixels per image pixel, got 5000"),
                Arguments.of("--scale 0", "--scale must be from 1 to 64 screen pixels per image pixel, got 0"),
                Arguments.of("--images 256 --scale 64", "would make a 7808 × "),
                Arguments.of("--images 0", "--images must be from 1 to 256, got 0"),
                Arguments.of("--out FILE/r.png", "--out FILE/r.png cannot be written: FILE is a file, not a directory; choose another --out"),
                Arguments.of("--out DIR", "is a directory; give a file name such as"),
                Arguments.of("--device cuda:7", "cuda"),
                Arguments.of("--device opencl:9:9", "opencl"));
    }

    @ParameterizedTest
    @MethodSource("reconstructErrors")
    void reconstructRefusesBadOptionsInOneLine(String options, String says) {
        List<String> args = new ArrayList<>(List.of("reconstruct", checkpoint.toString()));
        if (!options.contains("--out")) args.addAll(List.of("--out", dir.resolve("r.png").toString()));
        for (String o : options.split(" ")) args.add(o.replace("FILE", file.toString()).replace("DIR", dir.toString()));
        assertThat(CliRun.of(args.toArray(String[]::new)).oneErrorLine("reconstruct")).contains(says.replace("FILE", file.toString()));
        assertThat(dir.resolve("r.png")).doesNotExist();
    }

    static Stream<Arguments> damagedSidecars() {
        return Stream.of( // the edit of the model's entry, what the one line must say
                Arguments.of("\"embed_dim\":32,", "\"embed_dim\":32.5,", "field model.embed_dim must be an integer from 4 to 16384, found 32.5"),
                Arguments.of("\"embed_dim\":32,", "\"embed_dim\":1e12,", "field model.embed_dim must be an integer from 4 to 16384, found 1.0E12"),
                Arguments.of("\"embed_dim\":32,", "\"embed_dim\":1000000000000,", "field model.embed_dim must be an integer from 4 to 16384, found 1000000000000"),
                Arguments.of("\"depth\":2,", "\"depth\":100000,", "field model.depth must be an integer from 1 to 1024, found 100000"),
                Arguments.of("\"embed_dim\":32,", "\"embed_dim\":34,", "the model it describes is not valid: VitConfig: width 34 must be a positive multiple of heads 4"));
    }

    @ParameterizedTest
    @MethodSource("damagedSidecars")
    void aSidecarWithNumbersItWasNotWrittenWithIsRefusedInOneLine(String from, String to, String says) throws IOException {
        Path copy = dir.resolve("damaged").resolve("checkpoint-1");
        Files.createDirectories(copy.getParent());
        Files.copy(TrainingCheckpoint.weightsPath(checkpoint), TrainingCheckpoint.weightsPath(copy), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        String side = Files.readString(TrainingCheckpoint.sidecarPath(checkpoint));
        assertThat(side).contains(from);
        Files.writeString(TrainingCheckpoint.sidecarPath(copy), side.replaceFirst(java.util.regex.Pattern.quote(from), java.util.regex.Matcher.quoteReplacement(to)));
        String line = CliRun.of("reconstruct", copy.toString(), "--out", dir.resolve("d.png").toString()).oneErrorLine("reconstruct");
        assertThat(line).contains(TrainingCheckpoint.sidecarPath(copy).toString()).contains(says);
        // the analyses read the same numbers through the method's record
        Files.writeString(TrainingCheckpoint.sidecarPath(copy), side.replace(from, to));
        assertThat(CliRun.of("hessian", "--checkpoint", copy.toString(), "--out", dir.resolve("h").toString()).oneErrorLine("hessian"))
                .contains(TrainingCheckpoint.sidecarPath(copy).toString()).contains(says.replace("field model.", "field method_config.model."));
        assertThat(dir.resolve("d.png")).doesNotExist();
    }

    @ParameterizedTest
    @MethodSource("demoErrors")
    void demoRefusesBadOptionsInOneLine(String options, String says) {
        List<String> args = new ArrayList<>(List.of("demo", "--out", dir.resolve("demo").toString()));
        args.addAll(List.of(options.split(" ")));
        assertThat(CliRun.of(args.toArray(String[]::new)).oneErrorLine("demo")).contains(says);
    }

    static Stream<Arguments> demoErrors() {
        return Stream.of(Arguments.of("--epochs 0", "--epochs must be from 1 to 1000000, got 0"), Arguments.of("--threads 0", "--threads must be from 1"),
                Arguments.of("--device cuda:7", "cuda"));
    }
}
