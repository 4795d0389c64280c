package dev.countersign.pdp.chat;

import com.hazelcast.core.HazelcastInstance;
import dev.countersign.connectors.Secret;
import dev.countersign.connectors.teams.BotFrameworkAuth;
import dev.countersign.connectors.teams.BotFrameworkSettings;
import dev.countersign.connectors.teams.TeamsConnector;
import dev.countersign.connectors.teams.TeamsInteractions;
import dev.countersign.connectors.teams.TeamsSettings;
import dev.countersign.pdp.approval.ApprovalService;
import dev.countersign.pdp.config.ChatSettings;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.decision.AuditTrail;
import dev.countersign.pdp.events.Retries;
import io.vertx.core.Vertx;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reviewers in Microsoft Teams, put together from {@code connectors.teams}: the connector posting and
 * updating cards (with the workflow's refresh list, {@link TeamsReviewCards}), its sink, the Bot
 * Framework's key set inbound activities are checked against, and the messaging endpoint's handler.
 */
final class TeamsChannel {
    private static final Logger LOG = LoggerFactory.getLogger(TeamsChannel.class);

    final TeamsReviewCards cards;
    final ChatSink sink;
    final TeamsMessagesHandler handler;
    private final BotFrameworkAuth auth;

    private TeamsChannel(TeamsReviewCards cards, ChatSink sink, TeamsMessagesHandler handler, BotFrameworkAuth auth) {
        this.cards = cards;
        this.sink = sink;
        this.handler = handler;
        this.auth = auth;
    }

    static TeamsChannel of(Vertx vertx, ServerConfig config, HazelcastInstance hazelcast, ApprovalService approvals, AuditTrail audit,
                           Clock clock) {
        ChatSettings chat = config.chat();
        ChatSettings.Teams t = chat.teams();
        TeamsSettings settings = TeamsSettings.of(t.appId(), Secret.of(t.appPassword()), t.tenantId()).withTokenUrl(t.tokenUrl())
                .withOpenIdMetadataUrl(t.openidMetadataUrl()).withServiceUrl(t.serviceUrl());
        TeamsUsers users = new TeamsUsers(hazelcast, config.reviewers());
        TeamsReviewCards cards = new TeamsReviewCards(new TeamsConnector(vertx, settings), users, config.reviewers());
        ChatSink sink = new ChatSink(cards, config.reviewers(), r -> r.teams(), chat.publicUrl(), clock);
        BotFrameworkAuth auth = new BotFrameworkAuth(vertx, BotFrameworkSettings.of(t.appId(), t.tenantId())
                .withOpenIdMetadataUrl(t.openidMetadataUrl()));
        TeamsMessagesHandler handler = new TeamsMessagesHandler(vertx, new TeamsInteractions(auth), cards, users, config.reviewers(),
                approvals, audit, t.serviceUrl(), chat.publicUrl(), config.node(), clock);
        return new TeamsChannel(cards, sink, handler, auth);
    }

    /** Fetches the Bot Framework's keys; until they come, activities are refused (503) and cards are still posted. */
    void start() {
        auth.start().onFailure(failure -> LOG.warn("the Bot Framework's signing keys could not be fetched yet ({}); Teams clicks are"
                + " refused until they are, and they are fetched again periodically", Retries.describe(failure)));
    }

    void close() {
        auth.close();
        cards.close();
    }
}
