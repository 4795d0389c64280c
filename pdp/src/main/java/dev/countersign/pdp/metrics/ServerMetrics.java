package dev.countersign.pdp.metrics;

import dev.countersign.rules.Verdict;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

/**
 * Every metric the node exposes at {@code /metrics} (Prometheus text format), named here once:
 * request latency per route, decisions by verdict, evaluation time, the active bundle revision,
 * reloads and their failures, and the JVM (heap and non-heap by pool as {@code jvm_memory_used_bytes},
 * live threads as {@code jvm_threads_live_threads}, open file descriptors as {@code process_files_open_files}
 * where the platform reports them). Other parts register gauges through {@link #gauge}.
 */
public final class ServerMetrics {
    private static final Duration[] LATENCY_BUCKETS = {
            Duration.ofNanos(50_000), Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
            Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofSeconds(5), Duration.ofSeconds(30)};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<RequestKey, Timer> requestTimers = new ConcurrentHashMap<>();
    private final Map<Verdict, Counter> decisions = new EnumMap<>(Verdict.class);
    private final Timer evaluation;
    private final Counter reloads;
    private final Counter reloadFailures;
    private final Counter unrecorded;
    private final MultiGauge bundle;

    public ServerMetrics() {
        for (Verdict v : Verdict.values()) {
            decisions.put(v, Counter.builder("countersign_decisions").description("Decisions made, by verdict")
                    .tag("verdict", v.wireName()).register(registry));
        }
        evaluation = Timer.builder("countersign_evaluation").description("Time to evaluate one action context with the rules")
                .serviceLevelObjectives(Duration.ofNanos(1_000), Duration.ofNanos(2_000), Duration.ofNanos(5_000),
                        Duration.ofNanos(10_000), Duration.ofNanos(25_000), Duration.ofNanos(50_000), Duration.ofNanos(100_000),
                        Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(10))
                .register(registry);
        reloads = Counter.builder("countersign_bundle_reloads").description("Bundle reload attempts").register(registry);
        reloadFailures = Counter.builder("countersign_bundle_reload_failures")
                .description("Bundle reloads rejected because the bundle did not compile or its rule tests failed").register(registry);
        unrecorded = Counter.builder("countersign_decisions_unrecorded")
                .description("Decisions not answered because the audit log could not take their records (audit.on_failure: refuse)")
                .register(registry);
        bundle = MultiGauge.builder("countersign_bundle").description("The active bundle: 1, with its revision as a label")
                .register(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    /** Records one HTTP request on a route of the route table ({@code route} is its template). */
    /** What a request's timer is kept by. */
    private record RequestKey(String route, String method, int status) {
    }

    public void request(String route, String method, int status, long nanos) {
        RequestKey key = new RequestKey(route, method, status);
        Timer timer = requestTimers.get(key);
        if (timer == null) {
            timer = requestTimers.computeIfAbsent(key, k -> Timer.builder("countersign_http_server_requests")
                    .description("HTTP requests by route, method and status")
                    .tags("route", route, "method", method, "status", Integer.toString(status))
                    .serviceLevelObjectives(LATENCY_BUCKETS)
                    .register(registry));
        }
        timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void decision(Verdict verdict, long evaluationNanos) {
        decisions.get(verdict).increment();
        evaluation.record(evaluationNanos, TimeUnit.NANOSECONDS);
    }

    /** A decision refused because the audit log could not take its record. */
    public void unrecorded() {
        unrecorded.increment();
    }

    public void reloaded(boolean rejected) {
        reloads.increment();
        if (rejected) {
            reloadFailures.increment();
        }
    }

    /** Publishes the active bundle's revision (and rule count) as {@code countersign_bundle{revision=...} 1}. */
    public void activeBundle(String revision, String name, int rules) {
        bundle.register(List.of(MultiGauge.Row.of(Tags.of("revision", revision, "name", name), 1)), true);
        gauge("countersign_bundle_rules", "Rules in the active bundle", () -> rules);
    }

    /** Registers (or replaces) a gauge reading {@code value}. */
    public void gauge(String name, String description, Supplier<Number> value) {
        registry.find(name).gauges().forEach(registry::remove);
        Gauge.builder(name, value).description(description).register(registry);
    }

    /** Registers a counter whose value is read from {@code source} (for counts kept elsewhere, e.g. the audit log). */
    public <T> void functionCounter(String name, String description, T source, ToDoubleFunction<T> count) {
        io.micrometer.core.instrument.FunctionCounter.builder(name, source, count).description(description).register(registry);
    }

    /** Registers a timer whose count and total time (in seconds) are read from {@code source}. */
    public <T> void functionTimer(String name, String description, T source, ToDoubleFunction<T> count, ToDoubleFunction<T> totalSeconds) {
        io.micrometer.core.instrument.FunctionTimer.builder(name, source, s -> (long) count.applyAsDouble(s), totalSeconds, TimeUnit.SECONDS)
                .description(description).register(registry);
    }

    /**
     * Registers counters kept elsewhere under one name, one per key of {@code counts}: a key is the
     * values of {@code tags} joined by {@code /} ({@code slack/delivered} for tags kind and outcome).
     * Keys that appear later are registered at the next scrape.
     */
    public void counters(String name, String description, List<String> tags, Supplier<Map<String, Long>> counts) {
        families.add(new Family(name, description, tags, counts));
    }

    private record Family(String name, String description, List<String> tags, Supplier<Map<String, Long>> counts) {
    }

    private final List<Family> families = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.Set<String> registered = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private void registerNewKeys() {
        for (Family f : families) {
            for (String key : f.counts().get().keySet()) {
                if (!registered.add(f.name() + "|" + key)) {
                    continue;
                }
                String[] values = key.split("/", -1);
                List<io.micrometer.core.instrument.Tag> tags = new java.util.ArrayList<>();
                for (int i = 0; i < f.tags().size(); i++) {
                    tags.add(io.micrometer.core.instrument.Tag.of(f.tags().get(i), i < values.length ? values[i] : ""));
                }
                io.micrometer.core.instrument.FunctionCounter.builder(f.name(), f, family -> family.counts().get().getOrDefault(key, 0L))
                        .description(f.description()).tags(tags).register(registry);
            }
        }
    }

    /** The Prometheus text exposition of every metric. */
    public String scrape() {
        registerNewKeys();
        return registry.scrape();
    }
}
