package dev.countersign.connectors.teams;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/**
 * Reads what the Bot Connector POSTs to the bot's messaging endpoint (the pdp mounts it and hands
 * over the headers and the exact body bytes): authenticates it, then says what it is.
 *
 * <p>In this order, the first failure answering:
 * <ol>
 *   <li>exactly one {@code Authorization} header whose token verifies by itself
 *       ({@link BotFrameworkAuth#verify}: 401, or 503 when no signing keys can be had) — before
 *       the body is read, so an unauthenticated sender learns nothing about it;</li>
 *   <li>the body is an activity ({@link TeamsActivity#read}: 400, 413);</li>
 *   <li>the token proves that activity ({@link BotFrameworkAuth#admit}: 401 for another
 *       serviceUrl, 403 for another channel, tenant, or a key not endorsed for Teams);</li>
 *   <li>what it asks ({@link TeamsActivity#meaning()}: a vote, a refresh, nothing, or 400).</li>
 * </ol>
 * How to answer each is said on {@link TeamsInteraction}. Whether the user may vote is for the
 * caller to decide.
 */
public final class TeamsInteractions {
    static final String AUTHORIZATION = "Authorization";

    private final BotFrameworkAuth auth;

    public TeamsInteractions(BotFrameworkAuth auth) {
        this.auth = auth;
    }

    /**
     * What the request with {@code headers} (case-insensitive, as Vert.x gives them) and exactly
     * {@code rawBody} is. The future never fails: everything a sender controls ends as a
     * {@link TeamsInteraction}.
     */
    public Future<TeamsInteraction> receive(MultiMap headers, Buffer rawBody) {
        List<String> authorizations = headers.getAll(AUTHORIZATION);
        if (authorizations.size() > 1) {
            return Future.succeededFuture(TeamsRefusal.unauthorized("more than one Authorization header"));
        }
        String authorization = authorizations.isEmpty() ? null : authorizations.get(0);
        return auth.verify(authorization).map(checked -> {
            if (!(checked instanceof BotFrameworkToken)) {
                return (TeamsRefusal) checked;
            }
            ActivityReading read = TeamsActivity.read(rawBody);
            if (!(read instanceof TeamsActivity)) {
                return (TeamsRefusal) read;
            }
            TeamsActivity activity = (TeamsActivity) read;
            Authentication admitted = auth.admit((BotFrameworkToken) checked, activity);
            if (admitted instanceof TeamsRefusal) {
                return (TeamsRefusal) admitted;
            }
            return activity.meaning();
        }).otherwise(e -> new TeamsRefusal(500, "internal_error", "the request could not be checked (" + e.getClass().getSimpleName() + ")"));
    }
}
