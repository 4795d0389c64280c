package dev.countersign.connectors.teams;

/**
 * What an activity POSTed to the bot's messaging endpoint turned out to be, as
 * {@link TeamsInteractions} reads it: a {@link TeamsVote}, a {@link CardRefresh}, an authentic
 * activity that is {@link IgnoredActivity ignored}, or a {@link TeamsRefusal}.
 *
 * <p>How to answer the Bot Connector:
 * <ul>
 *   <li>{@link TeamsVote} from {@code Action.Execute}: HTTP 200 with
 *       {@link InvokeResponses#card} of the card as it now stands (it replaces the card the
 *       reviewer sees), or {@link InvokeResponses#badRequest} when the vote is refused, within a few
 *       seconds (Teams gives up after about 10–15 s);</li>
 *   <li>{@link TeamsVote} from a legacy {@code Action.Submit} ({@link TeamsVote#legacySubmit()}):
 *       HTTP 200 with an empty body, then update the card with a PUT of its activity;</li>
 *   <li>{@link CardRefresh}: HTTP 200 with {@link InvokeResponses#card} of the card as it stands
 *       for that user; never a vote;</li>
 *   <li>{@link IgnoredActivity}: HTTP 200 with an empty body;</li>
 *   <li>{@link TeamsRefusal}: its {@link TeamsRefusal#status() status} with
 *       {@link TeamsRefusal#invokeResponse()}; nothing else done.</li>
 * </ul>
 * Whether the user may vote is not decided here.
 */
public sealed interface TeamsInteraction permits TeamsVote, CardRefresh, IgnoredActivity, TeamsRefusal {
}
