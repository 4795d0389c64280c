package dev.countersign.benchmarks.approvals;

import dev.countersign.benchmarks.approvals.ApprovalNodes.Node;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node alone with a 1 GiB heap ({@code -Xmx1g}, G1) holding {@code target} pending approvals,
 * created as holds create them (the realistic export context, each a new ask, spread over agents so
 * that no client reaches {@code approvals.max_pending_per_client}), while serving decisions at load:
 * <ol>
 *   <li>decisions at load (allowed contexts from a pool of 512, {@code concurrency} in flight) with
 *       0 pending, then the live heap measured by {@code jcmd GC.class_histogram} (a full
 *       collection, then every live object counted);</li>
 *   <li>{@code target} holds, or as many as fit in {@code holdSeconds}, {@code concurrency} in flight,
 *       every one answered needs_approval;</li>
 *   <li>the live heap again; then the same decisions at load, now with them pending, and the live heap once more.</li>
 * </ol>
 * Bytes per pending approval = (live heap right after the holds − live heap before) / pending; it includes
 * everything a hold leaves behind: the approval and its ask, their backups' absence aside (a node
 * alone keeps no backup), the hold's decision record (bounded by {@code decisions.max_records}) and
 * its entry in the decision cache (bounded by {@code engine.decision_cache_bytes}), both shown too.
 * Every answer is checked; one error fails the run. The node must answer through all of it. When
 * fewer than {@code target} holds fit in the time, the live heap at {@code target} is projected
 * (live heap without + target × bytes per pending approval) and said to be a projection.
 */
final class MemoryFootprint {
    static final int AGENTS = 125;
    private static final Pattern GC_LINE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");
    private static final Pattern TOTAL = Pattern.compile("(?m)^Total\\s+(\\d+)\\s+(\\d+)\\s*$");

    private MemoryFootprint() {
    }

    static void run(Path work, Path jar, Path bundle, Results results, int target, int holdSeconds, int loadSeconds, int concurrency)
            throws Exception {
        try (ApprovalNodes nodes = new ApprovalNodes(work, 1, jar, bundle, AGENTS, "approvals: {max_pending_per_client: 1000}\n",
                List.of("-Xmx1g", "-Xms1g", "-XX:+UseG1GC", "-Xlog:gc:file={home}/gc.log"))) {
            nodes.startAll();
            Node n = nodes.nodes.get(0);
            int perAgent = (target + AGENTS - 1) / AGENTS;
            if (perAgent >= 1000) {
                throw new IllegalArgumentException("at most " + AGENTS * 999 + " pending approvals: each agent may hold 1000");
            }
            closedLoopUntil(n, 200, Long.MAX_VALUE, 4, i -> Requests.export("agent", "warm " + UUID.randomUUID()), nodes, Requests::held);   // the hold path's classes
            load(n, nodes, Math.max(3, loadSeconds / 2), concurrency);   // warm-up: the JIT, the decision cache
            double rate0 = load(n, nodes, loadSeconds, concurrency);
            long live0 = liveBytes(n);
            double pending0 = ApprovalNodes.metric(n, "countersign_approvals_pending");
            double cache0 = ApprovalNodes.metric(n, "countersign_decision_cache_bytes");
            long t0 = System.nanoTime();
            int pending = (int) closedLoopUntil(n, target, t0 + TimeUnit.SECONDS.toNanos(holdSeconds), concurrency,
                    i -> Requests.export("agent", "pending " + UUID.randomUUID()), nodes, Requests::held);
            double holdRate = pending / ((System.nanoTime() - t0) / 1e9);
            long live1 = liveBytes(n);
            double cache1 = ApprovalNodes.metric(n, "countersign_decision_cache_bytes");
            double rate1 = load(n, nodes, loadSeconds, concurrency);
            long live2 = liveBytes(n);
            double pending1 = ApprovalNodes.metric(n, "countersign_approvals_pending");
            if (pending1 - pending0 < pending) {
                throw new IllegalStateException("expected " + pending + " more pending approvals, the node counts " + (pending1 - pending0));
            }
            if (!n.process.isAlive()) {
                throw new IllegalStateException("the node died");
            }
            long peakAfterGc = peakAfterGcMiB(n.home.resolve("gc.log"));
            double perPending = (double) (live1 - live0) / pending;
            results.value("pending_approvals", "approvals", pending1, null, null, "pending approvals on the node at the end (countersign_approvals_pending)");
            double projected = (live0 + perPending * target) / 1048576.0;
            results.value("projected_live_heap_at_" + target, "MiB", projected, "<= 1024 MiB", projected <= 1024,
                    pending < target ? "live heap without approvals + " + target + " × bytes per pending approval: only " + pending
                            + " holds fitted in the " + holdSeconds + " s allowed" : "live heap without approvals + " + target + " × bytes per pending approval");
            results.value("holds_per_second", "holds/s", holdRate, null, null, pending + " holds, " + concurrency + " in flight");
            results.value("decisions_per_second_0_pending", "req/s", rate0, null, null, "allowed decisions at load, " + concurrency + " in flight, 0 pending");
            results.value("decisions_per_second_with_pending", "req/s", rate1, null, null, "the same, with the approvals pending");
            results.value("decisions_rate_ratio", "ratio", rate1 / rate0, null, null, "req/s with the approvals pending ÷ req/s without, same run");
            results.value("live_heap_0_pending", "MiB", live0 / 1048576.0, null, null, "live heap after a full GC (GC.class_histogram), 0 pending");
            results.value("live_heap_with_pending", "MiB", live1 / 1048576.0, null, null, "live heap after a full GC, right after the holds");
            results.value("live_heap_with_pending_after_load", "MiB", live2 / 1048576.0, "<= 1024 MiB (-Xmx1g), 0 errors",
                    live2 < 1024L * 1048576 && n.process.isAlive(), "live heap after a full GC with the approvals pending, after serving decisions at load");
            results.value("peak_heap_after_gc", "MiB", peakAfterGc, "<= 1024 MiB", peakAfterGc < 1024, "the most heap in use after any collection of the run (GC log)");
            results.value("bytes_per_pending_approval", "bytes", perPending, null, null,
                    "(live heap right after the holds − before them) ÷ pending: the approval, its ask, its decision record and its decision-cache entry");
            results.value("decision_cache_bytes_per_hold", "bytes", (cache1 - cache0) / pending, null, null,
                    "of which the decision cache (countersign_decision_cache_bytes, bounded by engine.decision_cache_bytes)");
        }
    }

    /** Decisions (allowed) at load for {@code seconds}, {@code concurrency} in flight; their rate. */
    private static double load(Node n, ApprovalNodes nodes, int seconds, int concurrency) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        long t0 = System.nanoTime();
        long done = closedLoopUntil(n, Integer.MAX_VALUE, deadline, concurrency, i -> Requests.export("human", "report " + (i & 511)), nodes,
                Requests::allowed);
        return done / ((System.nanoTime() - t0) / 1e9);
    }

    /**
     * Sends {@code count} decisions (or until {@code deadline}), {@code concurrency} in flight, each
     * from agent {@code i % AGENTS} and checked; fails on the first error. Returns how many were answered.
     */
    private static long closedLoopUntil(Node n, int count, long deadline, int concurrency, IntFunction<String> body, ApprovalNodes nodes,
                                        Consumer<HttpResponse<String>> check) throws Exception {
        Semaphore slots = new Semaphore(concurrency);
        AtomicLong answered = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        for (int i = 0; i < count && System.nanoTime() < deadline && failure.get() == null; i++) {
            slots.acquire();
            Requests.sendAsync(Requests.post(n, "/v1/decisions", body.apply(i), nodes.agentToken(i % AGENTS))).whenComplete((r, e) -> {
                try {
                    if (e != null) {
                        throw e;
                    }
                    check.accept(r);
                    answered.incrementAndGet();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    slots.release();
                }
            });
        }
        slots.acquire(concurrency);
        if (failure.get() != null) {
            throw new IllegalStateException("a request failed: " + failure.get(), failure.get());
        }
        return answered.get();
    }

    /** Bytes of live objects: {@code GC.class_histogram} collects fully first, then counts every object. */
    private static long liveBytes(Node n) throws Exception {
        String out = ApprovalNodes.jcmd(n, "GC.class_histogram");
        Files.writeString(n.home.resolve("histogram-" + System.currentTimeMillis() + ".txt"), out);   // kept with KEEP=1
        Matcher m = TOTAL.matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no total in the class histogram: " + out.substring(0, Math.min(500, out.length())));
        }
        return Long.parseLong(m.group(2));
    }

    /** The largest heap occupancy after a collection in {@code log} (MiB). */
    private static long peakAfterGcMiB(Path log) throws IOException {
        long peak = 0;
        for (String line : Files.readAllLines(log)) {
            Matcher m = GC_LINE.matcher(line);
            if (m.find()) {
                peak = Math.max(peak, Long.parseLong(m.group(2)));
            }
        }
        return peak;
    }
}
