package dev.countersign.pdp.approval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.SelfSignedCertificate;
import java.net.InetAddress;
import java.time.Instant;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sender connects to the address it is given, never to a fresh lookup of the URL's host, and
 * still speaks to that host: its name goes in the Host header, in TLS SNI, and is what the
 * receiver's certificate is verified against.
 */
class CallbackSenderTest {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private Vertx vertx;
    private final ConcurrentLinkedQueue<String> seen = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void start() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void stop() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void aNameThatDoesNotResolveIsStillSentToThePinnedAddressWithItsHostHeader() throws Exception {
        int port = listen(new HttpServerOptions(), 204);
        CallbackSender sender = new CallbackSender(vertx, "s3cret");

        await(send(sender, "http://hooks.invalid:" + port + "/hook?x=1"));

        assertEquals("POST hooks.invalid:" + port + " /hook?x=1 sni=null", seen.poll());
    }

    @Test
    void overTlsTheUrlsHostIsTheServerNameAndTheCertificateIsCheckedAgainstIt() throws Exception {
        SelfSignedCertificate localhost = SelfSignedCertificate.create("localhost");
        int port = listen(new HttpServerOptions().setSsl(true).setSni(true).setKeyCertOptions(localhost.keyCertOptions()), 200);
        CallbackSender sender = new CallbackSender(vertx, "s3cret", localhost.trustOptions());

        await(send(sender, "https://localhost:" + port + "/hook"));

        assertEquals("POST localhost:" + port + " /hook sni=localhost", seen.poll());
    }

    @Test
    void aCertificateForAnotherHostIsRefused() throws Exception {
        SelfSignedCertificate other = SelfSignedCertificate.create("other.example.com");
        int port = listen(new HttpServerOptions().setSsl(true).setKeyCertOptions(other.keyCertOptions()), 200);
        CallbackSender sender = new CallbackSender(vertx, "s3cret", other.trustOptions());

        ExecutionException failure = assertFailed(send(sender, "https://localhost:" + port + "/hook"));

        assertTrue(seen.isEmpty(), "the request reached a server whose certificate names another host: " + seen);
        assertTrue(failure.getCause() instanceof SSLHandshakeException, "not a handshake failure: " + failure.getCause());
    }

    @Test
    void aRedirectIsAFailureAndIsNotFollowed() throws Exception {
        int target = listen(new HttpServerOptions(), 204);
        HttpServer redirecting = vertx.createHttpServer()
                .requestHandler(request -> request.response().setStatusCode(307)
                        .putHeader("Location", "http://127.0.0.1:" + target + "/elsewhere").end());
        int port = redirecting.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        CallbackSender sender = new CallbackSender(vertx, "s3cret");

        ExecutionException failure = assertFailed(send(sender, "http://127.0.0.1:" + port + "/hook"));

        assertTrue(String.valueOf(failure.getCause()).contains("the receiver answered 307"), String.valueOf(failure.getCause()));
        assertTrue(seen.isEmpty(), "the redirect was followed: " + seen);
    }

    @Test
    void aReceiverThatTricklesIsCutOffAtTheDeadline() throws Exception {
        HttpServer slow = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(b -> {
            seen.add("received");
            request.response().setChunked(true).write("{");   // a 200 whose body never ends
            long trickle = vertx.setPeriodic(500, t -> request.response().write(" "));
            request.connection().closeHandler(v -> vertx.cancelTimer(trickle));
        }));
        int port = slow.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        HttpServer silent = vertx.createHttpServer().requestHandler(request -> seen.add("silent"));
        int silentPort = silent.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        CallbackSender sender = new CallbackSender(vertx, "s3cret");

        Future<Void> trickled = send(sender, "http://127.0.0.1:" + port + "/hook");
        ExecutionException never = assertFailed(send(sender, "http://127.0.0.1:" + silentPort + "/hook"));
        await(trickled);   // a 2xx status is success, and the endless body is cut off at the deadline

        assertTrue(String.valueOf(never.getCause()).contains("did not answer within 10 s"), String.valueOf(never.getCause()));
    }

    @Test
    void aHugeResponseBodyIsNotRead() throws Exception {
        Buffer megabyte = Buffer.buffer(new byte[1024 * 1024]);
        long[] written = {0};
        HttpServer flooding = vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(b -> {
            request.response().setStatusCode(200).putHeader("Content-Length", Long.toString(512L * 1024 * 1024));
            long flood = vertx.setPeriodic(1, t -> {
                if (!request.response().writeQueueFull() && !request.response().closed()) {
                    written[0] += megabyte.length();
                    request.response().write(megabyte);
                }
            });
            request.connection().closeHandler(v -> vertx.cancelTimer(flood));
        }));
        int port = flooding.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        CallbackSender sender = new CallbackSender(vertx, "s3cret");

        await(send(sender, "http://127.0.0.1:" + port + "/hook"));

        Thread.sleep(200);
        assertTrue(written[0] < 64L * 1024 * 1024, "the sender kept reading: " + written[0] + " bytes were sent to it");
    }

    /** A receiver on 127.0.0.1 that notes "METHOD host path sni=name" of each request and answers {@code status}. */
    private int listen(HttpServerOptions options, int status) throws Exception {
        HttpServer server = vertx.createHttpServer(options).requestHandler(request -> request.body().onSuccess(body -> {
            seen.add(request.method() + " " + request.authority() + " " + request.uri() + " sni=" + request.connection().indicatedServerName());
            request.response().setStatusCode(status).end();
        }));
        return server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
    }

    /** Sends the outcome of approval apr_test, as delivery dlv_test, to {@code url} at the loopback address. */
    private static Future<Void> send(CallbackSender sender, String url) {
        return sender.send("dlv_test", "apr_test", url, "{\"status\":\"approved\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8), LOOPBACK);
    }

    private static void await(Future<Void> sent) throws Exception {
        sent.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
    }

    private static ExecutionException assertFailed(Future<Void> sent) throws Exception {
        try {
            sent.toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return e;
        }
        throw new AssertionError("the callback was delivered");
    }
}
