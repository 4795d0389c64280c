package dev.countersign.pdp.chat;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.replicatedmap.ReplicatedMap;
import dev.countersign.pdp.config.ReviewerDirectory;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The Teams user ids ({@code 29:…}) of the directory's Teams reviewers, learned cluster-wide from the
 * authenticated activities they send (a click, a card refresh), by their Entra object id: the
 * directory names reviewers by object id, while a card's {@code refresh.userIds} takes user ids.
 * Only reviewers in the directory are kept, so the map is bounded by the directory. Reads are local.
 */
final class TeamsUsers {
    static final String MAP = "countersign.teams-users";
    /** Teams refreshes a card by itself for at most this many listed users. */
    static final int MAX_REFRESH = 60;

    private final ReplicatedMap<String, String> ids;
    private final ReviewerDirectory directory;

    TeamsUsers(HazelcastInstance hazelcast, ReviewerDirectory directory) {
        this.ids = hazelcast.getReplicatedMap(MAP);
        this.directory = directory;
    }

    /** Remembers that the reviewer with object id {@code aadObjectId} is {@code userId} in Teams; ignores anyone else. */
    void learn(String aadObjectId, String userId) {
        if (aadObjectId == null || userId == null || !userId.startsWith("29:") || userId.length() > 200
                || directory.byTeams(aadObjectId) == null) {
            return;
        }
        String key = aadObjectId.toLowerCase(Locale.ROOT);
        if (!userId.equals(ids.get(key))) {
            ids.put(key, userId);
        }
    }

    /** The known Teams user ids of the reviewers of {@code groups}, each once, at most {@value #MAX_REFRESH}. */
    List<String> reviewersOf(List<String> groups) {
        Set<String> out = new LinkedHashSet<>();
        for (String group : groups) {
            for (ReviewerDirectory.Reviewer r : directory.members(group)) {
                String id = r.teams() == null ? null : ids.get(r.teams().toLowerCase(Locale.ROOT));
                if (id != null && out.size() < MAX_REFRESH) {
                    out.add(id);
                }
            }
        }
        return new ArrayList<>(out);
    }
}
