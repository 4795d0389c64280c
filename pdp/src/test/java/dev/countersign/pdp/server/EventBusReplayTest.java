package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.countersign.cluster.ClusterSecret;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A sealed event-bus message, captured on the cluster network, is not delivered again: not to the
 * node that already delivered it (its MAC was seen), nor to another node with another reply address
 * (the MAC covers the reply address), which would let whoever sent it read the answer.
 */
class EventBusReplayTest {
    private static final String ADDRESS = "countersign.test.replay";
    private final ClusterSecret secret = ClusterSecret.generate();
    private final List<Vertx> started = new CopyOnWriteArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (Vertx v : started) {
            v.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private record Node(Vertx vertx, EventBusSeal seal, List<Message<String>> received) {
    }

    private Node node() {
        Vertx vertx = Vertx.vertx();
        started.add(vertx);
        EventBusSeal seal = EventBusSeal.install(vertx, secret, Clock.systemUTC());
        List<Message<String>> received = new CopyOnWriteArrayList<>();
        vertx.eventBus().<String>consumer(ADDRESS, m -> {
            received.add(m);
            m.reply("answer to " + m.body());
        });
        return new Node(vertx, seal, received);
    }

    private static void awaitCount(List<?> list, int size) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (list.size() < size && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(size, list.size());
    }

    /** Waits for what must not happen, long enough for a delivery on a local event bus. */
    private static void settle() throws InterruptedException {
        Thread.sleep(300);
    }

    @Test
    void aMessageSentAgainWithTheSameMacIsDropped() throws Exception {
        Node node = node();
        node.vertx.eventBus().send(ADDRESS, "open the door");
        awaitCount(node.received, 1);
        String captured = node.received.get(0).headers().get(EventBusSeal.MAC);
        assertNotNull(captured);

        long refusedBefore = node.seal.refused();
        node.vertx.eventBus().send(ADDRESS, "open the door", new DeliveryOptions().addHeader(EventBusSeal.MAC, captured));
        settle();
        assertEquals(1, node.received.size(), "the repeated message is not delivered");
        assertEquals(refusedBefore + 1, node.seal.refused(), "and it is counted as refused");

        node.vertx.eventBus().send(ADDRESS, "open the door");
        awaitCount(node.received, 2);
        assertFalse(captured.equals(node.received.get(1).headers().get(EventBusSeal.MAC)),
                "the same body sent anew gets a MAC of its own, and is delivered");
    }

    @Test
    void aMessageWhoseReplyAddressWasChangedIsDropped() throws Exception {
        Node sender = node();
        Node other = node();
        sender.vertx.eventBus().send(ADDRESS, "which decisions do you keep?");
        awaitCount(sender.received, 1);
        String captured = sender.received.get(0).headers().get(EventBusSeal.MAC);

        // Sent again to another node as a request, so that its answer comes back to whoever sent it.
        long refusedBefore = other.seal.refused();
        DeliveryOptions replayed = new DeliveryOptions().addHeader(EventBusSeal.MAC, captured).setSendTimeout(1_000);
        ExecutionException unanswered = assertThrows(ExecutionException.class, () -> other.vertx.eventBus()
                .request(ADDRESS, "which decisions do you keep?", replayed).toCompletionStage().toCompletableFuture()
                .get(10, TimeUnit.SECONDS));
        assertTrue(String.valueOf(unanswered.getCause()).contains("Timed out"), String.valueOf(unanswered.getCause()));
        assertEquals(0, other.received.size(), "not delivered with a reply address its MAC does not cover");
        assertEquals(refusedBefore + 1, other.seal.refused());

        // The control: the capture as it was sealed, without a reply address, holds there, so the reply address is what failed.
        // (Each node remembers what it delivered; a product message reaches a node once: point-to-point addresses name one node.)
        other.vertx.eventBus().send(ADDRESS, "which decisions do you keep?", new DeliveryOptions().addHeader(EventBusSeal.MAC, captured));
        awaitCount(other.received, 1);
    }
}
