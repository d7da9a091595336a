package io.tessera.nn.checkpoint;

import java.util.List;

/**
 * What a state-dict load did, as PyTorch's {@code load_state_dict} reports it: the store entries
 * loaded, the store entries the file lacks ({@code missing_keys}, left as they were), the file's
 * tensors the store has no entry for ({@code unexpected_keys}), and the entries loaded through an
 * explicit layout conversion (BatchNorm counters, {@link BatchCounter}). Names are the store's
 * (after renaming).
 */
public record LoadReport(List<String> loaded, List<String> missingKeys, List<String> unexpectedKeys, List<String> converted) {
    public LoadReport {
        loaded = List.copyOf(loaded);
        missingKeys = List.copyOf(missingKeys);
        unexpectedKeys = List.copyOf(unexpectedKeys);
        converted = List.copyOf(converted);
        if (!loaded.containsAll(converted)) throw new IllegalArgumentException("converted entries " + converted + " must be among the loaded ones");
    }

    /** True when every store entry was loaded and every file tensor used (strict=True would accept). */
    public boolean complete() {
        return missingKeys.isEmpty() && unexpectedKeys.isEmpty();
    }

    @Override
    public String toString() {
        return "loaded " + loaded.size() + ", missing " + missingKeys.size() + shown(missingKeys) + ", unexpected " + unexpectedKeys.size() + shown(unexpectedKeys);
    }

    private static String shown(List<String> names) {
        if (names.isEmpty()) return "";
        List<String> s = names.subList(0, Math.min(6, names.size()));
        return " (" + String.join(", ", s) + (names.size() > s.size() ? ", …" : "") + ")";
    }
}
