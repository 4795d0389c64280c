package dev.countersign.benchmarks.approvals;

import dev.countersign.benchmarks.approvals.ApprovalNodes.Node;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Approvals across a cluster of three member processes on loopback, from one client, sequentially:
 * <ul>
 *   <li>{@code hold}: {@code POST /v1/decisions} answered needs_approval, a new approval (kept with a
 *       backup on another member), on each member in turn; next to it, in the same loop, the same
 *       context from a person (allowed, touching no shared state) as the baseline;</li>
 *   <li>{@code vote_wakes_waiter}: a caller waits on member C ({@code GET /v1/approvals/{id}?wait=30s},
 *       counted as a waiter in C's metrics before the vote is sent), a reviewer approves on member B:
 *       the time from sending the vote to the waiter's answer {@code approved}; and the vote's own answer.</li>
 * </ul>
 * The card's latency with Slack configured is {@link SlackCards}; memory is {@link MemoryFootprint}.
 */
final class ApprovalLatency {
    static final double HOLD_P99_MS = 5;
    static final double WAKE_P99_MS = 20;
    /** The agents holds are spread over (each may hold approvals.max_pending_per_client, 1000 by default). */
    static final int AGENTS = 20;

    private ApprovalLatency() {
    }

    /** Both measures on {@code nodes} (started, three members), into {@code results}. */
    static void run(ApprovalNodes nodes, Results results, int warmup, int holds, int votes) throws Exception {
        List<Node> members = nodes.nodes;
        Results.Latency allow = results.latency("allow_baseline", "POST /v1/decisions answered allow (same context from a person), "
                + "touching no shared state; sequential, each member in turn, same loop as hold", null);
        Results.Latency hold = results.latency("hold", "POST /v1/decisions answered needs_approval: a new pending approval with a backup; "
                + "sequential, each member in turn", HOLD_P99_MS);
        for (int i = -warmup; i < holds; i++) {
            Node n = members.get(Math.floorMod(i, members.size()));
            String token = nodes.agentToken(Math.floorMod(i, AGENTS));   // a few dozen pending per client, under its limit
            long t0 = System.nanoTime();
            HttpResponse<String> a = Requests.send(Requests.post(n, "/v1/decisions", Requests.export("human", "report " + (i & 255)), token));
            long t1 = System.nanoTime();
            Requests.allowed(a);
            long t2 = System.nanoTime();
            HttpResponse<String> h = Requests.send(Requests.post(n, "/v1/decisions", Requests.export("agent", "hold " + UUID.randomUUID()), token));
            long t3 = System.nanoTime();
            Requests.held(h);
            if (i >= 0) {
                allow.recordNanos(t1 - t0);
                hold.recordNanos(t3 - t2);
            }
        }
        Results.Latency vote = results.latency("vote", "POST /v1/approvals/{id}/votes on member B answered approved", null);
        Results.Latency wake = results.latency("vote_wakes_waiter", "from sending the deciding vote to member B to the answer "
                + "'approved' of a caller already waiting on member C", WAKE_P99_MS);
        int voteWarmup = Math.max(20, warmup / 4);
        for (int i = -voteWarmup; i < votes; i++) {
            int k = Math.floorMod(i, members.size());
            Node a = members.get(k);
            Node b = members.get((k + 1) % members.size());
            Node c = members.get((k + 2) % members.size());
            String agent = nodes.agentToken(Math.floorMod(i, AGENTS));
            String id = Requests.held(Requests.send(Requests.post(a, "/v1/decisions", Requests.export("agent", "vote " + UUID.randomUUID()), agent)));
            CompletableFuture<Long> answered = new CompletableFuture<>();
            CompletableFuture<HttpResponse<String>> waiter = Requests.sendAsync(Requests.get(c, "/v1/approvals/" + id + "?wait=30s", agent,
                    Duration.ofSeconds(40))).whenComplete((r, e) -> answered.complete(System.nanoTime()));
            awaitWaiter(c);
            long t0 = System.nanoTime();
            HttpResponse<String> v = Requests.send(Requests.post(b, "/v1/approvals/" + id + "/votes", "{\"vote\": \"approve\", \"comment\": \"fine\"}",
                    nodes.carolToken()));
            long t1 = System.nanoTime();
            Requests.approved(v, id);
            HttpResponse<String> w = waiter.get(40, TimeUnit.SECONDS);
            long t2 = answered.get();
            Requests.approved(w, id);
            if (i >= 0) {
                vote.recordNanos(t1 - t0);
                wake.recordNanos(t2 - t0);
            }
        }
    }

    /** Waits until member {@code c} counts one caller waiting (its wait is registered), up to 10 s. */
    private static void awaitWaiter(Node c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ApprovalNodes.metric(c, "countersign_approval_waiters") < 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no waiter registered on " + c);
            }
            Thread.sleep(1);
        }
        Thread.sleep(2);   // the waiter is counted just before it is listed; let it be listed
    }

    /** Starts three members with {@code extraConfig}, runs {@code body} on them, stops them. */
    interface OnCluster {
        void run(ApprovalNodes nodes) throws Exception;
    }

    static void withCluster(Path work, Path jar, Path bundle, int agents, String extraConfig, List<String> jvm, OnCluster body) throws Exception {
        try (ApprovalNodes nodes = new ApprovalNodes(work, 3, jar, bundle, agents, extraConfig, new ArrayList<>(jvm))) {
            nodes.startAll();
            body.run(nodes);
        }
    }
}
