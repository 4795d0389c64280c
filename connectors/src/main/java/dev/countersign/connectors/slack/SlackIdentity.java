package dev.countersign.connectors.slack;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.connectors.ConnectorFailure;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Who the connector's token is: {@code auth.test}, asked once and kept (a token's bot and workspace
 * do not change). Concurrent callers share one request; a failure is not kept, so the next caller
 * asks again.
 */
final class SlackIdentity {
    private final SlackWebApi api;
    private final AtomicReference<Future<SlackBot>> known = new AtomicReference<>();

    SlackIdentity(SlackWebApi api) {
        this.api = api;
    }

    /** {@code auth.test} now, whatever is kept: its answer; the bot it names is kept. */
    Future<JsonNode> test() {
        return api.post("auth.test", SlackWebApi.MAPPER.createObjectNode(), null).onSuccess(answer -> {
            SlackBot bot = SlackBot.of(answer);
            if (bot != null) {
                known.set(Future.succeededFuture(bot));
            }
        });
    }

    /** The bot of the token: kept from an earlier {@code auth.test}, else asked for now. */
    Future<SlackBot> bot() {
        while (true) {
            Future<SlackBot> kept = known.get();
            if (kept != null) {
                return kept;
            }
            Promise<SlackBot> asking = Promise.promise();
            if (known.compareAndSet(null, asking.future())) {
                api.post("auth.test", SlackWebApi.MAPPER.createObjectNode(), null).compose(SlackIdentity::bot).onComplete(done -> {
                    if (done.failed()) {
                        known.compareAndSet(asking.future(), null);
                    }
                    asking.handle(done);
                });
                return asking.future();
            }
        }
    }

    private static Future<SlackBot> bot(JsonNode answer) {
        SlackBot bot = SlackBot.of(answer);
        return bot == null
                ? Future.failedFuture(ConnectorFailure.transientFailure("invalid_answer", "Slack's auth.test answer names no workspace and bot user"))
                : Future.succeededFuture(bot);
    }
}
