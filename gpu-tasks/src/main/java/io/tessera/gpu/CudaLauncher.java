/*
 * Kernel launches of the CUDA backend: one CUfunction per (source, function, defines), looked
 * up once; arguments written into a reused parameter block (one 8-byte slot per kernel
 * argument, cuLaunchKernel's array of pointers to them); launches enqueued on the device's one
 * stream without waiting. An NDRange grid maps onto CUDA as blocks of the local size and
 * global / local blocks per dimension. With profiling on, each launch (and each library call)
 * is bracketed by two events and the time per kernel is summed when the profile is read.
 */
package io.tessera.gpu;

import io.tessera.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/** Builds, binds and enqueues the CUDA backend's kernels. Not thread-safe. */
final class CudaLauncher implements Launcher {
    /** Kernel arguments at most (a tensor counts two). */
    private static final int MAX_ARGS = 64;
    /** Block size when a grid leaves the local size to the runtime. */
    private static final int DEFAULT_BLOCK = 256;

    private record Key(String file, String function, Defines defines) {
    }

    private record Pending(String name, MemorySegment start, MemorySegment end) {
    }

    private final CudaDevice device;
    private final io.tessera.tensor.Device tensorDevice;
    private final Cuda cuda;
    private final MemorySegment stream;
    private final Map<Key, Fn> functions = new HashMap<>();
    private final Arena arena = Arena.ofConfined();
    private final MemorySegment values = arena.allocate(8L * MAX_ARGS, 8);
    private final MemorySegment params = arena.allocate(ADDRESS, MAX_ARGS);
    private final List<Pending> pending = new ArrayList<>();
    private final Map<String, long[]> times = new LinkedHashMap<>();
    private boolean profiling;
    private long launches;

    CudaLauncher(CudaDevice device) {
        this.device = device;
        this.tensorDevice = device.tensorDevice();
        this.cuda = device.cuda();
        this.stream = device.stream();
        for (int i = 0; i < MAX_ARGS; i++) params.setAtIndex(ADDRESS, i, values.asSlice(8L * i, 8));
    }

    @Override
    public Fn fn(KernelSource source, String function, Defines defines) {
        Key key = new Key(source.file(), function, defines);
        Fn f = functions.get(key);
        if (f == null) {
            MemorySegment handle = device.function(source, function, defines);
            f = new Fn(function + " (" + source.file() + (defines.asMap().isEmpty() ? "" : " " + defines) + ")", handle);
            functions.put(key, f);
        }
        return f;
    }

    @Override
    public long maxGroupSize(Fn fn) {
        device.makeCurrent();
        return cuda.functionAttribute(fn.handle(), Cuda.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
    }

    @Override
    public void launch(Fn fn, Grid grid, Object... args) {
        int index = 0;
        for (Object a : args) {
            if (index + 2 > MAX_ARGS) throw new IllegalArgumentException(fn.name() + ": more than " + MAX_ARGS + " kernel arguments");
            long slot = 8L * index;
            switch (a) {
                case null -> {
                    values.set(JAVA_LONG, slot, 0L);
                    values.set(JAVA_INT, slot + 8, 0);
                    index += 2;
                }
                case Tensor t -> {
                    if (!(t.storage() instanceof GpuStorage s) || !s.device().equals(tensorDevice)) {
                        throw new IllegalArgumentException(fn.name() + ": argument " + t.describe() + " is not on " + device);
                    }
                    values.set(JAVA_LONG, slot, s.mem().address());
                    values.set(JAVA_INT, slot + 8, t.offset());
                    index += 2;
                }
                case Integer i -> {
                    values.set(JAVA_INT, slot, i);
                    index++;
                }
                case Float f -> {
                    values.set(JAVA_FLOAT, slot, f);
                    index++;
                }
                case Double d -> {
                    values.set(JAVA_FLOAT, slot, d.floatValue());
                    index++;
                }
                case Long l -> {
                    values.set(JAVA_LONG, slot, l);
                    index++;
                }
                default -> throw new IllegalArgumentException(fn.name() + ": unsupported kernel argument " + a.getClass().getSimpleName());
            }
        }
        device.makeCurrent();
        MemorySegment start = profiling ? device.recordEvent() : null;
        int st = launch(cuda, fn.handle(), grid, stream, params, fn.name());
        if (st != 0) {
            if (start != null) cuda.eventDestroy(start);
            throw new NativeException(Cuda.RUNTIME, "cuLaunchKernel", st, cuda.errorName(st), fn.name() + " " + grid);
        }
        launches++;
        if (profiling) pending.add(new Pending(fn.name(), start, device.recordEvent()));
    }

    /**
     * Enqueues {@code function} over an NDRange {@code grid}: blocks of the local size (when the
     * grid leaves it open, the largest power of two ≤ {@value #DEFAULT_BLOCK} dividing the first
     * axis, 1 on the others) and global / local blocks per axis. Returns the driver's status.
     *
     * @throws IllegalArgumentException when an axis needs more blocks than CUDA allows
     */
    static int launch(Cuda cuda, MemorySegment function, Grid grid, MemorySegment stream, MemorySegment params, String what) {
        long[] global = grid.global(), local = grid.local();
        int[] blocks = {1, 1, 1}, threads = {1, 1, 1};
        for (int d = 0; d < global.length; d++) {
            long l = local != null ? local[d] : d == 0 ? blockFor(global[d]) : 1;
            threads[d] = (int) l;
            long g = global[d] / l;
            if (g > (d == 0 ? Integer.MAX_VALUE : 65535)) {
                throw new IllegalArgumentException(what + ": " + grid + " needs " + g + " blocks along axis " + d + ", more than CUDA allows");
            }
            blocks[d] = (int) g;
        }
        return cuda.launch(function, blocks[0], blocks[1], blocks[2], threads[0], threads[1], threads[2], stream, params);
    }

    /** The largest power of two ≤ {@value #DEFAULT_BLOCK} that divides {@code n}. */
    private static long blockFor(long n) {
        long b = DEFAULT_BLOCK;
        while (n % b != 0) b >>= 1;
        return b;
    }

    @Override
    public void external(String name, Consumer<MemorySegment> enqueue) {
        device.makeCurrent();
        launches++;
        if (profiling) {
            MemorySegment start = device.recordEvent();
            enqueue.accept(MemorySegment.NULL);
            pending.add(new Pending(name, start, device.recordEvent()));
        } else {
            enqueue.accept(MemorySegment.NULL);
        }
    }

    @Override
    public void profiling(boolean on) {
        profiling = on;
    }

    @Override
    public List<GpuBackend.KernelTime> drainProfile() {
        finish();
        for (Pending p : pending) {
            long ns = Math.round(cuda.elapsedMillis(p.start(), p.end()) * 1e6);
            cuda.eventDestroy(p.start());
            cuda.eventDestroy(p.end());
            long[] t = times.computeIfAbsent(p.name(), k -> new long[2]);
            t[0]++;
            t[1] += ns;
        }
        pending.clear();
        List<GpuBackend.KernelTime> out = new ArrayList<>();
        times.forEach((k, t) -> out.add(new GpuBackend.KernelTime(k, t[0], t[1])));
        times.clear();
        return out;
    }

    @Override
    public long launches() {
        return launches;
    }

    @Override
    public void finish() {
        device.makeCurrent();
        cuda.streamSynchronize(stream);
    }

    @Override
    public void close() {
        device.makeCurrent();
        for (Pending p : pending) {
            cuda.eventDestroy(p.start());
            cuda.eventDestroy(p.end());
        }
        pending.clear();
        functions.clear(); // functions belong to their modules, which the device unloads
        arena.close();
    }
}
