package io.tessera.ssl.train;

import io.tessera.nn.optim.LrRule;
import io.tessera.ssl.mae.MaeConfig;
import io.tessera.ssl.mae.MaeMethod;
import io.tessera.ssl.mae.MaskedAutoencoder;
import io.tessera.ssl.method.Batch;
import io.tessera.tensor.DType;
import io.tessera.tensor.ExecutionContext;
import io.tessera.tensor.dist.Collective;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The trainer's data-parallel path in one process, against a group of W replicas: a peer that
 * holds exactly this rank's values, so a sum is W times the value and a mean the value itself. A
 * replica run then takes one process's steps at the same per-rank batch, with the learning rate of
 * W times that batch; a rank other than 0 writes nothing; a resume on another world size is refused.
 */
class DataParallelTrainerTest {
    @TempDir
    Path dir;

    /** Rank {@code rank} of {@code world} identical replicas. */
    private record Replicas(int rank, int worldSize) implements Collective {
        @Override
        public void allReduceSum(float[] data, int offset, int length) {
            for (int i = offset; i < offset + length; i++) data[i] *= worldSize;
        }

        @Override
        public void allReduceSum(double[] data, int offset, int length) {
            for (int i = offset; i < offset + length; i++) data[i] *= worldSize;
        }

        @Override
        public void allReduceSum(MemorySegment data, io.tessera.tensor.DType dtype) {
            throw new UnsupportedOperationException("the trainer reduces host tensors");
        }

        @Override
        public void broadcast(float[] data, int offset, int length, int root) {
        }

        @Override
        public void broadcast(double[] data, int offset, int length, int root) {
        }

        @Override
        public void broadcast(MemorySegment data, io.tessera.tensor.DType dtype, int root) {
            throw new UnsupportedOperationException("the trainer broadcasts host tensors");
        }

        @Override
        public void barrier() {
        }

        @Override
        public void close() {
        }
    }

    /** PatternSource's batches, declared as one shard of {@code world}. */
    private record Shard(BatchSource inner, int worldSize) implements BatchSource {
        public int batchesPerEpoch() { return inner.batchesPerEpoch(); }
        public int batchSize() { return inner.batchSize(); }
        public Iterator<Batch> epoch(int epoch, int first) { return inner.epoch(epoch, first); }
    }

    private static TrainerConfig config(Path out, double blr) {
        return new TrainerConfig(2, 1, blr, LrRule.LINEAR, 0, 0.05, 0.95, 1, 0, 0, 0, out, 42);
    }

    private static Trainer trainer(ExecutionContext ctx, Path out, double blr, Collective group) {
        MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
        BatchSource data = new Shard(new PatternSource(ctx, 4, 8, 16, 7), group.worldSize());
        return new Trainer(ctx, m, data, config(out, blr), Map.of("test", true), new PrintStream(new ByteArrayOutputStream()), false, group);
    }

    @Test
    void replicasTakeOneProcesssStepsWithTheLearningRateOfTheGlobalBatch() throws IOException {
        List<Double> single, rank0, rank1;
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            Trainer t = trainer(ctx, dir.resolve("one"), 2e-2, Collective.single());
            single = t.run().losses();
        }
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            Trainer t = trainer(ctx, dir.resolve("r0"), 1e-2, new Replicas(0, 2));
            assertThat(t.peakLr()).isEqualTo(1e-2 * 16 / 256);
            rank0 = t.run().losses();
        }
        Files.createDirectories(dir.resolve("r1"));
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            rank1 = trainer(ctx, dir.resolve("r1"), 1e-2, new Replicas(1, 2)).run().losses();
        }
        assertThat(single).hasSize(8);
        assertThat(rank0).containsExactlyElementsOf(single);
        assertThat(rank1).containsExactlyElementsOf(single);
        assertThat(Files.readAllLines(dir.resolve("r0").resolve("metrics.jsonl"))).hasSize(8);
        assertThat(TrainingCheckpointFiles.in(dir.resolve("r0"))).isNotEmpty();
        try (Stream<Path> files = Files.list(dir.resolve("r1"))) {
            assertThat(files.toList()).as("rank 1 writes nothing").isEmpty();
        }
    }

    @Test
    void aResumeOnAnotherWorldSizeAndDataShardedOtherwiseThanTheGroupAreRefused() throws IOException {
        Path out = dir.resolve("one");
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            trainer(ctx, out, 1e-2, Collective.single()).run();
        }
        try (ExecutionContext ctx = ExecutionContext.cpu(1, 1)) {
            Trainer t = trainer(ctx, out, 1e-2, new Replicas(0, 2));
            Path base = out.resolve("checkpoint-8");
            assertThatThrownBy(() -> t.resume(base)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot resume " + base).hasMessageContaining("processes 1 → 2");
            MaeMethod m = new MaeMethod(MaskedAutoencoder.create(ctx, MaeConfig.micro16(), DType.F32));
            assertThatThrownBy(() -> new Trainer(ctx, m, new PatternSource(ctx, 4, 8, 16, 7), config(out, 1e-2), Map.of(),
                    new PrintStream(new ByteArrayOutputStream()), false, new Replicas(0, 2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessage("the data is sharded over 1 process(es) but the group has 2");
        }
    }

    /** The checkpoint files of a directory. */
    private static final class TrainingCheckpointFiles {
        static List<Path> in(Path d) throws IOException {
            try (Stream<Path> s = Files.list(d)) {
                return s.filter(p -> p.getFileName().toString().startsWith(Trainer.CHECKPOINT_PREFIX)).toList();
            }
        }
    }
}
