package dev.countersign.pdp.decision;

import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.RegistrationInfo;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decision records that outlive the node that decided them, answered by any node.
 *
 * <p>Each node holds its own records and replicas of others' ({@link LocalDecisionRecords}, one
 * bound for both). Its backup is the member after it in the cluster's member order (the same on
 * every member; the last member's is the first). Once a record is serialised for the audit log, it
 * is queued and shipped to the backup in batches ({@link ReplicaBatch}) every {@value #TICK_MILLIS}
 * ms, or as soon as {@value #BATCH_RECORDS} are queued, over the clustered event bus (MAC-sealed;
 * the backup acknowledges each batch, and an unacknowledged one is shipped again while that member
 * is still the backup). When the membership changes, a node whose backup changed ships it all its
 * own records, and a node holding replicas of a member that left makes them its own and ships them
 * to its backup: so after a member is lost, its records have two copies again once the survivors
 * have shipped them. A node alone ships nothing. A node that does not hold a record asks every other
 * node for it.
 */
public final class ClusterDecisionRecords implements DecisionRecords, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterDecisionRecords.class);
    private static final String ASK = "countersign.decisions.";
    private static final String REPLICAS = "countersign.decision-replicas.";
    private static final long RELISTEN_MILLIS = 1_000;
    private static final int SUBSCRIPTIONS_CHECKED_EVERY = 40;
    private static final long ASK_TIMEOUT_MILLIS = 3_000;
    static final long TICK_MILLIS = 50;
    static final int BATCH_RECORDS = 1_000;
    private static final int BATCH_BYTES = 1 << 20;
    private static final int MAX_IN_FLIGHT = 4;
    private static final long SHIP_TIMEOUT_MILLIS = 5_000;
    private static final long RETRY_AFTER_MILLIS = 500;
    /** A backup's refusal of a batch it cannot read (not shipped again), and of one from a node it does not see as a member (shipped again). */
    private static final int MALFORMED = 400;
    private static final int NOT_A_MEMBER = 409;

    private final Vertx vertx;
    private final LocalDecisionRecords local;
    private final ClusterManager cluster;
    private final String self;
    private final Context context;
    /** Own records serialised since they were last shipped: added by the audit writer, taken on {@link #context}. */
    private final ConcurrentLinkedQueue<ReplicaBatch.Replica> unshipped = new ConcurrentLinkedQueue<>();
    private final AtomicInteger unshippedCount = new AtomicInteger();
    private final AtomicLong unreplicated = new AtomicLong();
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong shipped = new AtomicLong();
    private volatile String backup;
    // The rest only on the context.
    private final ArrayDeque<ReplicaBatch.Replica> backlog = new ArrayDeque<>();
    private List<String> members = List.of();
    private long generation;
    private int inFlight;
    private long pausedUntil;
    private long timer = -1;
    /** {@link #backlog} and batches in flight, as of the context's last change of either. */
    private volatile int outstanding;
    private long ticks;
    private MessageConsumer<Object> answering;
    private MessageConsumer<Object> keeping;
    private volatile boolean closed;

    public ClusterDecisionRecords(Vertx vertx, LocalDecisionRecords local) {
        this.vertx = vertx;
        this.local = local;
        this.cluster = ((VertxInternal) vertx).clusterManager();
        this.self = cluster.getNodeId();
        this.context = vertx.getOrCreateContext();
        context.runOnContext(v -> {
            if (closed) {
                return;
            }
            listen();
            timer = vertx.setPeriodic(TICK_MILLIS, id -> tick());
        });
    }

    @Override
    public void put(String decisionId, Map<String, Object> record) {
        local.put(decisionId, record);
    }

    @Override
    public void compact(String decisionId, byte[] json) {
        long expiresAt = local.compacted(decisionId, json);
        if (expiresAt < 0 || backup == null) {
            return;
        }
        if (json.length > ReplicaBatch.MAX_RECORD_BYTES || !ReplicaBatch.shippable(decisionId)) {
            unreplicated.incrementAndGet();
            return;
        }
        // More than max_records waiting: the oldest is dropped, not this one (the backup would keep the
        // newest max_records of them anyway, and so does this node).
        while (unshippedCount.get() >= local.maxRecords() && unshipped.poll() != null) {
            unshippedCount.decrementAndGet();
            unreplicated.incrementAndGet();
        }
        unshipped.add(new ReplicaBatch.Replica(decisionId, expiresAt, json));
        if (unshippedCount.incrementAndGet() % BATCH_RECORDS == 0) {
            context.runOnContext(v -> ship());
        }
    }

    @Override
    public Future<Map<String, Object>> get(String decisionId) {
        return local.get(decisionId).compose(record -> record != null ? Future.succeededFuture(record) : askOthers(decisionId));
    }

    /** Whether this node itself holds the record (its own or a replica), without asking the others. */
    public boolean holds(String decisionId) {
        return local.holds(decisionId);
    }

    public LocalDecisionRecords local() {
        return local;
    }

    /** The member this node ships its records to, or null when it is alone. */
    public String backup() {
        return backup;
    }

    /** Own records serialised and waiting to be shipped. */
    public int queued() {
        return unshippedCount.get();
    }

    /** Whether nothing is waiting to be shipped, shipped again or acknowledged. */
    public boolean settled() {
        return unshippedCount.get() == 0 && outstanding == 0;
    }

    /** Batches a backup acknowledged. */
    public long shippedBatches() {
        return shipped.get();
    }

    /** Own records not shipped to a backup: queued beyond {@code max_records}, too large for a batch, or refused by it as malformed. */
    public long unreplicated() {
        return unreplicated.get();
    }

    /** Batches a backup did not acknowledge (shipped again while it is still the backup). */
    public long failures() {
        return failures.get();
    }

    /** Replica batches refused as malformed or not from another member. */
    public long refused() {
        return refused.get();
    }

    private void tick() {
        try {
            local.sweep();
            List<String> now = cluster.getNodes();
            if (!now.equals(members)) {
                membershipChanged(now);
            }
            ship();
            if (++ticks % SUBSCRIPTIONS_CHECKED_EVERY == 0 && now.size() > 1) {
                checkSubscriptions();
            }
        } catch (RuntimeException e) {   // the member is stopping: nothing to ship to
            LOG.debug("decision records: no replication this round ({})", e.toString());
        }
    }

    /**
     * Registers this node's two consumers anew, then drops the ones before (on the context). Called at
     * start and whenever the cluster's subscription map is found without them
     * ({@link #checkSubscriptions}, every {@value #SUBSCRIPTIONS_CHECKED_EVERY} ticks): a subscription
     * written while a member joins can be lost in the partition migration it raced, after which the
     * others find no handler here. A registration the cluster refuses is tried again a second later.
     */
    private void listen() {
        if (closed) {
            return;
        }
        MessageConsumer<Object> previousAnswering = answering;
        MessageConsumer<Object> previousKeeping = keeping;
        answering = vertx.eventBus().consumer(ASK + self, this::answer);
        keeping = vertx.eventBus().consumer(REPLICAS + self, this::keep);
        Future.all(answering.completion(), keeping.completion()).onComplete(registered -> {
            if (previousAnswering != null) {
                previousAnswering.unregister();
                previousKeeping.unregister();
            }
            if (registered.failed() && !closed) {
                LOG.warn("decision records: the cluster did not take this node's subscriptions ({}); trying again", registered.cause().toString());
                vertx.setTimer(RELISTEN_MILLIS, id -> context.runOnContext(v -> listen()));
            }
        });
    }

    /** Registers the consumers anew when the cluster's subscription map lacks this node's registration of either address. */
    private void checkSubscriptions() {
        Promise<List<RegistrationInfo>> asks = Promise.promise();
        Promise<List<RegistrationInfo>> replicas = Promise.promise();
        cluster.getRegistrations(ASK + self, asks);
        cluster.getRegistrations(REPLICAS + self, replicas);
        Future.all(asks.future(), replicas.future()).onSuccess(found -> context.runOnContext(v -> {
            if (!registered(asks.future().result()) || !registered(replicas.future().result())) {
                LOG.warn("decision records: the cluster lost this node's subscriptions; registering them again");
                listen();
            }
        }));
    }

    private boolean registered(List<RegistrationInfo> registrations) {
        return registrations.stream().anyMatch(r -> self.equals(r.nodeId()));
    }

    private void membershipChanged(List<String> now) {
        Set<String> departed = new HashSet<>(members);
        departed.removeAll(now);
        members = List.copyOf(now);
        int at = now.indexOf(self);
        String next = at < 0 || now.size() < 2 ? null : now.get((at + 1) % now.size());
        List<ReplicaBatch.Replica> adopted = departed.isEmpty() ? List.of() : local.adopt(departed);
        if (!Objects.equals(next, backup)) {
            backup = next;
            generation++;
            backlog.clear();
            pausedUntil = 0;
            if (next != null) {
                backlog.addAll(local.own());   // the adopted ones included
            }
        } else if (next != null) {
            backlog.addAll(adopted);
        }
        if (!departed.isEmpty() || next != null) {
            LOG.info("decision records: {} member(s) in the cluster; backup {}; {} record(s) to ship to it ({} adopted from departed members)",
                    now.size(), next == null ? "none" : next, backlog.size(), adopted.size());
        }
    }

    /** Ships what is queued to the backup, a batch at a time, at most {@value #MAX_IN_FLIGHT} unacknowledged. */
    private void ship() {
        try {
            shipNow();
        } finally {
            outstanding = backlog.size() + inFlight;
        }
    }

    private void shipNow() {
        String target = backup;
        if (target == null) {
            while (unshipped.poll() != null) {
                unshippedCount.decrementAndGet();
            }
            return;
        }
        if (System.currentTimeMillis() < pausedUntil) {
            return;
        }
        while (inFlight < MAX_IN_FLIGHT && !closed) {
            List<ReplicaBatch.Replica> batch = take();
            if (batch.isEmpty()) {
                return;
            }
            send(target, generation, batch);
        }
    }

    private List<ReplicaBatch.Replica> take() {
        List<ReplicaBatch.Replica> batch = new ArrayList<>();
        int bytes = 0;
        while (batch.size() < BATCH_RECORDS && bytes < BATCH_BYTES) {
            ReplicaBatch.Replica r = unshipped.poll();
            if (r != null) {
                unshippedCount.decrementAndGet();
            } else if ((r = backlog.poll()) == null) {
                break;
            }
            if (r.json().length > ReplicaBatch.MAX_RECORD_BYTES || !ReplicaBatch.shippable(r.decisionId())) {
                unreplicated.incrementAndGet();
                continue;
            }
            batch.add(r);
            bytes += r.json().length;
        }
        return batch;
    }

    private void send(String target, long sentIn, List<ReplicaBatch.Replica> batch) {
        inFlight++;
        vertx.eventBus().request(REPLICAS + target, new ReplicaBatch(self, batch).encode(),
                new DeliveryOptions().setSendTimeout(SHIP_TIMEOUT_MILLIS)).onComplete(acked -> {
            inFlight--;
            if (acked.succeeded()) {
                shipped.incrementAndGet();
                ship();
                return;
            }
            failures.incrementAndGet();
            if (acked.cause() instanceof ReplyException refusal && refusal.failureCode() == MALFORMED) {
                unreplicated.addAndGet(batch.size());   // shipping it again would be refused again
            } else if (sentIn == generation && !closed) {   // still the backup: ship it again after a pause
                backlog.addAll(batch);
                pausedUntil = System.currentTimeMillis() + RETRY_AFTER_MILLIS;
            }
            outstanding = backlog.size() + inFlight;
            LOG.warn("decision records: backup {} did not take {} record(s): {}", target, batch.size(), acked.cause().getMessage());
        });
    }

    /** Keeps a batch of replicas shipped to this node; refuses it whole when malformed or not from another member. */
    private void keep(Message<Object> message) {
        String why;
        int code = MALFORMED;
        try {
            if (!(message.body() instanceof Buffer body)) {
                throw new ReplicaBatch.MalformedBatch("the body is not binary");
            }
            ReplicaBatch batch = ReplicaBatch.decode(body);
            if (batch.origin().equals(self) || !cluster.getNodes().contains(batch.origin())) {
                why = "it comes from " + batch.origin() + ", which is not another member of this cluster";
                code = NOT_A_MEMBER;
            } else {
                local.keepReplicas(batch.origin(), batch.records());
                message.reply(null);
                return;
            }
        } catch (ReplicaBatch.MalformedBatch e) {
            why = "malformed: " + e.getMessage();
        }
        long n = refused.incrementAndGet();
        if (n <= 10 || n % 1000 == 0) {
            LOG.warn("decision records: refused a replica batch ({}); {} refused so far", why, n);
        }
        message.fail(code, "replica batch refused: " + why);
    }

    /** Answers another node asking for a record this node holds. */
    private void answer(Message<Object> message) {
        if (!(message.body() instanceof String decisionId)) {
            message.fail(400, "expected a decision id");
            return;
        }
        local.get(decisionId)
                .onSuccess(record -> message.reply(record == null ? null : Buffer.buffer(Json.write(g -> JsonValues.write(g, record, false)))))
                .onFailure(failure -> message.fail(500, failure.toString()));
    }

    /** The first record another node answers with, or a null result when none has it. */
    @SuppressWarnings("unchecked")
    private Future<Map<String, Object>> askOthers(String decisionId) {
        List<String> others = new ArrayList<>(cluster.getNodes());
        others.remove(self);
        if (others.isEmpty()) {
            return Future.succeededFuture(null);
        }
        Promise<Map<String, Object>> found = Promise.promise();
        AtomicInteger pending = new AtomicInteger(others.size());
        DeliveryOptions options = new DeliveryOptions().setSendTimeout(ASK_TIMEOUT_MILLIS);
        for (String node : others) {
            vertx.eventBus().<Buffer>request(ASK + node, decisionId, options).onComplete(reply -> {
                if (reply.succeeded() && reply.result().body() != null) {
                    try {
                        found.tryComplete(Json.MAPPER.readValue(reply.result().body().getBytes(), Map.class));
                    } catch (IOException e) {
                        found.tryFail(e);
                    }
                }
                if (pending.decrementAndGet() == 0) {
                    found.tryComplete(null);
                }
            });
        }
        return found.future();
    }

    /** Stops shipping and answering; what is queued stays unshipped. */
    @Override
    public void close() {
        closed = true;
        context.runOnContext(v -> {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            if (answering != null) {
                answering.unregister();
                keeping.unregister();
            }
        });
    }
}
