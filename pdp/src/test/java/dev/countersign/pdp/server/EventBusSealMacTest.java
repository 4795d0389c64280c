package dev.countersign.pdp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.countersign.cluster.ClusterSecret;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The event-bus MAC is the HMAC of the length-prefixed fields (address, reply address, time, nonce,
 * the body's canonical text): computed in pieces for a large buffer, it is the same MAC as over the
 * whole text, so nodes agree whichever way each computes it.
 */
class EventBusSealMacTest {
    static String reference(ClusterSecret secret, String address, String reply, String time, String nonce, String canonicalBody) {
        StringBuilder content = new StringBuilder();
        for (String value : new String[] {address, reply, time, nonce, canonicalBody}) {
            content.append(value.length()).append(':').append(value);
        }
        return HexFormat.of().formatHex(ClusterSecret.mac(secret.key("event-bus"), content.toString().getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void theMacOfABufferIsTheMacOfItsTextWhateverItsSize() throws Exception {
        ClusterSecret secret = ClusterSecret.generate();
        Vertx vertx = Vertx.vertx();
        try {
            EventBusSeal seal = EventBusSeal.install(vertx, secret, Clock.systemUTC());
            Random random = new Random(7);
            for (int size : new int[] {0, 1, 8191, 8192, 8193, 100_000}) {
                byte[] bytes = new byte[size];
                random.nextBytes(bytes);
                String expected = reference(secret, "countersign.decision-replicas.n1", "", "1700000000000", "ab12", "buffer:"
                        + HexFormat.of().formatHex(bytes));
                assertEquals(expected, seal.mac("countersign.decision-replicas.n1", null, "1700000000000", "ab12", Buffer.buffer(bytes)),
                        size + " bytes");
            }
            assertEquals(reference(secret, "a", "r", "1", "n", "string:héllo"), seal.mac("a", "r", "1", "n", "héllo"));
            assertEquals(reference(secret, "a", "", "1", "n", "object:{\"k\":1}"), seal.mac("a", null, "1", "n", new JsonObject().put("k", 1)));
            assertNotEquals(seal.mac("a", null, "1", "n", Buffer.buffer("x")), seal.mac("a", null, "1", "n", "x"),
                    "a buffer does not pass for the string it spells");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
    }
}
