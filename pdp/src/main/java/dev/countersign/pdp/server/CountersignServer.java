package dev.countersign.pdp.server;

import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.ClusterSecret;
import dev.countersign.cluster.MemberContext;
import dev.countersign.cluster.Standing;
import dev.countersign.cluster.StandingException;
import dev.countersign.cluster.approval.HazelcastApprovalStore;
import dev.countersign.cluster.store.ApprovalDatabase;
import dev.countersign.pdp.approval.CallbackSink;
import dev.countersign.pdp.chat.Channels;
import dev.countersign.cluster.member.MemberBundles;
import dev.countersign.pdp.approval.ApprovalService;
import dev.countersign.pdp.audit.AuditLog;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.decision.ContextHash;
import dev.countersign.pdp.evidence.Attestor;
import dev.countersign.cluster.member.MemberPublications;
import dev.countersign.pdp.evidence.NodeEvidence;
import dev.countersign.pdp.evidence.PublishedCheckpoints;
import dev.countersign.pdp.decision.DecisionOutcomes;
import dev.countersign.pdp.decision.DecisionService;
import dev.countersign.pdp.decision.InputMask;
import dev.countersign.pdp.decision.LocalDecisionRecords;
import dev.countersign.pdp.decision.ClusterDecisionRecords;
import dev.countersign.pdp.http.ApiRouter;
import dev.countersign.pdp.http.ApprovalsHandler;
import dev.countersign.pdp.agents.AgentEndpoints;
import dev.countersign.pdp.http.AuthZenHandler;
import dev.countersign.pdp.http.Authenticator;
import dev.countersign.pdp.http.DataApiHandler;
import dev.countersign.pdp.http.DecisionsHandler;
import dev.countersign.pdp.http.ExtAuthzService;
import dev.countersign.pdp.http.ForwardAuthHandler;
import dev.countersign.pdp.http.HealthHandler;
import dev.countersign.pdp.http.CheckpointsHandler;
import dev.countersign.pdp.http.JwksHandler;
import dev.countersign.pdp.http.MetricsHandler;
import dev.countersign.pdp.http.PoliciesHandler;
import dev.countersign.pdp.metrics.ServerMetrics;
import dev.countersign.pdp.policy.PolicyService;
import dev.countersign.rules.engine.CompiledPolicy;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.Router;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Countersign node: its clustered Vert.x instance over one embedded Hazelcast member, the
 * policy service, the approval workflow, the audit log, and one HTTP server per event loop on the
 * configured address. {@link #start} refuses to listen beyond loopback without configured clients.
 */
public final class CountersignServer {
    private static final Logger LOG = LoggerFactory.getLogger(CountersignServer.class);
    /** Where a node alone keeps the cluster secret it made, in its data directory. */
    public static final String CLUSTER_SECRET_FILE = "cluster.secret";

    private final ServerConfig config;
    private final Vertx vertx;
    private final HazelcastInstance hazelcast;
    private final PolicyService policies;
    private final ApprovalService approvals;
    private final Channels channels;
    private final AuditLog audit;
    private final ServerMetrics metrics;
    private final ClusterDecisionRecords decisionRecords;
    private final int port;
    private final ExtAuthzServer extAuthz;
    private final ApprovalDatabase store;

    private CountersignServer(ServerConfig config, Vertx vertx, HazelcastInstance hazelcast, PolicyService policies,
                              ApprovalService approvals, Channels channels, AuditLog audit, ServerMetrics metrics,
                              ClusterDecisionRecords decisionRecords, int port, ExtAuthzServer extAuthz, ApprovalDatabase store) {
        this.config = config;
        this.vertx = vertx;
        this.hazelcast = hazelcast;
        this.policies = policies;
        this.approvals = approvals;
        this.channels = channels;
        this.audit = audit;
        this.metrics = metrics;
        this.decisionRecords = decisionRecords;
        this.port = port;
        this.extAuthz = extAuthz;
        this.store = store;
    }

    /** Starts a node with Vert.x defaults for {@code config}. */
    public static Future<CountersignServer> start(ServerConfig config) {
        return start(config, new VertxOptions());
    }

    /**
     * Starts a node: joins (or forms) the cluster, loads the bundle, opens the audit log and listens.
     * {@code base} lets tests tighten, e.g., the blocked-event-loop warning.
     */
    public static Future<CountersignServer> start(ServerConfig config, VertxOptions base) {
        return start(config, base, Clock.systemUTC());
    }

    /**
     * As {@link #start(ServerConfig, VertxOptions)}, with the clock this node's member times the
     * approvals it holds by (tests give one that is off, to see the node refuse).
     */
    public static Future<CountersignServer> start(ServerConfig config, VertxOptions base, Clock clock) {
        if (!config.authenticates() && !config.bindsLoopbackOnly()) {
            return Future.failedFuture(new IllegalStateException("refusing to listen on " + config.host()
                    + " without clients: anyone who can reach it could ask for decisions and read them. Configure clients"
                    + " (name, token_sha256, scopes) in the configuration file, or bind 127.0.0.1"));
        }
        if (config.extAuthz() != null && !config.authenticates() && !config.withHost(config.extAuthz().host()).bindsLoopbackOnly()) {
            return Future.failedFuture(new IllegalStateException("refusing to serve ext_authz on " + config.extAuthz().host()
                    + " without clients: anyone who can reach it could ask for decisions. Configure clients, or bind ext_authz.host"
                    + " to 127.0.0.1"));
        }
        if (config.cluster().kubernetes() == null && !canBind(config.cluster().host(), config.cluster().port())) {
            return Future.failedFuture(new IllegalStateException("the cluster port " + config.cluster().host() + ":"
                    + config.cluster().port() + " is in use, perhaps by another Countersign node on this machine: give this node"
                    + " its own with --cluster-port N (or COUNTERSIGN_CLUSTER_PORT), or list the other node in cluster.members"
                    + " to join its cluster"));
        }
        ClusterSecret secret;
        try {
            secret = clusterSecret(config);
        } catch (IOException | IllegalArgumentException e) {
            return Future.failedFuture(new IllegalStateException("cannot keep this node's cluster secret: " + e.getMessage(), e));
        }
        ApprovalDatabase store;
        try {
            store = NodeStore.open(config);
        } catch (RuntimeException e) {
            return Future.failedFuture(new IllegalStateException(e.getMessage(), e));
        }
        HazelcastClusterManager manager = new HazelcastClusterManager(config.cluster().applyTo(ConfigUtil.loadConfig(), secret, clock,
                store));
        VertxOptions options = new VertxOptions(base).setEventLoopPoolSize(config.eventLoops());
        if (config.cluster().kubernetes() == null) {
            options.getEventBusOptions().setHost(config.cluster().host());
        }
        return Vertx.builder().with(options).withClusterManager(manager).buildClustered()
                .recover(failure -> Future.failedFuture(new IllegalStateException("cannot join the cluster on "
                        + config.cluster().host() + ":" + config.cluster().port() + ": " + failure.getMessage(), failure)))
                .compose(vertx -> NodeStore.loaded(vertx, manager.getHazelcastInstance(), store)
                        .compose(ready -> open(config, vertx, manager.getHazelcastInstance(), secret, EventBusSeal.install(vertx, secret, clock),
                                store)))
                .onFailure(failure -> {
                    if (store != null) {
                        store.close();
                    }
                });
    }

    /**
     * The secret this node's cluster shares: the configured one, or, for a node alone, the one it
     * keeps in its data directory (made on its first start). Reads and writes a file: call it before
     * any event loop runs.
     */
    private static ClusterSecret clusterSecret(ServerConfig config) throws IOException {
        if (config.cluster().secret() != null) {
            return config.cluster().secret();
        }
        if (!config.cluster().alone()) {
            throw new IllegalArgumentException("a node with other cluster members needs cluster.secret (or COUNTERSIGN_CLUSTER_SECRET)");
        }
        return ClusterSecret.loadOrCreate(config.dataDir().resolve(CLUSTER_SECRET_FILE));
    }

    private static Future<CountersignServer> open(ServerConfig config, Vertx vertx, HazelcastInstance hazelcast, ClusterSecret secret,
                                                  EventBusSeal seal, ApprovalDatabase store) {
        ServerMetrics metrics = new ServerMetrics();
        PolicyService policies = new PolicyService(vertx, config.bundle(), metrics, config.decisionCacheBounds(), config.maxEvaluationTime());
        return policies.start()
                .compose(attempt -> vertx.executeBlocking(() -> NodeEvidence.open(config, hazelcast, secret), false))
                .compose(evidence -> deploy(config, vertx, hazelcast, secret, seal, policies, evidence, metrics, store))
                .onFailure(failure -> {
                    policies.close();
                    vertx.close();
                });
    }

    private static Future<CountersignServer> deploy(ServerConfig config, Vertx vertx, HazelcastInstance hazelcast, ClusterSecret secret,
                                                    EventBusSeal seal, PolicyService policies, NodeEvidence evidence, ServerMetrics metrics,
                                                    ApprovalDatabase store) {
        AuditLog audit = evidence.audit();
        Attestor attestor = new Attestor(evidence.keys(), config.node(), config.attestation().allowTtl());
        Authenticator authenticator = new Authenticator(config.clients());
        MemberBundles memberBundles = new MemberBundles(hazelcast);
        policies.onActivated(policy -> vertx.executeBlocking(() -> {
            memberBundles.publish(config.node(), policy.revision(), policies.activatedAt());
            return null;
        }, false));
        HazelcastApprovalStore approvalStore = new HazelcastApprovalStore(hazelcast);
        Clock memberClock = MemberContext.of(hazelcast).clock();
        CallbackSink callbacks = new CallbackSink(vertx, config.approvals(), memberClock);
        ApprovalService approvals = new ApprovalService(vertx, approvalStore, callbacks, config.reviewers(), audit, config.node(),
                config.approvals(), config.chat());
        Channels channels;
        try {
            channels = Channels.of(vertx, config, hazelcast, approvalStore, approvals, callbacks, audit, memberClock);
        } catch (IllegalArgumentException e) {
            audit.close();
            return Future.failedFuture(new IllegalStateException("the configuration names a destination that cannot be used: "
                    + e.getMessage(), e));
        }
        channels.registerMetrics(metrics);
        ClusterDecisionRecords records = new ClusterDecisionRecords(vertx, new LocalDecisionRecords(config.decisionRetention(),
                config.decisionMaxRecords(), Clock.systemUTC()));
        DecisionService decisions = new DecisionService(policies, records, audit, new InputMask(config.auditMask()), metrics, config.node(),
                approvals, new ContextHash(secret), config.auditRefuses(), attestor, config.attestation().sign() == ServerConfig.Sign.ALL);
        metrics.functionCounter("countersign_evaluations_cut_off", "Decisions answered deny because their evaluation ran past"
                + " engine.max_evaluation_time", policies, PolicyService::cutOffEvaluations);
        metrics.gauge("countersign_audit_queued", "Audit records waiting to be written", () -> audit.status().queued());
        PublishedCheckpoints checkpoints = new PublishedCheckpoints(vertx, audit, config.node(),
                new MemberPublications(hazelcast, secret, PublishedCheckpoints.MAP));
        checkpoints.start();
        metrics.gauge("countersign_audit_checkpoint_seq", "The chain position (seq) this node's latest signed audit checkpoint signs",
                checkpoints::latestSeq);
        metrics.gauge("countersign_audit_checkpoint_time_seconds", "When this node's latest signed audit checkpoint was written (Unix"
                + " seconds)", checkpoints::latestTime);
        metrics.functionCounter("countersign_audit_records_written", "Audit records written", audit, a -> a.status().written());
        metrics.functionCounter("countersign_audit_write_failures", "Failed attempts to write the audit log", audit,
                a -> a.status().writeFailures());
        metrics.functionCounter("countersign_audit_fsyncs", "Forces of the audit log to the storage device (audit.fsync:"
                + " per_batch makes one per batch of records written)", audit, a -> a.status().forces());
        metrics.functionCounter("countersign_audit_records_dropped", "Audit records dropped because the queue was full", audit,
                a -> a.status().dropped());
        metrics.gauge("countersign_decision_records", "Decision records this node holds: its own and replicas of other members'",
                records.local()::size);
        metrics.gauge("countersign_decision_replicas", "Of those, replicas of other members' records", records.local()::replicas);
        metrics.functionCounter("countersign_decision_records_unreplicated", "Own decision records not shipped to a backup (queued"
                + " beyond decisions.max_records, too large, or refused as malformed)", records, ClusterDecisionRecords::unreplicated);
        metrics.functionCounter("countersign_decision_replication_failures", "Batches of decision records a backup did not acknowledge"
                + " (shipped again while it is the backup)", records, ClusterDecisionRecords::failures);
        metrics.functionCounter("countersign_decision_replicas_refused", "Batches of decision-record replicas refused as malformed or not"
                + " from another member", records, ClusterDecisionRecords::refused);
        metrics.gauge("countersign_cluster_members", "Members of the cluster, as this node sees it",
                () -> hazelcast.getLifecycleService().isRunning() ? hazelcast.getCluster().getMembers().size() : 0);
        metrics.gauge("countersign_approvals_pending", "Approvals pending in the cluster",
                () -> hazelcast.getLifecycleService().isRunning() ? approvals.pendingCount() : 0);
        metrics.gauge("countersign_approval_waiters", "Callers waiting on this node for an approval to be decided", approvals::waiting);
        metrics.counters("countersign_approval_limits_applied", "Holds and waits refused by an approvals limit (max_pending_per_client,"
                + " max_context_bytes, max_waiters), and ttls capped by max_ttl", List.of("limit"), approvals.limiter()::applied);
        metrics.gauge("countersign_decision_cache_bytes", "The bytes the active revision's remembered decisions are counted at"
                + " (engine.decision_cache_bytes bounds it)", () -> {
                    CompiledPolicy p = policies.active();
                    return p == null ? 0 : p.cachedBytes();
                });
        metrics.gauge("countersign_decision_cache_entries", "Decisions the active revision remembers (engine.decision_cache bounds it)",
                () -> {
                    CompiledPolicy p = policies.active();
                    return p == null ? 0 : p.cachedDecisions();
                });
        metrics.functionCounter("countersign_state_tampered", "Shared state refused on this node as tampered: approvals failing their"
                + " seal, holders' answers their sealed approval does not record, malformed member-bundle entries",
                approvalStore, HazelcastApprovalStore::tampered);
        NodeStore.register(metrics, store);
        metrics.functionCounter("countersign_eventbus_refused", "Event-bus messages dropped for a missing, wrong, stale or repeated cluster MAC",
                seal, EventBusSeal::refused);
        metrics.gauge("countersign_cluster_clock_skew_seconds", "This node's clock minus the cluster's",
                () -> hazelcast.getLifecycleService().isRunning() ? MemberContext.of(hazelcast).standing().clockSkewMillis(hazelcast) / 1000.0 : 0);
        List<HealthHandler.Check> checks = new java.util.ArrayList<>(List.of(
                new HealthHandler.Check("bundle", () -> {
                    CompiledPolicy p = policies.active();
                    return p == null ? HealthHandler.Status.down(Map.of("error", "no bundle is active"))
                            : HealthHandler.Status.up(Map.of("revision", p.revision(), "rules", p.rules().size(),
                                    "evaluations_cut_off", policies.cutOffEvaluations()));
                }),
                new HealthHandler.Check("audit", () -> {
                    AuditLog.Status s = audit.status();
                    if (!s.healthy()) {
                        return HealthHandler.Status.down(Map.of("error", String.valueOf(s.lastError()), "queued", s.queued()));
                    }
                    return audit.accepting() ? HealthHandler.Status.up(Map.of("written", s.written()))
                            : HealthHandler.Status.down(Map.of("error", "the audit log is full: records wait to be written", "queued", s.queued()));
                }),
                new HealthHandler.Check("cluster", () -> clusterStatus(hazelcast)),
                NodeStore.check(store)));
        checks.addAll(channels.checks());
        AgentEndpoints agents = AgentEndpoints.of(vertx, config, decisions, audit, metrics, checks);
        HealthHandler health = new HealthHandler(checks);
        String version = version();
        ApiRouter.Handlers handlers = new ApiRouter.Handlers(health, new MetricsHandler(metrics),
                new DecisionsHandler(decisions, config.maxDepth(), new DecisionOutcomes(vertx, records, approvalStore, hazelcast, audit, config.node(),
                        config.decisionRetention())),
                new DataApiHandler(decisions, config.maxDepth(), version),
                new ForwardAuthHandler(decisions, authenticator, config.forwardAuth()),
                new PoliciesHandler(policies, memberBundles),
                new ApprovalsHandler(approvals), channels.slackInteractions(), channels.teamsMessages(),
                new AuthZenHandler(decisions, config.maxDepth(), config.authzen().pdpBaseUrl()),
                agents.mcp(), agents.hooks(),
                new JwksHandler(evidence.published()), new CheckpointsHandler(checkpoints));
        Function<Vertx, Router> routes = v -> ApiRouter.create(v, authenticator, metrics, config.maxBodyBytes(), handlers);
        return approvals.start().compose(started -> {
            channels.start();
            return listen(vertx, config, routes, 3);
        }).compose(port -> config.extAuthz() == null ? Future.succeededFuture(new Listening(port, null))
                : ExtAuthzServer.start(vertx, config.extAuthz(), config.eventLoops(),
                        contexts -> new ExtAuthzService(decisions, authenticator, config.forwardAuth(), contexts))
                        .map(grpc -> new Listening(port, grpc))).map(listening -> {
            int port = listening.port();
            if (config.watch()) {
                policies.watch(config.reloadDebounce());
            }
            LOG.info("{} listening on http://{}:{} (node {}, cluster {} of {} member(s) on {}:{}, bundle {} revision {}, {} rules;"
                            + " audit log {}; {})",
                    version, config.host(), port, config.node(), config.cluster().name(), hazelcast.getCluster().getMembers().size(),
                    config.cluster().host(), config.cluster().port(), config.bundle(), policies.active().revision(),
                    policies.active().rules().size(), config.dataDir().resolve("audit"),
                    config.authenticates() ? config.clients().size() + " clients"
                            : "no clients configured: loopback only, callers are not authenticated");
            if (listening.extAuthz() != null) {
                LOG.info("ext_authz (Envoy, gRPC{}) listening on {}:{}", config.extAuthz().tls() ? ", TLS" : "",
                        config.extAuthz().host(), listening.extAuthz().port());
            }
            return new CountersignServer(config, vertx, hazelcast, policies, approvals, channels, audit, metrics, records, port,
                    listening.extAuthz(), store);
        });
    }

    /** The HTTP port, and the ext_authz server when one is configured. */
    private record Listening(int port, ExtAuthzServer extAuthz) {
    }

    /**
     * The cluster check: up while the member runs in an active cluster. A node that does not stand
     * well enough to touch approvals (a minority, its clock off, a member it was not told of) stays
     * ready, since it still decides allow and deny; {@code approvals} says why it refuses approvals.
     */
    private static HealthHandler.Status clusterStatus(HazelcastInstance hazelcast) {
        if (!hazelcast.getLifecycleService().isRunning()) {
            return HealthHandler.Status.down(Map.of("error", "this node's cluster member is not running"));
        }
        Standing standing = MemberContext.of(hazelcast).standing();
        Map<String, Object> details = new java.util.LinkedHashMap<>();
        details.put("members", hazelcast.getCluster().getMembers().size());
        details.put("min_members", standing.minMembers());
        details.put("clock_skew_ms", standing.clockSkewMillis(hazelcast));
        StandingException problem = standing.problem(hazelcast, false);
        details.put("approvals", problem == null ? "available" : "refused (" + problem.code() + "): " + problem.getMessage());
        details.put("state", hazelcast.getCluster().getClusterState().name().toLowerCase());
        boolean active = hazelcast.getCluster().getClusterState() == com.hazelcast.cluster.ClusterState.ACTIVE;
        return active ? HealthHandler.Status.up(details) : HealthHandler.Status.down(details);
    }

    /**
     * Deploys one HTTP server per event loop, all on one port (Vert.x shares a port among servers that
     * ask for the same one). Port 0 asks for a free port first, so that every server asks for the
     * same; if another process takes it meanwhile, a new one is picked.
     */
    private static Future<Integer> listen(Vertx vertx, ServerConfig config, Function<Vertx, Router> routes,
                                          int attempts) {
        int port;
        try {
            port = config.port() != 0 ? config.port() : freePort(config.host());
        } catch (IOException e) {
            return Future.failedFuture(e);
        }
        return vertx.deployVerticle(() -> new HttpVerticle(config.host(), port, routes), new DeploymentOptions().setInstances(config.eventLoops()))
                .map(id -> port)
                .recover(failure -> config.port() == 0 && attempts > 1 && failure instanceof BindException
                        ? listen(vertx, config, routes, attempts - 1)
                        : Future.failedFuture(failure instanceof BindException
                        ? new IllegalStateException("cannot listen on " + config.host() + ":" + port + ": " + failure.getMessage()
                        + " (is another node running there?)", failure)
                        : failure));
    }

    private static boolean canBind(String host, int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new java.net.InetSocketAddress(InetAddress.getByName(host), port), 1);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(host))) {
            return socket.getLocalPort();
        }
    }

    /** {@code countersign <version>}, or a development build's name. */
    public static String version() {
        String v = CountersignServer.class.getPackage().getImplementationVersion();
        return "countersign " + (v == null ? "(development build)" : v);
    }

    public int port() {
        return port;
    }

    /** The port of the ext_authz gRPC server; -1 without one. */
    public int extAuthzPort() {
        return extAuthz == null ? -1 : extAuthz.port();
    }

    public ServerConfig config() {
        return config;
    }

    public Vertx vertx() {
        return vertx;
    }

    public PolicyService policies() {
        return policies;
    }

    public ApprovalService approvals() {
        return approvals;
    }

    public HazelcastInstance hazelcast() {
        return hazelcast;
    }

    public AuditLog audit() {
        return audit;
    }

    public ServerMetrics metrics() {
        return metrics;
    }

    /** The decision records this node holds and replicates. */
    public ClusterDecisionRecords decisionRecords() {
        return decisionRecords;
    }

    /** Stops serving, leaves the cluster, then flushes and closes the audit log. */
    public Future<Void> stop() {
        Future<Void> grpcStopped = extAuthz == null ? Future.succeededFuture() : Future.fromCompletionStage(extAuthz.stop());
        return grpcStopped.transform(ignored -> {
            decisionRecords.close();
            approvals.close();
            channels.close();
            return vertx.close();
        }).andThen(done -> {
            policies.close();
            audit.close();
            if (store != null) {
                store.close();
            }
            LOG.info("Countersign node {} stopped", config.node());
        });
    }

    /**
     * Stops as a crash would, for tests: the cluster member vanishes without leaving, so the others
     * must notice and take over its data.
     */
    public void crash() {
        if (extAuthz != null) {
            extAuthz.stop();
        }
        approvals.close();
        channels.close();
        hazelcast.getLifecycleService().terminate();
        vertx.close();
        policies.close();
        audit.close();
        if (store != null) {
            store.close();
        }
    }

    /** The durable approval store; null when approvals are kept in memory only. */
    public ApprovalDatabase store() {
        return store;
    }
}
