/*
 * One kernel source file (.kc) loaded from the class path, and its assembly for a dialect:
 * the dialect's prelude, the common prelude (device functions shared by every file), then a #line directive so compiler messages point into the .kc file,
 * then the file itself. Defines are passed as compiler options, not pasted into the text.
 */
package io.tessera.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A kernel source in the common C subset of OpenCL C and CUDA C.
 *
 * @param file the file name, e.g. "sgemm.kc" (used in #line and in error messages)
 * @param text the file's contents
 */
public record KernelSource(String file, String text) {
    /** Where kernel sources and preludes live on the class path. */
    public static final String RESOURCE_DIR = "/io/tessera/gpu/kernels/";

    /** Loads {@code file} from {@link #RESOURCE_DIR}. */
    public static KernelSource load(String file) {
        return new KernelSource(file, resource(file));
    }

    /** Device functions every source shares, written in the preludes' vocabulary (assembled after the dialect's prelude). */
    static final String COMMON_PRELUDE = "prelude_common.h";

    /** The full program text for {@code dialect}: its prelude, the common prelude, #line 1 "file", source. */
    public String assemble(Dialect dialect) {
        return resource(dialect.preludeFile()) + "\n" + resource(COMMON_PRELUDE) + "\n#line 1 \"" + file + "\"\n" + text;
    }

    /**
     * A compiler log with positions in the assembled text that name no file (NVIDIA's OpenCL
     * compiler ignores #line and writes {@code <kernel>:LINE:}) rewritten as positions in this
     * file ({@code sgemm.kc:LINE:}); logs that already name the file are returned unchanged.
     */
    public String mapLog(String log, Dialect dialect) {
        String assembled = assemble(dialect);
        int before = (int) assembled.substring(0, assembled.indexOf("#line 1 \"" + file + "\"")).chars().filter(c -> c == '\n').count();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<(?:kernel|source|input)>:(\\d+):").matcher(log);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            int line = Integer.parseInt(m.group(1)) - before - 1;
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(line >= 1 ? file + ":" + line + ":" : m.group()));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String resource(String file) {
        try (InputStream in = KernelSource.class.getResourceAsStream(RESOURCE_DIR + file)) {
            if (in == null) {
                throw new IllegalArgumentException("kernel resource " + RESOURCE_DIR + file + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading kernel resource " + RESOURCE_DIR + file, e);
        }
    }
}
