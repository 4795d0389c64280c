package dev.countersign.cluster.store;

import com.hazelcast.map.EntryStore;
import dev.countersign.cluster.Freshness;
import dev.countersign.cluster.approval.PendingApproval;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable copy of {@code countersign.approvals}, written through: Hazelcast stores each change
 * here before it changes the entry in memory, so a change the database refused is not made (the
 * caller gets {@link StoreUnavailableException}) and one that was acknowledged survives any restart.
 *
 * <p>Loading: every row not past its keep-until time is loaded, eagerly, when the map is first used
 * by the cluster, with its keep-until as the entry's expiry; rows past it are deleted then. An
 * approval is stored in memory before anything can ask for it and memory is never evicted, so a key
 * missing in memory is an approval that does not exist (a new id being created, an unknown id asked
 * about): {@link #load} answers null without asking the database, and the hot path never reads it.
 */
public final class ApprovalMapStore implements EntryStore<String, PendingApproval> {
    private static final Logger LOG = LoggerFactory.getLogger(ApprovalMapStore.class);
    private static final String UPSERT_COLUMNS = "id, status, expires_at, keep_until, version, body, stored_at";
    private final ApprovalDatabase db;
    private final Freshness freshness;
    private final String upsert;

    /** A store on {@code db}; a version it failed to store is withdrawn from {@code freshness}, since it was never made. */
    public ApprovalMapStore(ApprovalDatabase db, Freshness freshness) {
        this.db = db;
        this.freshness = freshness;
        this.upsert = db.dialect().upsert("countersign_approvals", "id", UPSERT_COLUMNS.split(", "));
    }

    static Timestamp at(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    /** The keep-until time of an entry expiring at {@code expirationTime} (epoch millis), or null when it does not expire. */
    static Timestamp keepUntil(long expirationTime) {
        return expirationTime <= 0 || expirationTime == Long.MAX_VALUE ? null : new Timestamp(expirationTime);
    }

    @Override
    public void store(String key, MetadataAwareValue<PendingApproval> value) {
        PendingApproval a = value.getValue();
        try {
            db.write("approval " + key, c -> {
                try (PreparedStatement p = c.prepareStatement(upsert)) {
                    bind(p, key, a, value.getExpirationTime());
                    return p.executeUpdate();
                }
            });
        } catch (StoreUnavailableException e) {
            freshness.withdraw(a.id(), a.version());
            throw e;
        }
    }

    private void bind(PreparedStatement p, String key, PendingApproval a, long expirationTime) throws java.sql.SQLException {
        p.setString(1, key);
        p.setString(2, a.status().name());
        p.setTimestamp(3, at(a.expiresAt()));
        p.setTimestamp(4, keepUntil(expirationTime));
        p.setLong(5, a.version());
        p.setBytes(6, ApprovalBodies.encode(a));
        p.setTimestamp(7, at(db.clock().instant()));
    }

    @Override
    public void storeAll(Map<String, MetadataAwareValue<PendingApproval>> map) {
        for (Map.Entry<String, MetadataAwareValue<PendingApproval>> e : map.entrySet()) {
            store(e.getKey(), e.getValue());
        }
    }

    @Override
    public void delete(String key) {
        db.write("removal of approval " + key, c -> {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM countersign_approvals WHERE id = ?")) {
                p.setString(1, key);
                return p.executeUpdate();
            }
        });
    }

    @Override
    public void deleteAll(Collection<String> keys) {
        for (String key : keys) {
            delete(key);
        }
    }

    /** Null: every approval that exists is in memory (see the class comment). */
    @Override
    public MetadataAwareValue<PendingApproval> load(String key) {
        return null;
    }

    @Override
    public Map<String, MetadataAwareValue<PendingApproval>> loadAll(Collection<String> keys) {
        Map<String, MetadataAwareValue<PendingApproval>> loaded = new HashMap<>();
        List<String> ids = new ArrayList<>(keys);
        for (int from = 0; from < ids.size(); from += 500) {
            List<String> batch = ids.subList(from, Math.min(ids.size(), from + 500));
            db.read("approvals", c -> {
                String marks = String.join(", ", java.util.Collections.nCopies(batch.size(), "?"));
                try (PreparedStatement p = c.prepareStatement("SELECT id, keep_until, body FROM countersign_approvals WHERE id IN ("
                        + marks + ")")) {
                    for (int i = 0; i < batch.size(); i++) {
                        p.setString(i + 1, batch.get(i));
                    }
                    try (ResultSet r = p.executeQuery()) {
                        while (r.next()) {
                            PendingApproval a = ApprovalBodies.decode(r.getBytes(3));
                            if (a == null) {
                                LOG.error("the approval store's row {} holds no approval Countersign wrote; it is not loaded", r.getString(1));
                                continue;
                            }
                            Timestamp keep = r.getTimestamp(2);
                            loaded.put(r.getString(1), keep == null ? new MetadataAwareValue<>(a)
                                    : new MetadataAwareValue<>(a, keep.getTime()));
                        }
                    }
                }
                return null;
            });
        }
        return loaded;
    }

    /** The ids of every approval kept; those past their keep-until time are deleted first. */
    @Override
    public Iterable<String> loadAllKeys() {
        return db.read("approval ids", c -> {
            Timestamp now = at(db.clock().instant());
            try (PreparedStatement p = c.prepareStatement("DELETE FROM countersign_approvals WHERE keep_until <= ?")) {
                p.setTimestamp(1, now);
                int purged = p.executeUpdate();
                if (purged > 0) {
                    LOG.info("the approval store dropped {} approval(s) kept past their time", purged);
                }
            }
            List<String> ids = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement("SELECT id FROM countersign_approvals")) {
                try (ResultSet r = p.executeQuery()) {
                    while (r.next()) {
                        ids.add(r.getString(1));
                    }
                }
            }
            LOG.info("the approval store holds {} approval(s); loading them", ids.size());
            return ids;
        });
    }
}
