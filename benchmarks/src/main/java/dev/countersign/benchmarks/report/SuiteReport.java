package dev.countersign.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.countersign.benchmarks.report.RunDirectory.Paced;
import dev.countersign.benchmarks.report.RunDirectory.Throughput;
import dev.countersign.benchmarks.report.Targets.Target;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Turns one {@code benchmarks/run-all} directory into the committed results: {@code http-throughput.json},
 * {@code latency.json}, {@code jmh.json}, {@code approvals.json} (when it ran), {@code summary.json}
 * (every target with its measured value and whether it is met), {@code RESULTS.md} and the PNG plots.
 * Every figure comes from the run's raw files; nothing is carried over from an earlier run.
 *
 * <pre>java -Djava.awt.headless=true -cp benchmarks.jar dev.countersign.benchmarks.report.SuiteReport RUN_DIR RESULTS_DIR</pre>
 */
public final class SuiteReport {
    /** A paced level counts as held when the log shows at least this share of the offered rate. */
    static final double KEPT_UP = 0.95;

    private SuiteReport() {
    }

    public static void main(String[] args) throws IOException {
        RunDirectory run = new RunDirectory(Path.of(args[0]));
        Path out = Path.of(args[1]);
        Files.createDirectories(out);
        Map<String, String> meta = run.meta();
        List<Throughput> throughput = run.throughput();
        List<Paced> paced = run.paced();
        JsonNode jmh = run.jmh();
        JsonNode approvals = run.approvals();
        List<Target> targets = Targets.of(throughput, paced, jmh, approvals);

        ObjectNode context = context(meta);
        write(out.resolve("http-throughput.json"), context.deepCopy().set("rows", throughputJson(throughput)));
        write(out.resolve("latency.json"), context.deepCopy().set("rows", pacedJson(paced)));
        if (jmh.size() > 0) {
            // JMH records the java binary's and the bundle's paths on this machine: not part of a result.
            JsonNode published = jmh.deepCopy();
            published.forEach(r -> ((ObjectNode) r).remove(List.of("jvm", "jvmArgs")));
            write(out.resolve("jmh.json"), published);
        }
        if (!approvals.isMissingNode()) {
            write(out.resolve("approvals.json"), approvals);
        }
        ObjectNode summary = context.deepCopy();
        boolean noisy = noisy(meta);
        summary.put("noisy", noisy);
        summary.put("noisy_means", "a quick run, or the machine's 1-minute load average when measuring began was at least half its CPU count:"
                + " the other work on the machine decided the figures, and no target's met/missed is a finding");
        ArrayNode list = summary.putArray("targets");
        for (Target t : targets) {
            ObjectNode n = list.addObject();
            n.put("id", t.id()).put("description", t.description());
            if (t.measured() == null) {
                n.putNull("measured");
            } else {
                n.put("measured", round(t.measured()));
            }
            n.put("unit", t.unit()).put("comparison", t.atLeast() ? ">=" : "<=");
            if (Double.isNaN(t.threshold())) {
                n.putNull("threshold");
            } else {
                n.put("threshold", t.threshold());
            }
            if (t.met() == null) {
                n.putNull("met");
            } else {
                n.put("met", t.met());
            }
            n.put("detail", t.detail());
        }
        String subtitle = meta.getOrDefault("date", "?").substring(0, Math.min(10, meta.getOrDefault("date", "?").length()))
                + " " + meta.getOrDefault("commit", "?") + ", load " + meta.getOrDefault("load_start", "?");
        ArrayNode plots = summary.putArray("plots");
        for (Path plot : Charts.write(out, subtitle, throughput, paced, jmh, targets)) {
            plots.add(plot.getFileName().toString());
        }
        write(out.resolve("summary.json"), summary);
        Files.writeString(out.resolve("RESULTS.md"), ResultsMarkdown.render(meta, throughput, paced, jmh, targets, run));
        System.out.println("wrote " + out + ": summary.json, RESULTS.md, " + plots.size() + " plots");
        for (Target t : targets) {
            System.out.printf("  %-34s %10s %s %-6s %s%n", t.id(), t.measured() == null ? "—" : String.format("%.3f", t.measured()),
                    t.atLeast() ? ">=" : "<=", Double.isNaN(t.threshold()) ? "" : String.valueOf(t.threshold()),
                    t.met() == null ? "not measured" : t.met() ? "met" : "MISSED");
        }
    }

    /**
     * A quick run, or one whose machine had other work when measuring began: the 1-minute load average
     * then (after run-all waited for the build to settle) at or above half the CPUs. The load during
     * and at the end of a run is mostly the suite's own servers, load generators and JMH forks, so it
     * says nothing of other work.
     */
    static boolean noisy(Map<String, String> meta) {
        if (!"full".equals(meta.get("mode"))) {
            return true;
        }
        try {
            int cpus = Integer.parseInt(meta.getOrDefault("nproc", "1"));
            return Double.parseDouble(meta.getOrDefault("load_start", "").trim().split("\\s+")[0]) >= cpus / 2.0;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private static ObjectNode context(Map<String, String> meta) {
        ObjectNode n = RunDirectory.JSON.createObjectNode();
        meta.forEach(n::put);
        return n;
    }

    private static ArrayNode throughputJson(List<Throughput> rows) {
        ArrayNode list = RunDirectory.JSON.createArrayNode();
        for (Throughput r : rows) {
            ObjectNode n = list.addObject().put("target", r.target());
            r.fields().forEach((k, v) -> {
                try {
                    n.put(k, Double.parseDouble(v));
                } catch (NumberFormatException e) {
                    n.put(k, v.replace(',', ' '));
                }
            });
        }
        return list;
    }

    private static ArrayNode pacedJson(List<Paced> rows) {
        ArrayNode list = RunDirectory.JSON.createArrayNode();
        for (Paced p : rows) {
            list.addObject().put("server", p.server()).put("level_percent", p.level()).put("max_rps", p.max())
                    .put("offered_rps", p.offered()).put("achieved_rps", round(p.achieved())).put("requests", p.requests())
                    .put("non_2xx", p.non2xx()).put("kept_up", p.achieved() >= KEPT_UP * p.offered())
                    .put("p50_ms", p.p50()).put("p90_ms", p.p90()).put("p99_ms", p.p99()).put("p999_ms", p.p999())
                    .put("max_ms", p.maxMs()).put("loadavg", p.loadAverage());
        }
        return list;
    }

    static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static void write(Path file, JsonNode node) throws IOException {
        RunDirectory.JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), node);
    }
}
