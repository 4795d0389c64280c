package dev.countersign.connectors.teams;

import java.util.Objects;

/**
 * A person to mention in a reply: their Teams user id ({@code 29:…}) or Entra (AAD) object id, and the
 * name the mention shows (Teams shows the text of the mention as given, it does not look the name up).
 */
public record TeamsMention(String id, String name) {
    public TeamsMention {
        if (!TeamsIds.isUser(id) && !TeamsIds.isAadObjectId(id)) {
            throw new IllegalArgumentException(TeamsIds.shown(id) + " is not a Teams user id to mention; give the user's id (29:…) or Entra object id");
        }
        Objects.requireNonNull(name, "a mention shows a name");
    }
}
