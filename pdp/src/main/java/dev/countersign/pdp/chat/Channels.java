package dev.countersign.pdp.chat;

import com.hazelcast.core.HazelcastInstance;
import dev.countersign.cluster.SeenRequests;
import dev.countersign.cluster.approval.ApprovalStore;
import dev.countersign.connectors.Connector;
import dev.countersign.connectors.Secret;
import dev.countersign.connectors.slack.SlackConnector;
import dev.countersign.connectors.slack.SlackInteractions;
import dev.countersign.connectors.slack.SlackSettings;
import dev.countersign.connectors.webhook.Egress;
import dev.countersign.connectors.webhook.WebhookConnector;
import dev.countersign.pdp.approval.ApprovalService;
import dev.countersign.pdp.approval.CallbackDestinations;
import dev.countersign.pdp.approval.CallbackSink;
import dev.countersign.pdp.config.ChatSettings;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.decision.AuditTrail;
import dev.countersign.pdp.events.AuditSink;
import dev.countersign.pdp.events.EventDispatcher;
import dev.countersign.pdp.events.EventSink;
import dev.countersign.pdp.events.WaiterSink;
import dev.countersign.pdp.http.HealthHandler;
import dev.countersign.pdp.metrics.ServerMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Everything that takes an approval's events, put together from the configuration: the connectors
 * ({@code connectors.slack}, {@code connectors.teams}, {@code connectors.webhook}), the sinks over them and over the audit
 * log, waiters and callbacks, the dispatcher delivering to them, the Slack Request URL's and the Teams messaging endpoint's handlers,
 * and their readiness checks and counters. Every destination a route or escalation names is checked
 * by its connector here, before the node serves: a bad one fails the start, naming its key.
 */
public final class Channels implements AutoCloseable {
    private final Vertx vertx;
    private final EventDispatcher dispatcher;
    private final SlackConnector slack;
    private final WebhookConnector webhook;
    private final SlackInteractionsHandler slackHandler;
    private final ChatSink slackSink;
    private final TeamsChannel teams;
    private final CallbackSink callbacks;
    private final List<ConnectorHealth> health = new ArrayList<>();

    private Channels(Vertx vertx, EventDispatcher dispatcher, SlackConnector slack, WebhookConnector webhook,
                     SlackInteractionsHandler slackHandler, ChatSink slackSink, TeamsChannel teams, CallbackSink callbacks) {
        this.vertx = vertx;
        this.dispatcher = dispatcher;
        this.slack = slack;
        this.webhook = webhook;
        this.slackHandler = slackHandler;
        this.slackSink = slackSink;
        this.teams = teams;
        this.callbacks = callbacks;
        if (slack != null) {
            health.add(new ConnectorHealth(slack));
        }
        if (teams != null) {
            health.add(new ConnectorHealth(teams.cards));
        }
    }

    /**
     * The channels of {@code config}.
     *
     * @throws IllegalArgumentException naming the key of a destination its connector refuses
     */
    public static Channels of(Vertx vertx, ServerConfig config, HazelcastInstance hazelcast, ApprovalStore store,
                              ApprovalService approvals, CallbackSink callbacks, AuditTrail audit, Clock clock) {
        ChatSettings chat = config.chat();
        SlackConnector slack = null;
        if (chat.slack() != null) {
            SlackSettings settings = SlackSettings.of(Secret.of(chat.slack().botToken())).withBaseUrl(chat.slack().apiBase());
            slack = new SlackConnector(vertx, settings);
        }
        WebhookConnector webhook = null;
        if (chat.webhook() != null) {
            CallbackDestinations rules = new CallbackDestinations(chat.webhook().hosts());
            Egress egress = Egress.blocking(vertx, url -> {
                try {
                    return rules.resolve(url.toString());
                } catch (CallbackDestinations.Refused refused) {
                    throw new Egress.Refused(refused.getMessage());
                }
            });
            webhook = new WebhookConnector(vertx, Secret.of(chat.webhook().secret()), egress);
        }
        TeamsChannel teams = chat.teams() == null ? null : TeamsChannel.of(vertx, config, hazelcast, approvals, audit, clock);
        Map<String, Connector> byKind = new java.util.HashMap<>();
        if (slack != null) {
            byKind.put(slack.kind(), slack);
        }
        if (webhook != null) {
            byKind.put(webhook.kind(), webhook);
        }
        if (teams != null) {
            byKind.put(teams.cards.kind(), teams.cards);
        }
        for (Map.Entry<String, String> d : chat.everyDestination().entrySet()) {
            Connector connector = byKind.get(dev.countersign.connectors.Destination.kindOf(d.getKey()));
            if (connector == null) {
                throw new IllegalArgumentException(d.getValue() + ": no connector is configured for " + d.getKey());
            }
            try {
                connector.destination(d.getKey());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(d.getValue() + ": " + e.getMessage(), e);
            }
        }
        List<EventSink> sinks = new ArrayList<>(List.of(new AuditSink(vertx, audit, config.node(), clock),
                new WaiterSink(vertx, config.node()), callbacks));
        ChatSink slackSink = null;
        SlackInteractionsHandler handler = null;
        if (slack != null) {
            slackSink = new ChatSink(slack, config.reviewers(), r -> r.slack(), chat.publicUrl(), clock);
            sinks.add(slackSink);
            SlackConnector connector = slack;
            Future<String> team = chat.slack().teamId() != null ? Future.succeededFuture(chat.slack().teamId()) : connector.teamId();
            handler = new SlackInteractionsHandler(vertx, slack, new SlackInteractions(Secret.of(chat.slack().signingSecret()), clock,
                    SlackInteractions.REMEMBERED), new SeenRequests(hazelcast), config.reviewers(), approvals, team);
        }
        if (teams != null) {
            sinks.add(teams.sink);
        }
        if (webhook != null) {
            sinks.add(new WebhookSink(webhook, chat.publicUrl(), clock));
        }
        EventDispatcher dispatcher = new EventDispatcher(vertx, store, config.node(), sinks, clock, config.approvals().sweepInterval(),
                approvals::escalation);
        return new Channels(vertx, dispatcher, slack, webhook, handler, slackSink, teams, callbacks);
    }

    public void start() {
        if (teams != null) {
            teams.start();
        }
        dispatcher.start();
        health.forEach(h -> h.start(vertx));
    }

    /** The Slack Request URL's handler, or one saying Slack is not configured. */
    public io.vertx.core.Handler<RoutingContext> slackInteractions() {
        return slackHandler != null ? slackHandler::receive : SlackInteractionsHandler::notConfigured;
    }

    /** The Teams messaging endpoint's handler, or one saying Teams is not configured. */
    public io.vertx.core.Handler<RoutingContext> teamsMessages() {
        return teams != null ? teams.handler::receive : TeamsMessagesHandler::notConfigured;
    }

    /** The readiness checks of the connectors (reported, not required). */
    public List<HealthHandler.Check> checks() {
        return health.stream().map(ConnectorHealth::check).toList();
    }

    public void registerMetrics(ServerMetrics metrics) {
        metrics.counters("countersign_event_deliveries", "Deliveries of approval events settled on this node, by sink kind and outcome",
                List.of("sink", "outcome"), dispatcher::counts);
        if (slackSink != null) {
            metrics.counters("countersign_slack_calls", "Slack Web API calls made for approval cards, by kind and outcome",
                    List.of("call", "outcome"), slackSink::calls);
        }
        if (teams != null) {
            metrics.counters("countersign_teams_calls", "Bot Connector calls made for approval cards, by kind and outcome",
                    List.of("call", "outcome"), teams.sink::calls);
            metrics.counters("countersign_teams_activities", "Activities at the Teams messaging endpoint, by outcome", List.of("outcome"),
                    teams.handler::outcomes);
        }
        if (slackHandler != null) {
            metrics.counters("countersign_slack_interactions", "Requests to the Slack Request URL, by outcome", List.of("outcome"),
                    slackHandler::outcomes);
        }
    }

    @Override
    public void close() {
        dispatcher.close();
        health.forEach(h -> h.stop(vertx));
        if (slack != null) {
            slack.close();
        }
        if (webhook != null) {
            webhook.close();
        }
        if (teams != null) {
            teams.close();
        }
        callbacks.close();
    }
}
