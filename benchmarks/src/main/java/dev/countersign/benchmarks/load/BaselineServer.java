package dev.countersign.benchmarks.load;

import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.DecisionJson;
import dev.countersign.rules.model.ActionContext;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * The limit a decision server on Vert.x can reach here: per request, read the body, parse it as an
 * action context with the same reader Countersign uses, and answer a fixed decision as JSON. No rules,
 * no audit log, no cluster. Loaded the same way as the real server, it is the baseline of the ratio.
 *
 * <pre>java -cp benchmarks.jar dev.countersign.benchmarks.load.BaselineServer PORT EVENT_LOOPS</pre>
 */
public final class BaselineServer extends VerticleBase {
    private static final ActionContextReader READER = new ActionContextReader();
    private final int port;

    BaselineServer(int port) {
        this.port = port;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        int loops = Integer.parseInt(args[1]);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(loops));
        vertx.deployVerticle(() -> new BaselineServer(port), new DeploymentOptions().setInstances(loops))
                .onSuccess(id -> System.out.println("baseline listening on 127.0.0.1:" + port))
                .onFailure(failure -> {
                    failure.printStackTrace();
                    System.exit(1);
                });
    }

    @Override
    public Future<?> start() {
        return vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> {
            ActionContext context = READER.read(body.getBytes());
            Decision decision = new Decision("01J00000000000000000000000", Verdict.DENY,
                    List.of(new Reason("default", "", Verdict.DENY, "no rule matched for " + context.action().name(), null)),
                    null, "sha256:baseline");
            request.response().putHeader("content-type", "application/json").end(Buffer.buffer(DecisionJson.toBytes(decision)));
        })).listen(port, "127.0.0.1");
    }
}
