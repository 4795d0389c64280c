package dev.countersign.benchmarks.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.benchmarks.report.RunDirectory.Paced;
import dev.countersign.benchmarks.report.RunDirectory.Throughput;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The targets of the performance issue, each computed from one run's results: a measured value (a
 * ratio of two figures of the same run, or a latency in ms), the threshold, and whether it is met.
 * A target whose inputs did not run is reported with {@code met = null} ("not measured"), never as met.
 * A throughput ratio is met only when both of its loads had 0 errors.
 */
final class Targets {
    /** One target. {@code atLeast}: the measured value must be ≥ the threshold, else ≤. */
    record Target(String id, String description, Double measured, String unit, boolean atLeast, double threshold,
                  Boolean met, String detail) {
    }

    private Targets() {
    }

    static List<Target> of(List<Throughput> throughput, List<Paced> paced, JsonNode jmh, JsonNode approvals) {
        List<Target> targets = new ArrayList<>();
        Optional<Throughput> decisions = find(throughput, "countersign-decisions");
        Optional<Throughput> bare = find(throughput, "bare");
        targets.add(httpRatio("http.decisions_vs_bare", "POST /v1/decisions (default configuration) req/s ÷ the bare Vert.x server's",
                decisions, bare, 0.70));
        targets.add(httpRatio("http.data_api_vs_decisions", "OPA Data API (POST /v1/data/policies) req/s ÷ POST /v1/decisions'",
                find(throughput, "countersign-data-api"), decisions, 0.90));
        targets.add(httpRatio("http.forward_auth_vs_decisions", "forward-auth (GET /v1/authz/forward) req/s ÷ POST /v1/decisions'",
                find(throughput, "countersign-forward-auth"), decisions, 0.90));
        targets.add(httpRatio("http.vs_cerbos", "POST /v1/decisions req/s ÷ Cerbos' POST /api/check/resources, same policy and request",
                decisions, find(throughput, "cerbos"), 10));
        Optional<Paced> half = paced.stream().filter(p -> p.server().equals("countersign") && p.level() == 50).findFirst();
        targets.add(half.map(p -> new Target("http.p99_at_half_max_ms", "POST /v1/decisions p99 paced at 50 % of its own max (ms)",
                        p.p99(), "ms", false, 1.0, p.non2xx() == 0 && p.p99() <= 1.0,
                        String.format("offered %.0f req/s, achieved %.0f, %d not 2xx", p.offered(), p.achieved(), p.non2xx())))
                .orElse(notMeasured("http.p99_at_half_max_ms", "POST /v1/decisions p99 paced at 50 % of its own max (ms)", "ms", false, 1.0)));

        targets.add(jmhRatio("engine.vs_opa_wasm", "RbacPeer: the engine alone ÷ OPA Wasm", jmh, "RbacPeerBenchmark.countersign",
                "RbacPeerBenchmark.opaWasm", 5));
        targets.add(jmhRatio("engine.json_vs_opa_wasm", "RbacPeer: JSON in and out ÷ OPA Wasm", jmh, "RbacPeerBenchmark.countersignJson",
                "RbacPeerBenchmark.opaWasm", 3));
        targets.add(jmhRatio("engine.vs_authzforce", "RbacPeer: the engine alone ÷ AuthzForce CE (XACML)", jmh,
                "RbacPeerBenchmark.countersign", "RbacPeerBenchmark.authzforce", 1.5));
        targets.add(jmhRatio("engine.vs_jcasbin", "RbacPeer: the engine alone ÷ jCasbin", jmh, "RbacPeerBenchmark.countersign",
                "RbacPeerBenchmark.jcasbin", 1.5));
        Optional<Double> small = score(jmh, "GeneratedBundleBenchmark.evaluate", Map.of("rules", "10", "traffic", "all", "cache", "off"));
        Optional<Double> large = score(jmh, "GeneratedBundleBenchmark.evaluate", Map.of("rules", "10000", "traffic", "all", "cache", "off"));
        String spread = "GeneratedBundle, cache off, traffic over the bundle: time per decision at 10,000 rules ÷ at 10";
        if (small.isPresent() && large.isPresent()) {
            double ratio = small.get() / large.get();
            targets.add(new Target("engine.cost_10000_vs_10_rules", spread, ratio, "ratio", false, 2.0, ratio <= 2.0,
                    String.format("%.0f vs %.0f ops/s", small.get(), large.get())));
        } else {
            targets.add(notMeasured("engine.cost_10000_vs_10_rules", spread, "ratio", false, 2.0));
        }
        targets.addAll(approvalTargets(approvals));
        return targets;
    }

    static Optional<Throughput> find(List<Throughput> rows, String target) {
        return rows.stream().filter(r -> r.target().equals(target)).findFirst();
    }

    private static Target httpRatio(String id, String description, Optional<Throughput> a, Optional<Throughput> b, double threshold) {
        if (a.isEmpty() || b.isEmpty()) {
            return notMeasured(id, description, "ratio", true, threshold);
        }
        double ratio = a.get().rps() / b.get().rps();
        long errors = a.get().errors() + b.get().errors();
        return new Target(id, description, ratio, "ratio", true, threshold, errors == 0 && ratio >= threshold,
                String.format("%.0f vs %.0f req/s, %d errors", a.get().rps(), b.get().rps(), errors));
    }

    private static Target jmhRatio(String id, String description, JsonNode jmh, String a, String b, double threshold) {
        Optional<Double> x = score(jmh, a, Map.of());
        Optional<Double> y = score(jmh, b, Map.of());
        if (x.isEmpty() || y.isEmpty()) {
            return notMeasured(id, description, "ratio", true, threshold);
        }
        double ratio = x.get() / y.get();
        return new Target(id, description, ratio, "ratio", true, threshold, ratio >= threshold,
                String.format("%.0f vs %.0f ops/s", x.get(), y.get()));
    }

    private static Target notMeasured(String id, String description, String unit, boolean atLeast, double threshold) {
        return new Target(id, description, null, unit, atLeast, threshold, null, "not measured in this run");
    }

    /**
     * The score of the first JMH result whose benchmark ends with {@code name} and whose parameters
     * hold {@code params}; a benchmark with a {@code cache} parameter is taken with the cache off
     * unless asked otherwise (the targets are about evaluation, not cache hits).
     */
    static Optional<Double> score(JsonNode jmh, String name, Map<String, String> params) {
        if (!jmh.isArray()) {
            return Optional.empty();
        }
        for (JsonNode result : jmh) {
            if (!result.path("benchmark").asText().endsWith("." + name)) {
                continue;
            }
            JsonNode p = result.path("params");
            boolean matches = params.entrySet().stream().allMatch(e -> e.getValue().equals(p.path(e.getKey()).asText()));
            if (!params.containsKey("cache") && p.has("cache") && !"off".equals(p.path("cache").asText())) {
                matches = false;
            }
            if (matches) {
                return Optional.of(result.path("primaryMetric").path("score").asDouble());
            }
        }
        return Optional.empty();
    }

    /** Every object of benchmarks/approvals' JSON that says whether it met its target. */
    private static List<Target> approvalTargets(JsonNode approvals) {
        List<Target> targets = new ArrayList<>();
        collect(approvals, targets);
        return targets;
    }

    private static void collect(JsonNode node, List<Target> into) {
        if (node.isObject() && node.has("met") && node.path("met").isBoolean()) {
            String name = node.path(node.has("metric") ? "metric" : "name").asText("approvals");
            String unit = node.path("unit").asText("");
            Double measured = node.has("p99") ? node.path("p99").asDouble() : node.has("value") ? node.path("value").asDouble() : null;
            String target = node.path("target").asText("");
            double threshold = node.path("target").isNumber() ? node.path("target").asDouble() : Double.NaN;
            into.add(new Target("approvals." + name, name + (measured != null && node.has("p99") ? " p99" : ""), measured, unit,
                    false, threshold, node.path("met").asBoolean(), "from benchmarks/approvals; target " + target));
            return;
        }
        for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
            collect(it.next(), into);
        }
    }
}
