package io.tessera.cli.study;

import io.tessera.eval.study.Stats;
import io.tessera.eval.study.Verdict;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One claim of the seed papers as the study tested it: what it says, the criterion fixed before
 * the numbers, the tested parts and the verdict they combine to ({@link Verdict#combine}).
 */
record Claim(int number, String title, String statement, String criterion, List<Part> parts, Verdict verdict) {

    /**
     * One tested quantity: the metric per method over seeds, the paired difference in the claimed
     * direction (positive supports the claim) and its verdict.
     */
    record Part(String name, String metric, Map<String, Stats.Summary> byMethod, double[] differences, Stats.Summary difference, Verdict verdict) {
        static Part of(String name, String metric, Map<String, double[]> values, double[] differences) {
            Map<String, Stats.Summary> by = new LinkedHashMap<>();
            values.forEach((k, v) -> by.put(k, Stats.of(v)));
            Stats.Summary d = Stats.of(differences);
            return new Part(name, metric, by, differences, d, Verdict.ofDifference(d));
        }

        /** A part whose verdict is exact (no seeds involved): an identity that holds or does not. */
        static Part exact(String name, String metric, double value, boolean holds) {
            Map<String, Stats.Summary> by = new LinkedHashMap<>();
            by.put("value", Stats.of(value));
            return new Part(name, metric, by, new double[]{value}, Stats.of(value), holds ? Verdict.REPRODUCED : Verdict.NOT_REPRODUCED);
        }

        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", name);
            m.put("metric", metric);
            Map<String, Object> by = new LinkedHashMap<>();
            byMethod.forEach((k, s) -> by.put(k, summary(s)));
            m.put("by_method", by);
            List<Double> d = new ArrayList<>();
            for (double x : differences) d.add(x);
            m.put("differences_by_seed", d);
            m.put("difference", summary(difference));
            m.put("verdict", verdict.label());
            return m;
        }
    }

    static Claim of(int number, String title, String statement, String criterion, List<Part> parts) {
        return new Claim(number, title, statement, criterion, List.copyOf(parts), Verdict.combine(parts.stream().map(Part::verdict).toList()));
    }

    static Map<String, Object> summary(Stats.Summary s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("n", (long) s.n());
        m.put("mean", s.mean());
        m.put("ci95_half_width", s.hasInterval() ? s.halfWidth() : null);
        return m;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("claim", (long) number);
        m.put("title", title);
        m.put("statement", statement);
        m.put("criterion", criterion);
        List<Object> ps = new ArrayList<>();
        for (Part p : parts) ps.add(p.toMap());
        m.put("parts", ps);
        m.put("verdict", verdict.label());
        return m;
    }
}
