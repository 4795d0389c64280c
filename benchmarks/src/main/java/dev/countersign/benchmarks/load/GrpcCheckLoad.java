package dev.countersign.benchmarks.load;

import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.service.auth.v3.AttributeContext;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop gRPC load generator for Envoy's ext_authz {@code Check}: {@code calls} calls in
 * flight over {@code channels} HTTP/2 connections, each sending the same check as Envoy would
 * (a GET over https from a client address), the next when the answer arrives, for a warm-up and then
 * a measured period. Prints one line in {@link HttpLoad}'s {@code key=value} form; {@code non200}
 * counts the calls that failed (a call error, not a deny: a deny is an answer).
 *
 * <pre>java -cp benchmarks.jar dev.countersign.benchmarks.load.GrpcCheckLoad HOST PORT CALLS WARMUP_S MEASURE_S [CHANNELS]</pre>
 */
public final class GrpcCheckLoad {
    private GrpcCheckLoad() {
    }

    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        int calls = Integer.parseInt(args[2]);
        long warmupMillis = Long.parseLong(args[3]) * 1000;
        long measureMillis = Long.parseLong(args[4]) * 1000;
        int channelCount = args.length > 5 ? Integer.parseInt(args[5]) : 2;
        CheckRequest request = CheckRequest.newBuilder().setAttributes(AttributeContext.newBuilder()
                .setSource(AttributeContext.Peer.newBuilder().setAddress(Address.newBuilder()
                        .setSocketAddress(SocketAddress.newBuilder().setAddress("203.0.113.9").setPortValue(43210))))
                .setRequest(AttributeContext.Request.newBuilder().setHttp(AttributeContext.HttpRequest.newBuilder()
                        .setMethod("GET").setHost("shop.example.com").setPath("/orders/42?view=summary").setScheme("https")
                        .setProtocol("HTTP/1.1").putHeaders("x-forwarded-user", "alice@example.com")
                        .putHeaders("user-agent", "curl/8.5.0").putHeaders("accept", "*/*"))))
                .build();
        ManagedChannel[] channels = new ManagedChannel[channelCount];
        AuthorizationGrpc.AuthorizationStub[] stubs = new AuthorizationGrpc.AuthorizationStub[channelCount];
        for (int i = 0; i < channelCount; i++) {
            channels[i] = NettyChannelBuilder.forAddress(host, port).usePlaintext().build();
            stubs[i] = AuthorizationGrpc.newStub(channels[i]);
        }
        long[] latencies = new long[20_000_000];
        AtomicLong measured = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicBoolean measuring = new AtomicBoolean(false);
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch done = new CountDownLatch(calls);
        for (int c = 0; c < calls; c++) {
            send(stubs[c % channelCount], request, running, measuring, latencies, measured, failures, done);
        }
        Thread.sleep(warmupMillis);
        measuring.set(true);
        long started = System.nanoTime();
        Thread.sleep(measureMillis);
        measuring.set(false);
        long elapsed = System.nanoTime() - started;
        running.set(false);
        done.await(30, TimeUnit.SECONDS);
        int n = (int) Math.min(measured.get(), latencies.length);
        long[] sorted = Arrays.copyOf(latencies, n);
        Arrays.sort(sorted);
        System.out.printf("requests=%d rps=%.0f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f p999_ms=%.3f max_ms=%.3f non200=%d connections=%d%n",
                n, n / (elapsed / 1e9), pct(sorted, 0.50), pct(sorted, 0.90), pct(sorted, 0.99), pct(sorted, 0.999),
                n == 0 ? 0 : sorted[n - 1] / 1e6, failures.get(), calls);
        for (ManagedChannel channel : channels) {
            channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    private static void send(AuthorizationGrpc.AuthorizationStub stub, CheckRequest request, AtomicBoolean running, AtomicBoolean measuring,
                             long[] latencies, AtomicLong measured, AtomicLong failures, CountDownLatch done) {
        if (!running.get()) {
            done.countDown();
            return;
        }
        long start = System.nanoTime();
        stub.withDeadlineAfter(10, TimeUnit.SECONDS).check(request, new StreamObserver<>() {
            @Override
            public void onNext(CheckResponse value) {
            }

            @Override
            public void onError(Throwable t) {
                if (measuring.get()) {
                    failures.incrementAndGet();
                }
                next();
            }

            @Override
            public void onCompleted() {
                next();
            }

            private void next() {
                if (measuring.get()) {
                    long i = measured.getAndIncrement();
                    if (i < latencies.length) {
                        latencies[(int) i] = System.nanoTime() - start;
                    }
                }
                send(stub, request, running, measuring, latencies, measured, failures, done);
            }
        });
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
