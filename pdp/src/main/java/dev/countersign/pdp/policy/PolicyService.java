package dev.countersign.pdp.policy;

import dev.countersign.pdp.metrics.ServerMetrics;
import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.engine.CompiledPolicy;
import dev.countersign.rules.engine.CacheBounds;
import dev.countersign.rules.engine.PolicyCompiler;
import dev.countersign.rules.engine.PolicyEngine;
import dev.countersign.rules.testing.RuleTestRunner;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundle a node decides with. Loading, compiling and running the bundle's rule tests happen on a
 * single worker thread, so they never block an event loop and reloads never overlap. A bundle that
 * does not compile, or whose rule tests fail (a case cut off at the evaluation budget fails), is
 * rejected: the active revision keeps deciding, and the attempt with its errors is kept for
 * {@code /v1/policies}, logged, and counted. An accepted bundle replaces the active one atomically;
 * evaluations in flight finish on the old one.
 */
public final class PolicyService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PolicyService.class);

    private final Vertx vertx;
    private final Path bundleDir;
    private final ServerMetrics metrics;
    private final WorkerExecutor compiler;
    private volatile PolicyEngine engine;
    private volatile Instant activatedAt;
    private volatile ReloadAttempt lastAttempt;
    private volatile java.util.function.Consumer<CompiledPolicy> onActivated = policy -> { };
    private BundleWatcher watcher;

    private final CacheBounds cacheBounds;
    private final Duration maxEvaluationTime;

    /**
     * Serves the bundle in {@code bundleDir}, whose policies remember {@code cacheSize} decisions and cut
     * evaluations off at {@code maxEvaluationTime}.
     */
    public PolicyService(Vertx vertx, Path bundleDir, ServerMetrics metrics, int cacheSize, Duration maxEvaluationTime) {
        this(vertx, bundleDir, metrics, CacheBounds.ofEntries(cacheSize), maxEvaluationTime);
    }

    /** As above, the policies remembering decisions within {@code cacheBounds}. */
    public PolicyService(Vertx vertx, Path bundleDir, ServerMetrics metrics, CacheBounds cacheBounds, Duration maxEvaluationTime) {
        this.vertx = vertx;
        this.bundleDir = bundleDir;
        this.metrics = metrics;
        this.cacheBounds = cacheBounds;
        this.maxEvaluationTime = maxEvaluationTime;
        this.compiler = vertx.createSharedWorkerExecutor("countersign-bundle-compiler", 1, 10, TimeUnit.MINUTES);
    }

    /** Loads the bundle for the first time; fails, with every error in the message, when it cannot be activated. */
    public Future<ReloadAttempt> start() {
        return reload("startup").compose(attempt -> attempt.outcome() == ReloadAttempt.Outcome.REJECTED
                ? Future.failedFuture(new InvalidPolicyException(attempt.errors()))
                : Future.succeededFuture(attempt));
    }

    /** Loads the bundle again and activates it if it compiles and its tests pass. Never fails for a bad bundle: see the outcome. */
    public Future<ReloadAttempt> reload(String trigger) {
        return compiler.executeBlocking(() -> load(trigger), true);
    }

    /** Calls {@code listener} with the active policy now, and after every activation. */
    public void onActivated(java.util.function.Consumer<CompiledPolicy> listener) {
        this.onActivated = listener;
        CompiledPolicy active = active();
        if (active != null) {
            listener.accept(active);
        }
    }

    /** Watches the bundle directory and reloads after changes settle for {@code debounce}. */
    public void watch(Duration debounce) {
        watcher = new BundleWatcher(vertx, bundleDir, debounce, () -> reload("change on disk"));
        watcher.start();
    }

    public PolicyEngine engine() {
        return engine;
    }

    /** The deciding policy, or null before the first successful load. */
    public CompiledPolicy active() {
        PolicyEngine e = engine;
        return e == null ? null : e.active();
    }

    /** The decisions answered as cut off at the evaluation budget by every revision this node has served. */
    public long cutOffEvaluations() {
        PolicyEngine e = engine;
        return e == null ? 0 : e.cutOffEvaluations();
    }

    public Instant activatedAt() {
        return activatedAt;
    }

    public ReloadAttempt lastAttempt() {
        return lastAttempt;
    }

    public Path bundleDir() {
        return bundleDir;
    }

    private ReloadAttempt load(String trigger) {
        long started = System.nanoTime();
        Instant at = Instant.now();
        CompiledPolicy current = active();
        ReloadAttempt attempt;
        CompiledPolicy next = null;
        boolean activated = false;
        try {
            PolicyBundle bundle = BundleLoader.load(bundleDir);
            if (current != null && current.revision().equals(bundle.revision()) && bundle.problems().isEmpty()) {
                attempt = new ReloadAttempt(at, trigger, ReloadAttempt.Outcome.UNCHANGED, bundle.revision(), current.rules().size(),
                        List.of(), millisSince(started));
                lastAttempt = attempt;
                LOG.debug("bundle {} unchanged ({})", bundleDir, trigger);
                return attempt;
            }
            next = PolicyCompiler.compile(bundle, cacheBounds, maxEvaluationTime);
            List<PolicyError> failing = failingTests(next);
            if (!failing.isEmpty()) {
                throw new InvalidPolicyException(failing);
            }
            if (engine == null) {
                engine = new PolicyEngine(next);
            } else {
                engine.activate(next);
            }
            activated = true;
            activatedAt = Instant.now();
            metrics.activeBundle(next.revision(), bundle.name(), next.rules().size());
            try {
                onActivated.accept(next);
            } catch (RuntimeException e) {
                LOG.error("revision {} is active, but announcing it failed", next.revision(), e);
            }
            attempt = new ReloadAttempt(at, trigger, ReloadAttempt.Outcome.ACTIVATED, next.revision(), next.rules().size(),
                    List.of(), millisSince(started));
            LOG.info("bundle {} revision {} activated: {} rules, {} rule-test cases passed, in {} ms ({})", bundleDir,
                    next.revision(), next.rules().size(), bundle.testCaseCount(), attempt.durationMillis(), trigger);
        } catch (InvalidPolicyException e) {
            attempt = new ReloadAttempt(at, trigger, ReloadAttempt.Outcome.REJECTED, null, 0, e.errors(), millisSince(started));
            StringBuilder message = new StringBuilder();
            for (PolicyError error : e.errors()) {
                message.append("\n  ").append(bundleDir.resolve(error.file()).normalize()).append(error.location().substring(error.file().length()))
                        .append(": ").append(error.message());
            }
            LOG.warn("bundle {} rejected ({}), {} error(s); {}:{}", bundleDir, trigger, e.errors().size(),
                    current == null ? "no revision is active" : "revision " + current.revision() + " keeps deciding", message);
        } catch (RuntimeException | StackOverflowError | LinkageError e) {
            // A rule nested past the stack, or a class Drools cannot link, rejects this bundle, not the node.
            attempt = new ReloadAttempt(at, trigger, ReloadAttempt.Outcome.REJECTED, null, 0,
                    List.of(new PolicyError(".", 0, 0, "the bundle could not be loaded: " + e)), millisSince(started));
            LOG.error("bundle {} could not be loaded ({}); {}", bundleDir, trigger,
                    current == null ? "no revision is active" : "revision " + current.revision() + " keeps deciding", e);
        } finally {
            if (next != null && !activated) {
                next.retire();
            }
        }
        metrics.reloaded(attempt.outcome() == ReloadAttempt.Outcome.REJECTED);
        lastAttempt = attempt;
        return attempt;
    }

    /** Each case that did not pass, as an error at its place in its test file. */
    private static List<PolicyError> failingTests(CompiledPolicy policy) {
        List<PolicyError> errors = new ArrayList<>();
        for (RuleTestRunner.CaseResult r : RuleTestRunner.run(policy).results()) {
            if (r.status() != RuleTestRunner.Status.PASS) {
                errors.add(new PolicyError(r.file(), r.line(), 0, "rule test '" + r.name() + "' " + r.status()
                        + ": " + String.join("; ", r.problems()) + " (expected " + r.expected() + "; actual " + r.actual() + ")"));
            }
        }
        return errors;
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.close();
        }
        compiler.close();
    }
}
