// The atomic write: contents replaced whole, failures leave the target and no temporary file,
// new files get the permissions of any other new file (not 0600), stale temporaries removed by prefix.
package io.tessera.tensor.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<String> names() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void replacesTheWholeFileAndCreatesParents() throws IOException {
        Path f = dir.resolve("sub/a.txt");
        AtomicFiles.writeString(f, "first");
        AtomicFiles.writeString(f, "second");
        assertThat(Files.readString(f)).isEqualTo("second");
        assertThat(names()).containsExactly("sub");
        try (Stream<Path> s = Files.list(f.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("a.txt");
        }
    }

    @Test
    void aFailingWriteLeavesTheOldFileAndNoTemporary() throws IOException {
        Path f = dir.resolve("a.bin");
        AtomicFiles.write(f, new byte[] {1, 2, 3});
        assertThatThrownBy(() -> AtomicFiles.write(f, ch -> {
            AtomicFiles.writeFully(ch, java.nio.ByteBuffer.wrap(new byte[] {9, 9}));
            throw new IOException("disk full");
        })).isInstanceOf(IOException.class).hasMessage("disk full");
        assertThat(Files.readAllBytes(f)).containsExactly(1, 2, 3);
        assertThat(names()).containsExactly("a.bin");
    }

    @Test
    void newFilesAreCreatedLikeAnyOtherFileNotPrivate() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"));
        Path ordinary = Files.createFile(dir.resolve("ordinary"));
        Set<PosixFilePermission> expected = Files.getPosixFilePermissions(ordinary);
        Path bin = dir.resolve("w.bin");
        AtomicFiles.write(bin, new byte[] {1});
        AtomicFiles.writeString(dir.resolve("s.json"), "{}");
        assertThat(Files.getPosixFilePermissions(bin)).isEqualTo(expected);
        assertThat(Files.getPosixFilePermissions(dir.resolve("s.json"))).isEqualTo(expected);
        if (expected.contains(PosixFilePermission.GROUP_READ)) {
            assertThat(Files.getPosixFilePermissions(bin)).contains(PosixFilePermission.GROUP_READ);
        }
    }

    @Test
    void removesOnlyTheTemporariesOfTheGivenPrefix() throws IOException {
        Files.writeString(dir.resolve(".checkpoint-5.safetensors.0123456789abcdef.tmp"), "partial");
        Files.writeString(dir.resolve(".checkpoint-5.json.fedcba9876543210.tmp"), "partial");
        Files.writeString(dir.resolve(".report.html.0011223344556677.tmp"), "someone else's");
        Files.writeString(dir.resolve("checkpoint-4.json"), "{}");
        assertThat(AtomicFiles.removeTemporaries(dir, "checkpoint-")).isEqualTo(2);
        assertThat(names()).containsExactly(".report.html.0011223344556677.tmp", "checkpoint-4.json");
        assertThat(AtomicFiles.removeTemporaries(dir.resolve("absent"), "checkpoint-")).isZero();
    }
}
