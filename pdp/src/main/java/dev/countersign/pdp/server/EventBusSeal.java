package dev.countersign.pdp.server;

import dev.countersign.cluster.ClusterSecret;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Event-bus messages between nodes carry a MAC under a key derived from the cluster secret, and
 * nothing without a valid one is delivered: the clustered event bus listens on its own port and
 * delivers whatever reaches it, so without this anyone on the cluster network could wake waiters or
 * ask a node for the decision records it keeps. Every message this node sends, publishes or replies
 * gets the header {@value #MAC}: the time it was sent, a nonce that sets it apart from any other
 * message, and the HMAC-SHA256 of the address, the reply address (empty when none), that time, the
 * nonce and the body (one header, set once, so a message published to several nodes is never seen
 * half-marked). A message received without them, with a wrong one, more than {@link #WINDOW_MILLIS}
 * old or ahead, or with a MAC this node already delivered within that window (a captured message sent
 * again, {@link RecentMacs}), is dropped and counted. Generic Java and cluster-serialisable bodies are
 * refused outright: the product sends JSON, strings and buffers only.
 */
final class EventBusSeal {
    static final String MAC = "countersign-mac";
    static final long WINDOW_MILLIS = 60_000;
    private static final Logger LOG = LoggerFactory.getLogger(EventBusSeal.class);
    private static final String FOREIGN = " (it did not come from a member holding the cluster secret)";
    private static final String BUFFER = "buffer:";
    private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    private static final ThreadLocal<byte[]> HEX = ThreadLocal.withInitial(() -> new byte[16 * 1024]);

    private final byte[] key;
    private final Clock clock;
    private final AtomicLong refused = new AtomicLong();
    private final RecentMacs delivered = new RecentMacs(RecentMacs.DEFAULT_CAPACITY);
    private final ThreadLocal<Mac> macs;

    private EventBusSeal(ClusterSecret secret, Clock clock) {
        this.key = secret.key("event-bus");
        this.clock = clock;
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(key, "HmacSHA256"));
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HMAC-SHA256 is required of every Java platform", e);
            }
        });
    }

    /** Seals {@code vertx}'s event bus with {@code secret}: every message out is marked, every message in is checked. */
    static EventBusSeal install(Vertx vertx, ClusterSecret secret, Clock clock) {
        EventBusSeal seal = new EventBusSeal(secret, clock);
        EventBus bus = vertx.eventBus();
        bus.serializableChecker(className -> false);
        bus.clusterSerializableChecker(className -> false);
        bus.addOutboundInterceptor(seal::mark);
        bus.addInboundInterceptor(seal::check);
        return seal;
    }

    /** Messages dropped for a missing, wrong, stale or repeated MAC since this node started. */
    long refused() {
        return refused.get();
    }

    private <T> void mark(DeliveryContext<T> ctx) {
        MultiMap headers = ctx.message().headers();
        if (headers.get(MAC) == null) {
            String time = Long.toString(clock.millis());
            String nonce = Long.toHexString(ThreadLocalRandom.current().nextLong());
            // Outbound, the message holds the body as sent in the context; a clustered message's own body() is its decoded form.
            headers.set(MAC, time + ":" + nonce + ":" + mac(ctx.message().address(), ctx.message().replyAddress(), time, nonce,
                    ctx.body()));
        }
        ctx.next();
    }

    private <T> void check(DeliveryContext<T> ctx) {
        MultiMap headers = ctx.message().headers();
        String marked = headers == null ? null : headers.get(MAC);
        String[] parts = marked == null ? new String[0] : marked.split(":", -1);
        String why = null;
        if (parts.length != 3) {
            why = "it carries no cluster MAC" + FOREIGN;
        } else {
            String time = parts[0];
            String nonce = parts[1];
            String mac = parts[2];
            long sent;
            try {
                sent = Long.parseLong(time);
            } catch (NumberFormatException e) {
                sent = Long.MIN_VALUE;
            }
            long now = clock.millis();
            if (sent == Long.MIN_VALUE || Math.abs(now - sent) > WINDOW_MILLIS) {
                why = "its time is not within a minute of this node's" + FOREIGN;
            } else if (!MessageDigest.isEqual(mac.getBytes(StandardCharsets.US_ASCII), mac(ctx.message().address(),
                    ctx.message().replyAddress(), time, nonce, ctx.message().body()).getBytes(StandardCharsets.US_ASCII))) {
                why = "its cluster MAC is wrong" + FOREIGN;
            } else if (!delivered.firstTime(mac, sent + WINDOW_MILLIS, now)) {
                why = "it repeats a message already delivered here (a member's message, captured and sent again)";
            }
        }
        if (why == null) {
            ctx.next();
            return;
        }
        long n = refused.incrementAndGet();
        if (n <= 10 || n % 1000 == 0) {
            LOG.warn("dropped an event-bus message to {}: {}; {} dropped so far", ctx.message().address(), why, n);
        }
    }

    /**
     * The MAC of a message's fields, each length-prefixed, so no field's text can pass for another's.
     * A buffer body is fed to the MAC in pieces as the same text ({@code buffer:} and its hex), so a
     * large one (a batch of decision records) costs no copies of itself.
     */
    String mac(String address, String replyAddress, String time, String nonce, Object body) {
        Mac mac = macs.get();
        mac.reset();
        for (String field : new String[] {address, replyAddress == null ? "" : replyAddress, time, nonce}) {
            update(mac, field == null ? "" : field);
        }
        if (body instanceof Buffer b) {
            mac.update(((BUFFER.length() + 2L * b.length()) + ":" + BUFFER).getBytes(StandardCharsets.US_ASCII));
            byte[] hex = HEX.get();
            for (int at = 0; at < b.length(); at += hex.length / 2) {
                int n = Math.min(hex.length / 2, b.length() - at);
                for (int i = 0; i < n; i++) {
                    int v = b.getByte(at + i) & 0xFF;
                    hex[2 * i] = HEX_DIGITS[v >>> 4];
                    hex[2 * i + 1] = HEX_DIGITS[v & 0xF];
                }
                mac.update(hex, 0, 2 * n);
            }
        } else {
            update(mac, canonical(body));
        }
        return HexFormat.of().formatHex(mac.doFinal());
    }

    private static void update(Mac mac, String value) {
        mac.update((value.length() + ":").getBytes(StandardCharsets.US_ASCII));
        mac.update(value.getBytes(StandardCharsets.UTF_8));
    }

    /** The body as the MAC covers it (a buffer: {@code buffer:} and its hex, see {@link #mac}); a kind tag keeps a string apart from the JSON it may spell. */
    private static String canonical(Object body) {
        if (body == null) {
            return "null";
        }
        if (body instanceof String s) {
            return "string:" + s;
        }
        if (body instanceof JsonObject o) {
            return "object:" + o.encode();
        }
        if (body instanceof JsonArray a) {
            return "array:" + a.encode();
        }
        if (body instanceof ReplyException r) {
            return "failure:" + r.failureType() + ":" + r.failureCode() + ":" + r.getMessage();
        }
        if (body instanceof Number || body instanceof Boolean) {
            return body.getClass().getSimpleName() + ":" + body;
        }
        return "other:" + body.getClass().getName() + ":" + body;
    }
}
