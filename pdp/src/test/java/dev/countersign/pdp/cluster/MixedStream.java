package dev.countersign.pdp.cluster;

import static dev.countersign.pdp.cluster.NodeProcesses.export;
import static dev.countersign.pdp.cluster.NodeProcesses.read;
import static dev.countersign.pdp.cluster.NodeProcesses.roleGrant;
import static dev.countersign.pdp.cluster.NodeProcesses.sendDecision;
import static dev.countersign.pdp.cluster.NodeProcesses.vote;
import static dev.countersign.pdp.cluster.NodeProcesses.withApproval;

import dev.countersign.pdp.cluster.NodeProcesses.Node;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stream of decisions, holds, votes and redemptions from client threads against several nodes, and
 * the ledger of what each node answered. Each step of a thread, on its node: a read (allowed), a hold
 * (an export needing one approver, or a role grant needing two), a vote on a pending approval held by
 * any thread (carol, then dan for a grant), and the redemption of an approval the stream saw approved.
 * A thread whose node is {@linkplain #killing killed} stops at its first failure; that failure, and any
 * other on the killed node, is counted as in flight to it, and the approval it was about as uncertain.
 */
final class MixedStream {
    /** An approval whose creation was answered, with what the stream was answered about it. */
    static final class Held {
        final String id;
        final String body;
        final int quorum;
        final Node createdOn;
        /** Reviewers whose vote was answered 200. */
        final Set<String> votes = ConcurrentHashMap.newKeySet();
        volatile boolean approved;
        volatile boolean redeemed;
        /** A vote or redemption about it was in flight to a node that was killed: its outcome is unknown. */
        volatile boolean uncertain;

        Held(String id, String body, int quorum, Node createdOn) {
            this.id = id;
            this.body = body;
            this.quorum = quorum;
            this.createdOn = createdOn;
        }
    }

    /** A request that was not answered as the stream expected. */
    record Failure(Node node, String kind, String what, long startedNanos, long endedNanos) {
        @Override
        public String toString() {
            return node + " " + kind + ": " + what;
        }
    }

    final Map<String, Held> held = new ConcurrentHashMap<>();
    /** Decision id → the node that decided it (reads, answered allow). */
    final Map<String, Node> decided = new ConcurrentHashMap<>();
    /** Decision id → when its answer came ({@link System#nanoTime()}). */
    final Map<String, Long> decidedAt = new ConcurrentHashMap<>();
    /** Failures on nodes that were not being killed. */
    final List<Failure> failures = new CopyOnWriteArrayList<>();
    /** Failures on the node being killed, once its kill began. */
    final List<Failure> inFlightToKilled = new CopyOnWriteArrayList<>();
    final AtomicLong requests = new AtomicLong();
    /** The longest answer, in nanoseconds, by node index. */
    final Map<Integer, AtomicLong> slowest = new ConcurrentHashMap<>();
    /** The longest answer, in nanoseconds, by kind of request (decide allow, hold, vote, redeem). */
    final Map<String, AtomicLong> slowestByKind = new ConcurrentHashMap<>();
    /** Answers as expected, by kind of request. */
    final Map<String, AtomicLong> answered = new ConcurrentHashMap<>();

    private final Queue<Held> toVote = new ConcurrentLinkedQueue<>();
    private final Queue<Held> toRedeem = new ConcurrentLinkedQueue<>();
    private final Set<Node> killed = ConcurrentHashMap.newKeySet();
    private final List<Thread> threads = new ArrayList<>();
    private final long pauseMillis;
    private final boolean readsOnly;
    private volatile boolean running = true;

    /** {@code threadsPerNode} client threads on each of {@code nodes}, each pausing {@code pauseMillis} between steps. */
    MixedStream(List<Node> nodes, int threadsPerNode, long pauseMillis) {
        this(nodes, threadsPerNode, pauseMillis, false);
    }

    /** As above; with {@code readsOnly}, each step is only the read, a decision that touches no shared state. */
    MixedStream(List<Node> nodes, int threadsPerNode, long pauseMillis, boolean readsOnly) {
        this.pauseMillis = pauseMillis;
        this.readsOnly = readsOnly;
        for (Node n : nodes) {
            slowest.put(n.index(), new AtomicLong());
            for (int t = 0; t < threadsPerNode; t++) {
                Thread thread = new Thread(() -> run(n), "stream-" + n + "-" + t);
                thread.setDaemon(true);
                threads.add(thread);
            }
        }
    }

    void start() {
        threads.forEach(Thread::start);
    }

    /** From now on, failures on {@code n} are in flight to a killed node. Call before killing it. */
    void killing(Node n) {
        killed.add(n);
    }

    /** Stops every thread and waits for each to finish its step. */
    void stop() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(60));
        }
    }

    private void run(Node n) {
        int step = 0;
        while (running) {
            if (!step(n, step++)) {
                return;
            }
            try {
                Thread.sleep(pauseMillis);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One step; false when the node was killed and this thread should stop. */
    private boolean step(Node n, int step) {
        String readBody = read("stream " + UUID.randomUUID());
        JsonObject r = call(n, "decide allow", () -> sendDecision(n, readBody), "allow", null);
        if (r == null) {
            return !killed.contains(n);
        }
        decided.put(r.getString("decision_id"), n);
        decidedAt.put(r.getString("decision_id"), System.nanoTime());
        if (readsOnly) {
            return true;
        }

        boolean grant = step % 2 == 1;
        String holdBody = grant ? roleGrant("stream-" + UUID.randomUUID()) : export("stream " + UUID.randomUUID());
        JsonObject h = call(n, "hold", () -> sendDecision(n, holdBody), "needs_approval", null);
        if (h == null) {
            return !killed.contains(n);
        }
        Held created = new Held(h.getJsonObject("approval").getString("id"), holdBody, grant ? 2 : 1, n);
        held.put(created.id, created);
        toVote.add(created);

        Held pending = toVote.poll();
        if (pending != null) {
            String reviewer = pending.votes.contains("carol") ? "dan" : "carol";
            JsonObject v = call(n, "vote", () -> vote(n, pending.id, reviewer, "approve"), null, pending);
            if (v == null) {
                return !killed.contains(n);
            }
            pending.votes.add(reviewer);
            String status = v.getString("status");
            if ("approved".equals(status)) {
                pending.approved = true;
                toRedeem.add(pending);
            } else if ("pending".equals(status) && pending.votes.size() < pending.quorum) {
                toVote.add(pending);
            } else {
                failures.add(new Failure(n, "vote", "status " + status + " after " + pending.votes + " of " + pending.quorum + ": " + v.encode(),
                        0, 0));
            }
        }

        Held grantable = toRedeem.poll();
        if (grantable != null) {
            JsonObject g = call(n, "redeem", () -> sendDecision(n, withApproval(grantable.body, grantable.id)), "allow", grantable);
            if (g == null) {
                return !killed.contains(n);
            }
            grantable.redeemed = true;
        }
        return true;
    }

    interface Request {
        HttpResponse<String> send() throws Exception;
    }

    /**
     * Sends one request; its JSON answer when it was 200 (with {@code verdict}, when given), else null
     * with the failure recorded ({@code about}, if any, then uncertain).
     */
    private JsonObject call(Node n, String kind, Request request, String verdict, Held about) {
        long started = System.nanoTime();
        String what;
        try {
            HttpResponse<String> r = request.send();
            long took = System.nanoTime() - started;
            requests.incrementAndGet();
            slowest.get(n.index()).accumulateAndGet(took, Math::max);
            slowestByKind.computeIfAbsent(kind, k -> new AtomicLong()).accumulateAndGet(took, Math::max);
            if (r.statusCode() == 200) {
                JsonObject body = new JsonObject(r.body());
                if (verdict == null || verdict.equals(body.getString("verdict"))) {
                    answered.computeIfAbsent(kind, k -> new AtomicLong()).incrementAndGet();
                    return body;
                }
            }
            what = r.statusCode() + " " + r.body();
        } catch (Exception e) {
            what = e.toString();
        }
        Failure f = new Failure(n, kind, what, started, System.nanoTime());
        (killed.contains(n) ? inFlightToKilled : failures).add(f);
        if (about != null) {
            about.uncertain = true;
        }
        return null;
    }
}
