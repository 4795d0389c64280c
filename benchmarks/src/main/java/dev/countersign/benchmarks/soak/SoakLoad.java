package dev.countersign.benchmarks.soak;

import static dev.countersign.benchmarks.soak.SoakNodes.HTTP;
import static dev.countersign.benchmarks.soak.SoakNodes.TOKENS;

import dev.countersign.benchmarks.soak.SoakNodes.Node;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bounded mixed load: {@code threadsPerNode} client threads per node, together taking {@code stepsPerSecond}
 * steps a second on a fixed schedule (a thread that falls behind skips ahead rather than bursting). A step
 * on a thread's node: a read (allowed), its decision record read back; every fourth step a hold (an
 * export needing one data-governance approver, or a role grant needing two security approvers, in turn);
 * a vote on a pending approval (carol, then dan); the redemption of an approved grant, and on every tenth
 * a second redemption that must be denied. Every answer that is not what the starter bundle and the
 * workflow say is an error, counted by kind. A node {@linkplain #drain drained} gets no requests until
 * {@linkplain #resume resumed}.
 */
final class SoakLoad {
    /** An approval the load holds: its request body, how many approvers it needs, who voted. */
    private record Held(String id, String body, int quorum, List<String> voted) {
    }

    final Map<String, LongAdder> answered = new ConcurrentHashMap<>();
    final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    final List<String> errorSamples = new CopyOnWriteArrayList<>();

    private final Queue<Held> toVote = new ConcurrentLinkedQueue<>();
    private final Queue<Held> toRedeem = new ConcurrentLinkedQueue<>();
    private final Map<Node, Boolean> drained = new ConcurrentHashMap<>();
    private final Map<Node, AtomicInteger> busy = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();
    private final long periodNanos;
    private volatile boolean running = true;

    SoakLoad(List<Node> nodes, int threadsPerNode, double stepsPerSecond) {
        int total = nodes.size() * threadsPerNode;
        periodNanos = (long) (1e9 * total / stepsPerSecond);
        for (Node n : nodes) {
            busy.put(n, new AtomicInteger());
            for (int t = 0; t < threadsPerNode; t++) {
                Thread thread = new Thread(() -> run(n), "soak-" + n + "-" + t);
                thread.setDaemon(true);
                threads.add(thread);
            }
        }
    }

    void start() {
        threads.forEach(Thread::start);
    }

    void stop() throws InterruptedException {
        running = false;
        for (Thread t : threads) {
            t.join(TimeUnit.SECONDS.toMillis(120));
        }
    }

    /** No new requests to {@code n}; returns once its requests in flight are answered. */
    void drain(Node n) throws InterruptedException {
        drained.put(n, true);
        while (busy.get(n).get() > 0) {
            Thread.sleep(10);
        }
    }

    void resume(Node n) {
        drained.remove(n);
    }

    long errorCount() {
        return errors.values().stream().mapToLong(LongAdder::sum).sum();
    }

    long answeredCount() {
        return answered.values().stream().mapToLong(LongAdder::sum).sum();
    }

    private void run(Node n) {
        long next = System.nanoTime() + (long) (Math.random() * periodNanos);
        long step = 0;
        while (running) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                try {
                    TimeUnit.NANOSECONDS.sleep(wait);
                } catch (InterruptedException e) {
                    return;
                }
            }
            next = Math.max(next + periodNanos, System.nanoTime());
            if (!running || drained.containsKey(n)) {
                continue;
            }
            busy.get(n).incrementAndGet();
            try {
                if (!drained.containsKey(n)) {
                    step(n, step++);
                }
            } finally {
                busy.get(n).decrementAndGet();
            }
        }
    }

    private void step(Node n, long step) {
        JsonObject read = decide(n, "read", "{\"actor\": {\"id\": \"agent:reader\", \"type\": \"agent\"}, \"action\": {\"name\": \"data.read\","
                + " \"intent\": \"soak " + UUID.randomUUID() + "\"}}", "allow");
        if (read != null) {
            expect(n, "decision record", get(n, "/v1/decisions/" + read.getString("decision_id"), "gateway"), 200);
        }
        if (step % 4 == 0) {
            boolean grant = step % 8 == 4;
            String body = grant
                    ? "{\"actor\": {\"id\": \"frank@example.com\", \"type\": \"human\"}, \"action\": {\"name\": \"iam.role.grant\"},"
                    + " \"grantee\": \"soak-" + UUID.randomUUID() + "\"}"
                    : "{\"actor\": {\"id\": \"agent:etl-bot\", \"type\": \"agent\", \"on_behalf_of\": \"alice@example.com\"},"
                    + " \"action\": {\"name\": \"data.export\", \"intent\": \"soak " + UUID.randomUUID() + "\"},"
                    + " \"resource\": {\"environment\": \"production\"}}";
            JsonObject held = decide(n, grant ? "hold (role grant)" : "hold (export)", body, "needs_approval");
            if (held != null) {
                toVote.add(new Held(held.getJsonObject("approval").getString("id"), body, grant ? 2 : 1, new ArrayList<>()));
            }
        }
        Held pending = toVote.poll();
        if (pending != null) {
            String reviewer = pending.voted().contains("carol") ? "dan" : "carol";
            JsonObject v = expect(n, "vote", send(n, HttpRequest.newBuilder(n.uri("/v1/approvals/" + pending.id() + "/votes"))
                    .header("Authorization", "Bearer " + TOKENS.get(reviewer)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"vote\": \"approve\"}"))), 200);
            if (v != null) {
                pending.voted().add(reviewer);
                String status = v.getString("status");
                if ("approved".equals(status) && pending.voted().size() == pending.quorum()) {
                    toRedeem.add(pending);
                } else if ("pending".equals(status) && pending.voted().size() < pending.quorum()) {
                    toVote.add(pending);
                } else {
                    error(n, "vote", "status " + status + " after " + pending.voted().size() + " of " + pending.quorum() + " votes");
                }
            }
        }
        Held approved = toRedeem.poll();
        if (approved != null) {
            String body = approved.body().substring(0, approved.body().length() - 1) + ", \"approval_id\": \"" + approved.id() + "\"}";
            if (decide(n, "redeem", body, "allow") != null && step % 10 == 0) {
                decide(n, "redeem again (denied)", body, "deny");
            }
        }
    }

    private JsonObject decide(Node n, String kind, String body, String verdict) {
        JsonObject answer = expect(n, kind, send(n, HttpRequest.newBuilder(n.uri("/v1/decisions"))
                .header("Authorization", "Bearer " + TOKENS.get("gateway")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))), 200);
        if (answer != null && !verdict.equals(answer.getString("verdict"))) {
            answered.get(kind).decrement();
            error(n, kind, "verdict " + answer.getString("verdict") + " instead of " + verdict + ": " + answer.encode());
            return null;
        }
        return answer;
    }

    private Object get(Node n, String path, String client) {
        return send(n, HttpRequest.newBuilder(n.uri(path)).header("Authorization", "Bearer " + TOKENS.get(client)).GET());
    }

    /** The answer, or the exception that stood for it. */
    private static Object send(Node n, HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            return e;
        }
    }

    /** The JSON answer when {@code outcome} is an answer with {@code status}; else null, counted as an error of {@code kind}. */
    private JsonObject expect(Node n, String kind, Object outcome, int status) {
        if (outcome instanceof HttpResponse<?> r) {
            if (r.statusCode() == status) {
                answered.computeIfAbsent(kind, k -> new LongAdder()).increment();
                return new JsonObject((String) r.body());
            }
            String body = (String) r.body();
            String code = "";
            try {
                code = " " + new JsonObject(body).getString("code");
            } catch (RuntimeException notJson) {
                // counted by status alone
            }
            error(n, kind + ": " + r.statusCode() + code, body);
        } else {
            error(n, kind + ": " + ((Exception) outcome).getClass().getSimpleName(), String.valueOf(outcome));
        }
        return null;
    }

    private void error(Node n, String kind, String detail) {
        errors.computeIfAbsent(n + " " + kind, k -> new LongAdder()).increment();
        if (errorSamples.size() < 20) {
            errorSamples.add(java.time.Instant.now() + " " + n + " " + kind + ": " + (detail.length() > 400 ? detail.substring(0, 400) : detail));
        }
    }
}
