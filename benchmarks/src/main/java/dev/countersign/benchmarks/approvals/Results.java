package dev.countersign.benchmarks.approvals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The figures of one run: latency metrics (an HdrHistogram each, recorded in microseconds, shown in
 * milliseconds), each with its target p99 when it has one, and plain values (bytes per pending
 * approval...). Printed as a table, and written as JSON with {@link #write}.
 */
final class Results {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** One latency metric; {@code targetP99Ms} null when it has none. */
    static final class Latency {
        final String name;
        final String description;
        final Double targetP99Ms;
        final Histogram histogram = new Histogram(60_000_000L, 3);   // 1 µs to 60 s

        Latency(String name, String description, Double targetP99Ms) {
            this.name = name;
            this.description = description;
            this.targetP99Ms = targetP99Ms;
        }

        void recordNanos(long nanos) {
            histogram.recordValue(Math.max(0, Math.min(nanos / 1000, histogram.getHighestTrackableValue())));
        }

        double ms(double percentile) {
            return histogram.getValueAtPercentile(percentile) / 1000.0;
        }

        boolean met() {
            return targetP99Ms == null || ms(99) <= targetP99Ms;
        }
    }

    /** A value with its unit, and whether it met its target (null: no target). */
    record Value(String name, String unit, double value, String target, Boolean met, String description) {
    }

    private final List<Latency> latencies = new ArrayList<>();
    private final List<Value> values = new ArrayList<>();
    final Map<String, Object> run = new LinkedHashMap<>();

    Latency latency(String name, String description, Double targetP99Ms) {
        Latency l = new Latency(name, description, targetP99Ms);
        latencies.add(l);
        return l;
    }

    void value(String name, String unit, double value, String target, Boolean met, String description) {
        values.add(new Value(name, unit, value, target, met, description));
    }

    void print() {
        System.out.printf("%-34s %7s %9s %9s %9s %9s %12s%n", "metric", "n", "p50 ms", "p90 ms", "p99 ms", "max ms", "target p99");
        for (Latency l : latencies) {
            System.out.printf("%-34s %7d %9.2f %9.2f %9.2f %9.2f %12s%n", l.name, l.histogram.getTotalCount(), l.ms(50), l.ms(90), l.ms(99),
                    l.histogram.getMaxValue() / 1000.0, l.targetP99Ms == null ? "-" : String.format("≤ %.0f %s", l.targetP99Ms, l.met() ? "met" : "MISSED"));
        }
        for (Value v : values) {
            System.out.printf("%-34s %,.1f %s%s%n", v.name, v.value, v.unit,
                    v.target == null ? "" : "   target " + v.target + (Boolean.TRUE.equals(v.met) ? " met" : " MISSED"));
        }
    }

    void write(Path file) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("benchmark", "approvals");
        root.put("written", Instant.now().toString());
        root.putAll(run);
        List<Map<String, Object>> metrics = new ArrayList<>();
        for (Latency l : latencies) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", l.name);
            m.put("description", l.description);
            m.put("unit", "ms");
            m.put("n", l.histogram.getTotalCount());
            m.put("p50", l.ms(50));
            m.put("p90", l.ms(90));
            m.put("p99", l.ms(99));
            m.put("max", l.histogram.getMaxValue() / 1000.0);
            m.put("target", l.targetP99Ms == null ? null : "p99 <= " + l.targetP99Ms + " ms");
            m.put("met", l.targetP99Ms == null ? null : l.met());
            metrics.add(m);
        }
        for (Value v : values) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", v.name);
            m.put("description", v.description);
            m.put("unit", v.unit);
            m.put("value", v.value);
            m.put("target", v.target);
            m.put("met", v.met);
            metrics.add(m);
        }
        root.put("metrics", metrics);
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        Files.writeString(file, JSON.writeValueAsString(root) + "\n");
    }
}
