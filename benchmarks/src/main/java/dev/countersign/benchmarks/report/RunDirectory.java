package dev.countersign.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The raw results of one {@code benchmarks/run-all}, as its scripts left them in one directory:
 * {@code meta.txt} (machine, versions, commit, load average: {@code key=value} lines),
 * {@code http/throughput.txt} (one wrk line per target), {@code http/paced/levels.txt} and an h2load
 * per-request log per server and level, {@code jmh-*.json} (JMH's JSON, one file per invocation) and {@code approvals.json}
 * (whatever {@code benchmarks/approvals --json} wrote). A part that did not run is absent; readers
 * answer empty for it rather than failing, and the report says it was not measured.
 */
final class RunDirectory {
    static final ObjectMapper JSON = new ObjectMapper();

    /** One wrk run: target name and its {@code key=value} fields (rps, p50_ms … errors, cpu_us, loadavg). */
    record Throughput(String target, Map<String, String> fields) {
        double rps() {
            return Double.parseDouble(fields.get("rps"));
        }

        long errors() {
            return Long.parseLong(fields.get("errors"));
        }

        double number(String key) {
            return Double.parseDouble(fields.get(key));
        }
    }

    /**
     * One paced level: the server, the level in percent of its own max, the offered rate, what the
     * log shows (requests, the rate achieved over the measured period, answers that were not 2xx) and
     * latency percentiles in ms, each request timed from when h2load sent it to the end of its answer.
     */
    record Paced(String server, int level, double max, double offered, long requests, double achieved, long non2xx,
                 double p50, double p90, double p99, double p999, double maxMs, String loadAverage) {
    }

    private final Path dir;

    RunDirectory(Path dir) {
        this.dir = dir;
    }

    Path path() {
        return dir;
    }

    Map<String, String> meta() {
        Map<String, String> meta = new LinkedHashMap<>();
        for (String line : lines(dir.resolve("meta.txt"))) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                meta.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return meta;
    }

    /**
     * One row per target, in the order measured. A target measured in several rounds has the mean of
     * their req/s as {@code rps}, every round's in {@code rps_rounds}, the sum of their errors, the
     * worst of their latency percentiles and the mean of their CPU per request.
     */
    List<Throughput> throughput() {
        Map<String, List<Map<String, String>>> byTarget = new LinkedHashMap<>();
        for (String line : lines(dir.resolve("http/throughput.txt"))) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.trim().split(" ");
            byTarget.computeIfAbsent(parts[0], t -> new ArrayList<>()).add(keyValues(Arrays.copyOfRange(parts, 1, parts.length)));
        }
        List<Throughput> rows = new ArrayList<>();
        byTarget.forEach((target, rounds) -> {
            Map<String, String> merged = new LinkedHashMap<>(rounds.get(rounds.size() - 1));
            merged.put("rps", String.format("%.0f", rounds.stream().mapToDouble(r -> Double.parseDouble(r.get("rps"))).average().orElse(0)));
            merged.put("rps_rounds", String.join(",", rounds.stream().map(r -> r.get("rps")).toList()));
            merged.put("requests", String.valueOf(rounds.stream().mapToLong(r -> Long.parseLong(r.get("requests"))).sum()));
            merged.put("errors", String.valueOf(rounds.stream().mapToLong(r -> Long.parseLong(r.get("errors"))).sum()));
            for (String key : List.of("p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms")) {
                merged.put(key, String.format("%.3f", rounds.stream().mapToDouble(r -> Double.parseDouble(r.get(key))).max().orElse(0)));
            }
            merged.put("cpu_us", String.format("%.1f", rounds.stream().mapToDouble(r -> Double.parseDouble(r.get("cpu_us"))).average().orElse(0)));
            merged.put("rounds", String.valueOf(rounds.size()));
            merged.remove("round");
            rows.add(new Throughput(target, merged));
        });
        return rows;
    }

    List<Paced> paced() {
        List<Paced> rows = new ArrayList<>();
        for (String line : lines(dir.resolve("http/paced/levels.txt"))) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, String> f = keyValues(line.trim().split(" "));
            String server = f.get("server");
            int level = Integer.parseInt(f.get("level"));
            double seconds = Double.parseDouble(f.get("duration_s"));
            rows.add(paced(server, level, Double.parseDouble(f.get("max")), Double.parseDouble(f.get("offered")), seconds,
                    f.getOrDefault("loadavg", "").replace(',', ' '), dir.resolve("http/paced/" + server + "-" + level + ".log")));
        }
        return rows;
    }

    /** Percentiles from every request of an h2load log (start µs, status, µs to the end of the answer). */
    private static Paced paced(String server, int level, double max, double offered, double seconds, String load, Path log) {
        long[] micros = new long[1 << 16];
        int n = 0;
        long non2xx = 0;
        try (BufferedReader reader = Files.newBufferedReader(log)) {
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                String[] cols = line.split("\t");
                if (cols.length < 3) {
                    continue;
                }
                int status = Integer.parseInt(cols[1]);
                if (status < 200 || status > 299) {
                    non2xx++;
                }
                if (n == micros.length) {
                    micros = Arrays.copyOf(micros, n * 2);
                }
                micros[n++] = Long.parseLong(cols[2]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long[] sorted = Arrays.copyOf(micros, n);
        Arrays.sort(sorted);
        return new Paced(server, level, max, offered, n, n / seconds, non2xx, pct(sorted, 0.50), pct(sorted, 0.90),
                pct(sorted, 0.99), pct(sorted, 0.999), n == 0 ? 0 : sorted[n - 1] / 1000.0, load);
    }

    /** Every JMH result of the run's {@code jmh-*.json} files in one array (empty when JMH did not run). */
    JsonNode jmh() {
        ArrayNode all = JSON.createArrayNode();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("jmh-.*\\.json")).sorted().toList()) {
                json(file).forEach(all::add);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return all;
    }

    /** What benchmarks/approvals wrote, or a missing node when it did not run. */
    JsonNode approvals() {
        return json(dir.resolve("approvals.json"));
    }

    List<String> lines(String relative) {
        return lines(dir.resolve(relative));
    }

    private static JsonNode json(Path file) {
        if (!Files.isRegularFile(file)) {
            return JSON.missingNode();
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static List<String> lines(Path file) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            return Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> keyValues(String[] parts) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : parts) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                fields.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return fields;
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1))] / 1000.0;
    }
}
