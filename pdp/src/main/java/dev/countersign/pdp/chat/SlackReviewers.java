package dev.countersign.pdp.chat;

import dev.countersign.connectors.ConnectorFailure;
import dev.countersign.connectors.slack.SlackConnector;
import dev.countersign.pdp.config.ReviewerDirectory;
import io.vertx.core.Future;

/**
 * Who a Slack user is as a reviewer: the directory's entry whose {@code slack} handle is the user's
 * id, else the directory identity equal to the email Slack shows for the user ({@code users.info},
 * cached by the connector). Answers null for someone who is neither.
 */
final class SlackReviewers {
    private final SlackConnector slack;
    private final ReviewerDirectory directory;

    SlackReviewers(SlackConnector slack, ReviewerDirectory directory) {
        this.slack = slack;
        this.directory = directory;
    }

    Future<String> reviewerOf(String userId) {
        ReviewerDirectory.Reviewer byHandle = directory.bySlack(userId);
        if (byHandle != null) {
            return Future.succeededFuture(byHandle.id());
        }
        return slack.email(userId).map(email -> {
            ReviewerDirectory.Reviewer byEmail = directory.reviewer(email);
            return byEmail == null ? null : byEmail.id();
        }).recover(failure -> failure instanceof ConnectorFailure f && f.isPermanent()
                ? Future.succeededFuture(null) : Future.failedFuture(failure));
    }
}
