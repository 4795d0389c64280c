package dev.countersign.connectors.teams;

import java.time.Instant;
import java.util.List;

/**
 * A Bot Framework token that verified: RS256 signed by the published key {@code keyId}, from the
 * Bot Framework's issuer, for this bot, valid now. It proves an activity only once
 * {@link BotFrameworkAuth#admit} has matched it against that activity.
 *
 * @param keyId        the {@code kid} of the key that signed it
 * @param endorsements the channels that key is endorsed for, or null when the key lists none
 * @param issuer       its {@code iss}
 * @param audience     the bot's app id, as found in its {@code aud}
 * @param serviceUrl   its {@code serviceurl} claim: the only Bot Connector base it vouches for
 * @param notBefore    its {@code nbf}, or null
 * @param expiresAt    its {@code exp}
 */
public record BotFrameworkToken(String keyId, List<String> endorsements, String issuer, String audience, String serviceUrl,
                                Instant notBefore, Instant expiresAt) implements Authentication {
    public BotFrameworkToken {
        endorsements = endorsements == null ? null : List.copyOf(endorsements);
    }
}
