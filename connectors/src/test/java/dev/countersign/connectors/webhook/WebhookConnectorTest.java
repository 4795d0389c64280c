package dev.countersign.connectors.webhook;

import static dev.countersign.connectors.Awaits.await;
import static dev.countersign.connectors.Awaits.connectorFailure;
import static dev.countersign.connectors.Awaits.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.ConnectorFailure.Kind;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.SampleApprovals;
import dev.countersign.connectors.Secret;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import io.vertx.junit5.VertxExtension;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Signed webhook deliveries to a real receiver: verifiable, sent to the address the egress rules
 * chose, bounded in time and in what is read, never following a redirect, never contacting a
 * refused destination.
 */
@ExtendWith(VertxExtension.class)
class WebhookConnectorTest {
    private static final String SECRET = "webhook-secret-0123456789abcdef";
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private Vertx vertx;
    private WebhookReceiver receiver;
    private WebhookConnector connector;

    @BeforeEach
    void start(Vertx vertx) {
        this.vertx = vertx;
        receiver = await(WebhookReceiver.start(vertx, SECRET));
        connector = new WebhookConnector(vertx, Secret.of(SECRET), url -> Future.succeededFuture(LOOPBACK));
    }

    @AfterEach
    void stop() {
        await(connector.close());
        await(receiver.close());
    }

    private Destination to(String host, String path) {
        return connector.destination("webhook:" + receiver.url(host, path));
    }

    @Test
    void aDeliveryIsSignedSoTheReceiverCanVerifyItAndCarriesItsEventId() {
        await(connector.deliver(to("hooks.invalid", "/countersign?k=1"), event("apr_1:7"), SampleApprovals.pending()));

        WebhookReceiver.Delivery d = receiver.deliveries().get(0);
        assertTrue(d.signatureValid(), "the receiver could not verify the signature");
        assertEquals("apr_1:7", d.eventId());
        assertEquals("apr_1:7", d.json().path("event_id").asText(), "the event id is not under the signature");
        assertEquals("apr_1:7", d.json().path("event").path("id").asText());
        assertEquals("vote", d.json().path("event").path("type").asText());
        assertEquals("2026-03-02T09:05:00Z", d.json().path("event").path("at").asText());
        assertEquals("pending", d.json().path("approval").path("status").asText());
        assertEquals("hooks.invalid:" + receiver.port(), d.host(), "the URL's host is not the Host header");
        assertEquals("/countersign?k=1", d.uri());
        assertTrue(d.headers().get(WebhookConnector.SIGNATURE).startsWith("sha256="));
        assertEquals("application/json", d.headers().get("Content-Type"));
    }

    @Test
    void aReceiverWithAnotherSecretCannotVerifyIt() {
        WebhookReceiver other = await(WebhookReceiver.start(vertx, "another-secret"));
        await(connector.deliver(connector.destination("webhook:" + other.url("127.0.0.1", "/x")), event("e1"), SampleApprovals.pending()));
        assertFalse(other.deliveries().get(0).signatureValid());
        await(other.close());
    }

    @Test
    void theBodyIsTheDocumentedJson() throws Exception {
        String actual = new ObjectMapper().writerWithDefaultPrettyPrinter()
                .writeValueAsString(WebhookJson.delivery(new WebhookEvent(SampleApprovals.ID + ":3", "denied", SampleApprovals.CREATED.plusSeconds(720)), SampleApprovals.denied())).replace("\r\n", "\n") + "\n";
        Path golden = Path.of("src/test/resources/golden/webhook-denied.json");
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(golden, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(golden, StandardCharsets.UTF_8), actual);
    }

    @TestFactory
    Stream<DynamicTest> anAnswerOtherThan2xxIsAFailureOfItsKind() {
        record Case(int status, String header, String value, Kind kind, Duration retryAfter) {
        }
        return Stream.of(
                new Case(500, null, null, Kind.TRANSIENT, null),
                new Case(503, null, null, Kind.TRANSIENT, null),
                new Case(408, null, null, Kind.TRANSIENT, null),
                new Case(404, null, null, Kind.PERMANENT, null),
                new Case(401, null, null, Kind.PERMANENT, null),
                new Case(429, "Retry-After", "5", Kind.RATE_LIMITED, Duration.ofSeconds(5)),
                new Case(429, null, null, Kind.RATE_LIMITED, Duration.ofSeconds(30))
        ).map(c -> dynamicTest(c.status() + (c.header() == null ? "" : " " + c.header()), () -> {
            receiver.answer(new WebhookReceiver.Status(c.status(), c.header(), c.value()));
            ConnectorFailure f = connectorFailure(connector.deliver(to("127.0.0.1", "/secret-path?token=abc"), event("e1"), SampleApprovals.pending()));
            assertEquals(c.kind(), f.kind());
            assertEquals("http_" + c.status(), f.code());
            assertEquals(Optional.ofNullable(c.retryAfter()), f.retryAfter());
            assertFalse(f.getMessage().contains("secret-path") || f.getMessage().contains("token=abc"), f.getMessage());
            assertFalse(f.getMessage().contains(SECRET));
        }));
    }

    /** Every redirect status, 303 included (an HTTP client following redirects turns a POST into a GET there). */
    @TestFactory
    Stream<DynamicTest> aRedirectIsNotFollowed() {
        return Stream.of(301, 302, 303, 307, 308).map(status -> dynamicTest(Integer.toString(status), () -> {
            WebhookReceiver target = await(WebhookReceiver.start(vertx, SECRET));
            receiver.answer(new WebhookReceiver.Status(status, "Location", target.url("127.0.0.1", "/elsewhere")));
            ConnectorFailure f = connectorFailure(connector.deliver(to("127.0.0.1", "/hook"), event("e1"), SampleApprovals.pending()));
            assertEquals(Kind.PERMANENT, f.kind());
            assertEquals("http_" + status, f.code());
            assertTrue(f.getMessage().contains("redirects are not followed"), f.getMessage());
            assertEquals(List.of(), target.deliveries(), "the redirect was followed");
            await(target.close());
        }));
    }

    @Test
    void aHugeAnswerIsNotRead() throws Exception {
        receiver.answer(new WebhookReceiver.Flood());
        await(connector.deliver(to("127.0.0.1", "/hook"), event("e1"), SampleApprovals.pending()));   // 200: success, the body is cut off
        Thread.sleep(300);
        long written = receiver.flooded();
        assertTrue(written < 16L * 1024 * 1024, "the connector kept reading: " + written + " bytes were written to it");
    }

    @Test
    void aRefusedDestinationIsNeverContacted() {
        WebhookConnector guarded = new WebhookConnector(vertx, Secret.of(SECRET),
                url -> Future.failedFuture(new Egress.Refused("callbacks go to public addresses unless listed")));
        ConnectorFailure f = connectorFailure(guarded.deliver(to("127.0.0.1", "/private?token=abc"), event("e1"), SampleApprovals.pending()));
        assertEquals(Kind.PERMANENT, f.kind());
        assertEquals("egress_refused", f.code());
        assertTrue(f.getMessage().contains("public addresses"), f.getMessage());
        assertFalse(f.getMessage().contains("token=abc"), f.getMessage());
        assertEquals(List.of(), receiver.deliveries());
        await(guarded.close());
    }

    @Test
    void aNameThatDoesNotResolveIsTransient() {
        WebhookConnector unresolved = new WebhookConnector(vertx, Secret.of(SECRET), url -> Future.failedFuture(new UnknownHostException("x")));
        assertEquals(Kind.TRANSIENT, connectorFailure(unresolved.deliver(to("127.0.0.1", "/h"), event("e1"), SampleApprovals.pending())).kind());
        assertEquals(List.of(), receiver.deliveries());
        await(unresolved.close());
    }

    @Test
    void aBlockingEgressRunsOffTheEventLoop() {
        ConcurrentLinkedQueue<Boolean> onEventLoop = new ConcurrentLinkedQueue<>();
        WebhookConnector blocking = new WebhookConnector(vertx, Secret.of(SECRET), Egress.blocking(vertx, url -> {
            onEventLoop.add(Context.isOnEventLoopThread());
            return LOOPBACK;
        }));
        await(blocking.deliver(to("hooks.invalid", "/h"), event("e1"), SampleApprovals.pending()));
        assertEquals(List.of(false), List.copyOf(onEventLoop));
        await(blocking.close());
    }

    @Test
    void aReceiverThatNeverAnswersIsGivenUpAtTheDeadline() {
        receiver.answer(new WebhookReceiver.Silence());
        WebhookConnector impatient = new WebhookConnector(vertx, Secret.of(SECRET), url -> Future.succeededFuture(LOOPBACK), null,
                Duration.ofMillis(700), Clock.systemUTC());
        long started = System.nanoTime();
        ConnectorFailure f = connectorFailure(impatient.deliver(to("127.0.0.1", "/h"), event("e1"), SampleApprovals.pending()));
        long took = (System.nanoTime() - started) / 1_000_000;
        assertEquals("timeout", f.code());
        assertTrue(took >= 600 && took < 3_000, took + " ms");
        assertEquals(Duration.ofSeconds(10), WebhookConnector.DEADLINE);
        await(impatient.close());
    }

    @Test
    void overTlsTheUrlsHostIsTheServerNameAndItsCertificateIsChecked() {
        SelfSignedCertificate localhost = SelfSignedCertificate.create("localhost");
        ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();
        int port = await(vertx.createHttpServer(new HttpServerOptions().setSsl(true).setSni(true).setKeyCertOptions(localhost.keyCertOptions()))
                .requestHandler(r -> r.body().onSuccess(b -> {
                    seen.add(r.authority() + " sni=" + r.connection().indicatedServerName());
                    r.response().setStatusCode(202).end();
                })).listen(0, "127.0.0.1")).actualPort();
        WebhookConnector tls = new WebhookConnector(vertx, Secret.of(SECRET), url -> Future.succeededFuture(LOOPBACK), localhost.trustOptions());
        await(tls.deliver(tls.destination("webhook:https://localhost:" + port + "/h"), event("e1"), SampleApprovals.pending()));
        assertEquals(List.of("localhost:" + port + " sni=localhost"), List.copyOf(seen));

        SelfSignedCertificate other = SelfSignedCertificate.create("other.example.com");
        WebhookConnector wrongName = new WebhookConnector(vertx, Secret.of(SECRET), url -> Future.succeededFuture(LOOPBACK), other.trustOptions());
        int otherPort = await(vertx.createHttpServer(new HttpServerOptions().setSsl(true).setKeyCertOptions(other.keyCertOptions()))
                .requestHandler(r -> seen.add("reached")).listen(0, "127.0.0.1")).actualPort();
        ConnectorFailure f = connectorFailure(wrongName.deliver(wrongName.destination("webhook:https://localhost:" + otherPort + "/h"), event("e1"),
                SampleApprovals.pending()));
        assertEquals(Kind.TRANSIENT, f.kind());
        assertEquals(1, seen.size(), "a server whose certificate names another host was sent the delivery");
        await(tls.close());
        await(wrongName.close());
    }

    @Test
    void anEventIdThatCouldSplitHeadersIsRefused() {
        assertInstanceOf(IllegalArgumentException.class, failure(connector.deliver(to("127.0.0.1", "/h"), event("e1\r\nX-Evil: 1"), SampleApprovals.pending())));
        assertInstanceOf(IllegalArgumentException.class, failure(connector.deliver(to("127.0.0.1", "/h"), event(""), SampleApprovals.pending())));
        assertEquals(List.of(), receiver.deliveries());
    }

    @Test
    void aDestinationShowsNoPathOrQuery() {
        Destination d = connector.destination("webhook:https://hooks.example.com/services/T000/B000/XXXXSECRET?sig=abc");
        assertEquals("webhook:https://hooks.example.com/…", d.toString());
        assertEquals("https://hooks.example.com/services/T000/B000/XXXXSECRET?sig=abc", d.target());
    }

    static WebhookEvent event(String id) {
        return new WebhookEvent(id, "vote", SampleApprovals.CREATED.plusSeconds(300));
    }
}
