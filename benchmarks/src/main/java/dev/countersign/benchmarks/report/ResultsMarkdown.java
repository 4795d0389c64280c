package dev.countersign.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.benchmarks.report.RunDirectory.Paced;
import dev.countersign.benchmarks.report.RunDirectory.Throughput;
import dev.countersign.benchmarks.report.Targets.Target;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * {@code RESULTS.md}: the run's machine, versions, date, commit and load average, then every target
 * with its measured value, the HTTP throughput, the paced latency levels and the JMH scores, as
 * Markdown tables. Absolute figures of a shared machine are noisy; the ratios are the figures to read.
 */
final class ResultsMarkdown {
    private ResultsMarkdown() {
    }

    static String render(Map<String, String> meta, List<Throughput> throughput, List<Paced> paced, JsonNode jmh,
                         List<Target> targets, RunDirectory run) {
        StringBuilder md = new StringBuilder();
        md.append("# Benchmark suite results (`benchmarks/run-all`)\n\n");
        if ("quick".equals(meta.get("mode"))) {
            md.append("**A quick run** (`--quick`: short warm-ups and measurements, a smaller JMH subset): it shows the suite works; "
                    + "its figures are not the ones to publish.\n\n");
        }
        if (SuiteReport.noisy(meta)) {
            md.append("**Noisy**: ").append("quick".equals(meta.get("mode")) ? "a quick run" : "the machine's load average when measuring began ("
                    + meta.get("load_start") + ") was at least half its " + meta.get("nproc") + " CPUs")
                    .append(", so the other work on the machine decided these figures; read no target's met or missed below as a finding"
                            + " (`summary.json` says `\"noisy\": true`).\n\n");
        }
        md.append("| | |\n|---|---|\n");
        row(md, "date", meta.get("date"));
        row(md, "commit", "`" + meta.getOrDefault("commit", "?") + "`" + ("true".equals(meta.get("dirty")) ? " (with uncommitted changes)" : ""));
        row(md, "mode", meta.get("mode"));
        row(md, "machine", meta.get("nproc") + " CPUs (`nproc`), " + meta.get("cpu_model"));
        row(md, "java", meta.get("java"));
        row(md, "wrk", meta.get("wrk"));
        row(md, "h2load", meta.get("h2load"));
        row(md, "cerbos", meta.get("cerbos"));
        row(md, "load average", "start " + meta.get("load_start") + ", end " + meta.get("load_end") + " (1, 5, 15 min)");
        row(md, "duration", meta.get("duration_s") + " s");

        md.append("\n## Targets\n\n| target | measured | wanted | met | detail |\n|---|---:|---|---|---|\n");
        for (Target t : targets) {
            md.append("| ").append(t.description()).append(" | ")
                    .append(t.measured() == null ? "—" : String.format("%.3f", t.measured()))
                    .append(" | ").append(t.atLeast() ? "≥ " : "≤ ").append(Double.isNaN(t.threshold()) ? "?" : fmt(t.threshold()))
                    .append(" | ").append(t.met() == null ? "not measured" : t.met() ? "**yes**" : "no")
                    .append(" | ").append(t.detail()).append(" |\n");
        }

        if (!throughput.isEmpty()) {
            md.append("\n## HTTP throughput (wrk -t1 -c32, one after another, same run)\n\n")
                    .append("Each target's req/s is the mean of its rounds (each round's in parentheses); its latency percentiles "
                            + "the worst round's. wrk's latencies are of a closed loop at saturation, not the paced figures below.\n\n")
                    .append("| target | req/s | ÷ bare | p50 ms | p99 ms | p99.9 ms | errors | server CPU µs/req | load average |\n")
                    .append("|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
            double bare = Targets.find(throughput, "bare").map(Throughput::rps).orElse(Double.NaN);
            for (Throughput r : throughput) {
                String rounds = r.fields().getOrDefault("rps_rounds", "");
                md.append(String.format("| %s | %,.0f%s | %.2f | %s | %s | %s | %d | %s | %s |%n", r.target(), r.rps(),
                        rounds.contains(",") ? " (" + rounds.replace(",", ", ") + ")" : "", r.rps() / bare,
                        r.fields().get("p50_ms"), r.fields().get("p99_ms"), r.fields().get("p999_ms"), r.errors(),
                        r.fields().get("cpu_us"), r.fields().getOrDefault("loadavg", "").replace(',', ' ')));
            }
        }

        if (!paced.isEmpty()) {
            md.append("\n## Paced latency (h2load --h1 -c32 --rps, per-request log)\n\n")
                    .append("| server | level | offered req/s | achieved | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | not 2xx | load average |\n")
                    .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
            for (Paced p : paced) {
                md.append(String.format("| %s | %d %% | %,.0f | %,.0f%s | %.3f | %.3f | %.3f | %.3f | %.2f | %d | %s |%n", p.server(),
                        p.level(), p.offered(), p.achieved(), p.achieved() >= SuiteReport.KEPT_UP * p.offered() ? "" : " (behind)",
                        p.p50(), p.p90(), p.p99(), p.p999(), p.maxMs(), p.non2xx(), p.loadAverage()));
            }
        }

        if (jmh.isArray() && jmh.size() > 0) {
            md.append("\n## JMH subset (`benchmarks/run`)\n\n| benchmark | parameters | score | ± | unit |\n|---|---|---:|---:|---|\n");
            for (JsonNode r : jmh) {
                String name = r.path("benchmark").asText();
                name = name.substring(name.lastIndexOf('.', name.lastIndexOf('.') - 1) + 1);
                StringBuilder params = new StringBuilder();
                for (Iterator<Map.Entry<String, JsonNode>> it = r.path("params").fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    params.append(params.length() == 0 ? "" : ", ").append(e.getKey()).append('=').append(e.getValue().asText());
                }
                JsonNode m = r.path("primaryMetric");
                md.append(String.format("| %s | %s | %,.0f | %,.0f | %s |%n", name, params, m.path("score").asDouble(),
                        m.path("scoreError").asDouble(), m.path("scoreUnit").asText()));
            }
        }

        List<String> checks = run.lines("http/checks.txt");
        List<String> audit = run.lines("http/audit.txt");
        if (!checks.isEmpty() || !audit.isEmpty()) {
            md.append("\n## Checked before and after timing\n\n");
            for (String line : checks) {
                md.append("- before: `").append(line).append("`\n");
            }
            for (String line : audit) {
                md.append("- after: ").append(line).append('\n');
            }
        }
        md.append("\nPlots: `throughput-vs-rules.png`, `latency-vs-load.png` (and `latency-<server>.png`), `http-throughput.png`, "
                + "`peers-ratios.png`; every figure above is in the JSON files beside this one.\n");
        return md.toString();
    }

    private static void row(StringBuilder md, String key, String value) {
        md.append("| ").append(key).append(" | ").append(value == null ? "?" : value).append(" |\n");
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? String.valueOf((long) v) : String.valueOf(v);
    }
}
