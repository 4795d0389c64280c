package dev.countersign.pdp.chat;

import dev.countersign.connectors.ApprovalMessage;
import dev.countersign.connectors.ChatConnector;
import dev.countersign.connectors.Destination;
import dev.countersign.connectors.Health;
import dev.countersign.connectors.Sent;
import dev.countersign.connectors.teams.TeamsConnector;
import dev.countersign.connectors.teams.TeamsMention;
import dev.countersign.pdp.config.ReviewerDirectory;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The Teams connector as the chat sink uses it, with what only the workflow knows: each card's
 * {@code refresh} lists the reviewers of its groups Teams knows ({@link TeamsUsers}), so that each
 * sees the card as it stands for them; mentions show the reviewer's name from the directory; a
 * person is told the outcome only where Teams can address them (a Teams user id or an Entra object
 * id, never an email address, which Teams cannot look up).
 */
final class TeamsReviewCards implements ChatConnector {
    private final TeamsConnector teams;
    private final TeamsUsers users;
    private final ReviewerDirectory directory;

    TeamsReviewCards(TeamsConnector teams, TeamsUsers users, ReviewerDirectory directory) {
        this.teams = teams;
        this.users = users;
        this.directory = directory;
    }

    TeamsConnector connector() {
        return teams;
    }

    /** The user ids a card of {@code message} is refreshed for: while pending, the reviewers of its groups Teams knows. */
    List<String> refreshFor(ApprovalMessage message) {
        return message.status().isFinal() ? null : users.reviewersOf(message.groups().stream().map(ApprovalMessage.Group::name).toList());
    }

    @Override
    public String kind() {
        return teams.kind();
    }

    @Override
    public Destination destination(String spec) {
        return teams.destination(spec);
    }

    @Override
    public Future<Health> health() {
        return teams.health();
    }

    @Override
    public Future<Void> close() {
        return teams.close();
    }

    @Override
    public Future<Sent> post(Destination destination, ApprovalMessage message) {
        return teams.post(destination, message, refreshFor(message));
    }

    @Override
    public Future<Optional<Sent>> find(Destination destination, String approvalId, Instant since) {
        return teams.find(destination, approvalId, since);
    }

    @Override
    public Future<Void> update(Sent sent, ApprovalMessage message) {
        return teams.update(sent, message, refreshFor(message));
    }

    @Override
    public Future<Sent> reply(Sent parent, String text, List<String> mention) {
        List<TeamsMention> named = mention.stream().map(id -> {
            ReviewerDirectory.Reviewer r = directory.byTeams(id);
            return new TeamsMention(id, r != null ? r.id() : id);
        }).toList();
        return teams.replyMentioning(parent, text, named);
    }

    @Override
    public boolean reaches(String personHandle) {
        return teams.reaches(personHandle);
    }

    /** Tells the person {@code personHandle} names ({@link #reaches}: a Teams user id or an Entra object id); anyone else is not told here. */
    @Override
    public Future<Void> notify(String personHandle, ApprovalMessage message) {
        if (!reaches(personHandle)) {
            return Future.succeededFuture();
        }
        return teams.notify(personHandle, message);
    }
}
