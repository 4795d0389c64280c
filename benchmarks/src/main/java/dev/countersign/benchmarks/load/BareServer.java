package dev.countersign.benchmarks.load;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * The bare Vert.x 5 server of the HTTP targets: per request, read the body, parse it into a
 * {@link JsonObject} with Vert.x's own codec, and answer a small JSON object naming the action it read.
 * Nothing of Countersign runs in it (no reader, no rules, no audit log, no records, no metrics): it is
 * what the transport and a JSON parse cost on this machine, the denominator of "≥ 0.70 of a bare server".
 * A body that is not a JSON object with an {@code action.name} is answered 400, so a load that sends
 * the wrong body shows up as errors rather than as speed.
 *
 * <pre>java -cp benchmarks.jar dev.countersign.benchmarks.load.BareServer PORT EVENT_LOOPS</pre>
 */
public final class BareServer extends VerticleBase {
    private final int port;

    BareServer(int port) {
        this.port = port;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int loops = Integer.parseInt(args[1]);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        vertx.deployVerticle(() -> new BareServer(port), new DeploymentOptions().setInstances(loops))
                .onSuccess(id -> System.out.println("bare server listening on 127.0.0.1:" + port))
                .onFailure(failure -> {
                    failure.printStackTrace();
                    System.exit(1);
                });
    }

    @Override
    public Future<?> start() {
        return vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            String action;
            try {
                action = new JsonObject(body).getJsonObject("action").getString("name");
            } catch (RuntimeException e) {
                action = null;
            }
            if (action == null) {
                request.response().setStatusCode(400).putHeader("content-type", "application/json")
                        .end("{\"error\":\"expected an action context\"}");
                return;
            }
            Buffer answer = new JsonObject().put("verdict", "deny").put("action", action).toBuffer();
            request.response().putHeader("content-type", "application/json").end(answer);
        })).listen(port, "127.0.0.1");
    }
}
