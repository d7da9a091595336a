/*
 * Finds a runtime's shared library at run time: by soname through the system loader first,
 * then in the places vendors usually install it, or only at an explicit path when one is given.
 * The override comes from the caller's options; the one environment variable read is CUDA_HOME,
 * as one of the places a CUDA toolkit usually is. A library whose own plugins resolve symbols
 * in it (Open MPI's MCA components do not link libmpi) is opened globally, through dlopen.
 */
package io.tessera.gpu;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/** Locates and opens native libraries for the GPU runtimes. */
public final class NativeLibraries {
    private NativeLibraries() {
    }

    /** Sonames and usual install places of the OpenCL ICD loader. */
    public static final List<String> OPENCL_NAMES = List.of("libOpenCL.so.1", "libOpenCL.so", "OpenCL.dll",
            "/System/Library/Frameworks/OpenCL.framework/OpenCL");
    public static final List<Path> OPENCL_PLACES = List.of(Path.of("/usr/lib/x86_64-linux-gnu/libOpenCL.so.1"),
            Path.of("/usr/lib/aarch64-linux-gnu/libOpenCL.so.1"), Path.of("/usr/lib64/libOpenCL.so.1"),
            Path.of("/usr/lib/libOpenCL.so.1"), Path.of("/usr/local/cuda/lib64/libOpenCL.so.1"),
            Path.of("/opt/rocm/lib/libOpenCL.so.1"), Path.of("/opt/intel/oneapi/lib/libOpenCL.so.1"));

    /** Sonames and usual install places of the CUDA driver library. */
    public static final List<String> CUDA_NAMES = List.of("libcuda.so.1", "libcuda.so", "nvcuda.dll");
    public static final List<Path> CUDA_PLACES = List.of(Path.of("/usr/lib/x86_64-linux-gnu/libcuda.so.1"),
            Path.of("/usr/lib64/libcuda.so.1"), Path.of("/usr/local/nvidia/lib64/libcuda.so.1"), Path.of("/usr/lib/wsl/lib/libcuda.so.1"),
            Path.of("/usr/local/cuda/lib64/stubs/libcuda.so"));

    /** Sonames of NVRTC and cuBLAS, newest major version first. */
    public static final List<String> NVRTC_NAMES = List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so");
    public static final List<String> CUBLAS_NAMES = List.of("libcublas.so.13", "libcublas.so.12", "libcublas.so.11", "libcublas.so");

    /** Sonames and usual install places of Open MPI's libmpi (4.x and 5.x share soname 40). */
    public static final List<String> MPI_NAMES = List.of("libmpi.so.40", "libmpi.so");
    public static final List<Path> MPI_PLACES = List.of(Path.of("/usr/lib/x86_64-linux-gnu/libmpi.so.40"),
            Path.of("/usr/lib/aarch64-linux-gnu/libmpi.so.40"), Path.of("/usr/lib64/openmpi/lib/libmpi.so.40"),
            Path.of("/usr/local/lib/libmpi.so.40"), Path.of("/opt/openmpi/lib/libmpi.so.40"));

    /** The soname of NCCL 2 (the system's libnccl2 package, the CUDA toolkit's, the nvidia-nccl-cu* wheels'). */
    public static final List<String> NCCL_NAMES = List.of("libnccl.so.2", "libnccl.so");

    /**
     * The usual places of libnccl.so.2: the system's library folders (NVIDIA's libnccl2 package
     * installs there), then those of {@link #cudaLibraryPlaces} (the CUDA toolkit, and the
     * site-packages/nvidia/nccl/lib folder of the nvidia-nccl-cu12 / -cu13 wheels).
     */
    public static List<Path> ncclPlaces() {
        List<Path> out = new ArrayList<>();
        for (String dir : List.of("/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/local/lib")) {
            out.add(Path.of(dir, "libnccl.so.2"));
        }
        out.addAll(cudaLibraryPlaces(NCCL_NAMES));
        return out;
    }

    /** dlopen's flags on Linux (glibc's dlfcn.h): resolve every symbol now, and make them visible to libraries loaded later. */
    static final int RTLD_NOW = 0x2, RTLD_GLOBAL = 0x100;

    /**
     * The usual places of a CUDA toolkit library named one of {@code names}: $CUDA_HOME/lib64,
     * /usr/local/cuda/lib64 and /usr/local/cuda-X.Y/lib64, then the lib folders of the NVIDIA
     * Python wheels (site-packages/nvidia/NAME/lib, nvidia/cuXY/lib) of the system's Pythons and
     * of the user's own (~/.local/lib/python3.X, where {@code pip install --user} puts them).
     */
    public static List<Path> cudaLibraryPlaces(List<String> names) {
        List<Path> dirs = new ArrayList<>();
        String home = System.getenv("CUDA_HOME");
        if (home != null && !home.isBlank()) dirs.add(Path.of(home, "lib64"));
        dirs.add(Path.of("/usr/local/cuda/lib64"));
        dirs.addAll(children(Path.of("/usr/local"), "cuda-", "lib64"));
        List<Path> roots = new ArrayList<>(List.of(Path.of("/usr/lib"), Path.of("/usr/local/lib"), Path.of("/opt")));
        String user = System.getProperty("user.home");
        if (user != null && !user.isBlank()) roots.add(Path.of(user, ".local", "lib"));
        for (Path root : roots) {
            for (Path py : children(root, "python3", null)) {
                for (String site : List.of("site-packages", "dist-packages")) {
                    dirs.addAll(children(py.resolve(site).resolve("nvidia"), "", "lib"));
                }
            }
        }
        List<Path> out = new ArrayList<>();
        for (String name : names) {
            for (Path d : dirs) out.add(d.resolve(name));
        }
        return out;
    }

    /** Sub-directories of {@code dir} whose names start with {@code prefix}, each resolved against {@code sub} when not null. */
    private static List<Path> children(Path dir, String prefix, String sub) {
        if (!Files.isDirectory(dir)) return List.of();
        try (var s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p))
                    .sorted(java.util.Comparator.reverseOrder())
                    .map(p -> sub == null ? p : p.resolve(sub)).toList();
        } catch (java.io.IOException e) {
            return List.of();
        }
    }

    /**
     * Opens a library: only {@code override} when present, else each name through the system
     * loader, then each usual place that exists.
     *
     * @param runtime  "opencl" or "cuda", for the error message
     * @param override an explicit path from the user's options
     * @return the library's symbols, alive as long as {@code arena}
     * @throws GpuUnavailableException listing everything tried when nothing opens
     */
    @SuppressWarnings("restricted") // loading a native library is what this method is for
    public static SymbolLookup open(String runtime, Optional<Path> override, List<String> names, List<Path> places, Arena arena) {
        if (override.isPresent()) {
            Path p = override.get();
            if (!Files.exists(p)) {
                throw new GpuUnavailableException(runtime, "library " + p + " (given explicitly) does not exist");
            }
            try {
                return SymbolLookup.libraryLookup(p, arena);
            } catch (IllegalArgumentException e) {
                throw new GpuUnavailableException(runtime, "library " + p + " (given explicitly) cannot be loaded: " + e.getMessage(), e);
            }
        }
        List<String> tried = new ArrayList<>();
        for (String name : names) {
            tried.add(name);
            try {
                return SymbolLookup.libraryLookup(name, arena);
            } catch (IllegalArgumentException e) {
                // not on the loader's path under this name; try the next one
            }
        }
        for (Path p : places) {
            if (!Files.exists(p)) continue;
            tried.add(p.toString());
            try {
                return SymbolLookup.libraryLookup(p, arena);
            } catch (IllegalArgumentException e) {
                // present but not loadable (wrong architecture); try the next one
            }
        }
        throw new GpuUnavailableException(runtime, "library " + names.getFirst() + " not found (tried " + String.join(", ", tried) + ")" + lookedIn(places));
    }

    /** "; looked in DIR, DIR, …" over the distinct folders of {@code places}, or nothing when there are none. */
    static String lookedIn(List<Path> places) {
        java.util.LinkedHashSet<String> dirs = new java.util.LinkedHashSet<>();
        for (Path p : places) {
            Path d = p.getParent();
            if (d != null) dirs.add(d.toString());
        }
        return dirs.isEmpty() ? "" : "; looked in " + String.join(", ", dirs);
    }

    /**
     * Opens a library as {@link #open} does, but through {@code dlopen(RTLD_NOW | RTLD_GLOBAL)}:
     * its symbols become visible to the plugins it loads itself. The JDK's
     * {@link SymbolLookup#libraryLookup} loads with local visibility, so a runtime whose plugins
     * do not link it (Open MPI) would fail inside its own initialisation. The library stays
     * loaded for the life of the process.
     *
     * @throws GpuUnavailableException listing everything tried (and dlerror's last words) when nothing opens
     */
    public static SymbolLookup openGlobal(String runtime, Optional<Path> override, List<String> names, List<Path> places) {
        Dl dl = Dl.get(runtime);
        if (override.isPresent()) {
            Path p = override.get();
            if (!Files.exists(p)) {
                throw new GpuUnavailableException(runtime, "library " + p + " (given explicitly) does not exist");
            }
            MemorySegment h = dl.open(p.toString());
            if (h.equals(MemorySegment.NULL)) {
                throw new GpuUnavailableException(runtime, "library " + p + " (given explicitly) cannot be loaded: " + dl.error());
            }
            return dl.lookup(h);
        }
        List<String> tried = new ArrayList<>();
        String lastError = "";
        List<String> candidates = new ArrayList<>(names);
        for (Path p : places) {
            if (Files.exists(p)) candidates.add(p.toString());
        }
        for (String name : candidates) {
            tried.add(name);
            MemorySegment h = dl.open(name);
            if (!h.equals(MemorySegment.NULL)) return dl.lookup(h);
            lastError = dl.error();
        }
        throw new GpuUnavailableException(runtime, "library " + names.getFirst() + " not found (tried " + String.join(", ", tried) + ")"
                + (lastError.isEmpty() ? "" : "; last error: " + lastError));
    }

    /** dlopen, dlsym and dlerror, from the C library (glibc 2.34 and newer) or libdl.so.2 (older). */
    private record Dl(MethodHandle dlopen, MethodHandle dlsym, MethodHandle dlerror) {
        private static volatile Dl instance;

        @SuppressWarnings("restricted") // binding the dynamic loader is what this record is for
        static Dl get(String runtime) {
            Dl d = instance;
            if (d != null) return d;
            Linker linker = Linker.nativeLinker();
            SymbolLookup libc = linker.defaultLookup();
            SymbolLookup lib = libc.find("dlopen").isPresent() ? libc : libdl(runtime);
            MemorySegment open = lib.find("dlopen").orElseThrow(), sym = lib.find("dlsym").orElseThrow(), err = lib.find("dlerror").orElseThrow();
            d = new Dl(linker.downcallHandle(open, FunctionDescriptor.of(ADDRESS, ADDRESS, JAVA_INT)),
                    linker.downcallHandle(sym, FunctionDescriptor.of(ADDRESS, ADDRESS, ADDRESS)),
                    linker.downcallHandle(err, FunctionDescriptor.of(ADDRESS)));
            instance = d;
            return d;
        }

        @SuppressWarnings("restricted") // the loader's own library, on C libraries older than glibc 2.34
        private static SymbolLookup libdl(String runtime) {
            try {
                return SymbolLookup.libraryLookup("libdl.so.2", Arena.global());
            } catch (IllegalArgumentException e) {
                throw new GpuUnavailableException(runtime, "this system's C library has no dlopen and there is no libdl.so.2", e);
            }
        }

        MemorySegment open(String name) {
            try (Arena a = Arena.ofConfined()) {
                return (MemorySegment) dlopen.invokeExact(a.allocateFrom(name), RTLD_NOW | RTLD_GLOBAL);
            } catch (Throwable t) {
                throw Cuda.rethrow(t);
            }
        }

        @SuppressWarnings("restricted") // dlerror returns a C string owned by the loader
        String error() {
            try {
                MemorySegment s = (MemorySegment) dlerror.invokeExact();
                return s.equals(MemorySegment.NULL) ? "" : s.reinterpret(4096).getString(0);
            } catch (Throwable t) {
                throw Cuda.rethrow(t);
            }
        }

        /** The symbols of an opened library, found with dlsym. */
        @SuppressWarnings("restricted") // a symbol's address, sized 0 as SymbolLookup's are
        SymbolLookup lookup(MemorySegment handle) {
            return name -> {
                try (Arena a = Arena.ofConfined()) {
                    MemorySegment p = (MemorySegment) dlsym.invokeExact(handle, a.allocateFrom(name));
                    return p.equals(MemorySegment.NULL) ? Optional.empty() : Optional.of(p);
                } catch (Throwable t) {
                    throw Cuda.rethrow(t);
                }
            };
        }
    }
}
