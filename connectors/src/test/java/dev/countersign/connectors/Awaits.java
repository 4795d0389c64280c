package dev.countersign.connectors;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Waiting for a future from a test's own thread (never from an event loop). */
public final class Awaits {
    private Awaits() {
    }

    /**
     * {@code work} run on an event loop of {@code vertx}: an HTTP exchange started from a test's own
     * thread could otherwise get its response before its handlers are set.
     */
    public static <T> Future<T> onEventLoop(Vertx vertx, java.util.function.Supplier<Future<T>> work) {
        Promise<T> done = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> work.get().onComplete(done));
        return done.future();
    }

    /** The value of {@code f}, within 20 s. */
    public static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("the future failed: " + e.getCause(), e.getCause());
        } catch (Exception e) {
            throw new AssertionError("the future did not complete: " + e, e);
        }
    }

    /** The failure of {@code f}, within 20 s; an AssertionError when it succeeds. */
    public static Throwable failure(Future<?> f) {
        try {
            Object value = f.toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
            throw new AssertionError("the future succeeded with " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException | java.util.concurrent.TimeoutException e) {
            throw new AssertionError("the future did not complete: " + e, e);
        }
    }

    /** The {@link ConnectorFailure} of {@code f}. */
    public static ConnectorFailure connectorFailure(Future<?> f) {
        Throwable t = failure(f);
        if (t instanceof ConnectorFailure c) {
            return c;
        }
        throw new AssertionError("not a ConnectorFailure: " + t, t);
    }
}
