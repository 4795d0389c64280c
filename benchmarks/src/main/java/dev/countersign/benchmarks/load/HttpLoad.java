package dev.countersign.benchmarks.load;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A closed-loop HTTP load generator: {@code connections} connections each POST the same body, sending
 * the next request when the answer arrives, for a warm-up and then a measured period. Prints one line
 * of {@code key=value} results: requests per second, latency percentiles (from every measured
 * request, not sampled), and the count of answers that were not 200.
 *
 * <pre>java -cp benchmarks.jar dev.countersign.benchmarks.load.HttpLoad URL BODY_FILE CONNECTIONS WARMUP_S MEASURE_S [HEADER=VALUE...]</pre>
 */
public final class HttpLoad {
    private HttpLoad() {
    }

    public static void main(String[] args) throws Exception {
        URI url = URI.create(args[0]);
        Buffer body = Buffer.buffer(Files.readAllBytes(Path.of(args[1])));
        int connections = Integer.parseInt(args[2]);
        long warmupMillis = Long.parseLong(args[3]) * 1000;
        long measureMillis = Long.parseLong(args[4]) * 1000;
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setPipelining(false),
                new PoolOptions().setHttp1MaxSize(connections));
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
                .putHeader("Content-Type", "application/json");
        for (int i = 5; i < args.length; i++) {
            String[] header = args[i].split("=", 2);
            request.putHeader(header[0], header[1]);
        }
        long[] latencies = new long[20_000_000];
        AtomicLong measured = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicBoolean measuring = new AtomicBoolean(false);
        AtomicBoolean running = new AtomicBoolean(true);
        CountDownLatch done = new CountDownLatch(connections);
        for (int c = 0; c < connections; c++) {
            vertx.runOnContext(v -> send(client, request, body, running, measuring, latencies, measured, failures, done));
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
                n == 0 ? 0 : sorted[n - 1] / 1e6, failures.get(), connections);
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private static void send(HttpClient client, RequestOptions request, Buffer body, AtomicBoolean running, AtomicBoolean measuring,
                             long[] latencies, AtomicLong measured, AtomicLong failures, CountDownLatch done) {
        if (!running.get()) {
            done.countDown();
            return;
        }
        long start = System.nanoTime();
        client.request(request).compose(r -> r.send(body)).compose(response -> {
            if (response.statusCode() != 200 && measuring.get()) {
                failures.incrementAndGet();
            }
            return response.body();
        }).onComplete(result -> {
            if (result.failed() && measuring.get()) {
                failures.incrementAndGet();
            }
            if (measuring.get()) {
                long i = measured.getAndIncrement();
                if (i < latencies.length) {
                    latencies[(int) i] = System.nanoTime() - start;
                }
            }
            send(client, request, body, running, measuring, latencies, measured, failures, done);
        });
    }

    private static double pct(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)] / 1e6;
    }
}
