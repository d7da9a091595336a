package io.tessera.gpu.nccl;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The stand-in libnccl.so.2 of fake_nccl.c, compiled once per test JVM with the system's C compiler
 * into target/fake-nccl/ (tests that use it skip where there is no {@code cc}), and its fake_* calls.
 */
final class FakeNccl {
    private static Path library;
    private static String unavailable;

    private FakeNccl() {
    }

    /** The compiled library; skips the calling test when it cannot be built here. */
    static synchronized Path library() {
        if (library == null && unavailable == null) {
            try {
                library = build();
            } catch (IOException | InterruptedException | IllegalStateException e) {
                unavailable = e.getMessage();
            }
        }
        Assumptions.assumeTrue(library != null, () -> "the fake NCCL library cannot be built here: " + unavailable);
        return library;
    }

    private static Path build() throws IOException, InterruptedException {
        Path dir = Path.of("target", "fake-nccl").toAbsolutePath();
        Files.createDirectories(dir);
        Path src = dir.resolve("fake_nccl.c"), lib = dir.resolve("libnccl.so.2");
        try (InputStream in = FakeNccl.class.getResourceAsStream("fake_nccl.c")) {
            if (in == null) throw new IllegalStateException("fake_nccl.c is not on the test class path");
            Files.write(src, in.readAllBytes());
        }
        Process p;
        try {
            p = new ProcessBuilder("cc", "-shared", "-fPIC", "-O1", "-o", lib.toString(), src.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("no C compiler (cc) on the PATH");
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("cc failed: " + out);
        return lib;
    }

    @SuppressWarnings("restricted") // the test's own stand-in library
    private static MethodHandle fn(String name, FunctionDescriptor fd) {
        SymbolLookup lib = SymbolLookup.libraryLookup(library(), Arena.global());
        return Linker.nativeLinker().downcallHandle(lib.find(name).orElseThrow(), fd);
    }

    private static Object call(String name, FunctionDescriptor fd, Object... args) {
        try {
            return fn(name, fd).invokeWithArguments(args);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static void setAsync(int result) {
        call("fake_set_async", FunctionDescriptor.ofVoid(java.lang.foreign.ValueLayout.JAVA_INT), result);
    }

    static void setVersion(int code) {
        call("fake_set_version", FunctionDescriptor.ofVoid(java.lang.foreign.ValueLayout.JAVA_INT), code);
    }

    static long lastStream() {
        return ((java.lang.foreign.MemorySegment) call("fake_last_stream", FunctionDescriptor.of(java.lang.foreign.ValueLayout.ADDRESS))).address();
    }

    static long lastCount() {
        return (long) call("fake_last_count", FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_LONG));
    }

    static int intResult(String name) {
        return (int) call(name, FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT, new MemoryLayout[0]));
    }
}
