package dev.countersign.connectors.teams;

/**
 * Whether a request comes from the Bot Connector, as {@link BotFrameworkAuth} finds: the
 * {@link BotFrameworkToken} that proves it, or a {@link TeamsRefusal} saying why not.
 */
public sealed interface Authentication permits BotFrameworkToken, TeamsRefusal {
}
