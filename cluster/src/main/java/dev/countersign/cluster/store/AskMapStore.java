package dev.countersign.cluster.store;

import com.hazelcast.map.EntryStore;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The durable copy of {@code countersign.approval-asks} (an ask's key to its latest approval's id),
 * written through and loaded eagerly as {@link ApprovalMapStore} is; a key missing in memory is an
 * ask never made, so {@link #load} answers null without asking the database.
 */
public final class AskMapStore implements EntryStore<String, String> {
    private final ApprovalDatabase db;
    private final String upsert;

    public AskMapStore(ApprovalDatabase db) {
        this.db = db;
        this.upsert = db.dialect().upsert("countersign_approval_asks", "ask_key", "ask_key", "approval_id", "keep_until");
    }

    @Override
    public void store(String key, MetadataAwareValue<String> value) {
        db.write("ask", c -> {
            try (PreparedStatement p = c.prepareStatement(upsert)) {
                p.setString(1, key);
                p.setString(2, value.getValue());
                p.setTimestamp(3, ApprovalMapStore.keepUntil(value.getExpirationTime()));
                return p.executeUpdate();
            }
        });
    }

    @Override
    public void storeAll(Map<String, MetadataAwareValue<String>> map) {
        map.forEach(this::store);
    }

    @Override
    public void delete(String key) {
        db.write("removal of an ask", c -> {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM countersign_approval_asks WHERE ask_key = ?")) {
                p.setString(1, key);
                return p.executeUpdate();
            }
        });
    }

    @Override
    public void deleteAll(Collection<String> keys) {
        keys.forEach(this::delete);
    }

    @Override
    public MetadataAwareValue<String> load(String key) {
        return null;
    }

    @Override
    public Map<String, MetadataAwareValue<String>> loadAll(Collection<String> keys) {
        Map<String, MetadataAwareValue<String>> loaded = new HashMap<>();
        List<String> all = new ArrayList<>(keys);
        for (int from = 0; from < all.size(); from += 500) {
            List<String> batch = all.subList(from, Math.min(all.size(), from + 500));
            db.read("asks", c -> {
                String marks = String.join(", ", java.util.Collections.nCopies(batch.size(), "?"));
                try (PreparedStatement p = c.prepareStatement("SELECT ask_key, approval_id, keep_until FROM countersign_approval_asks"
                        + " WHERE ask_key IN (" + marks + ")")) {
                    for (int i = 0; i < batch.size(); i++) {
                        p.setString(i + 1, batch.get(i));
                    }
                    try (ResultSet r = p.executeQuery()) {
                        while (r.next()) {
                            Timestamp keep = r.getTimestamp(3);
                            loaded.put(r.getString(1), keep == null ? new MetadataAwareValue<>(r.getString(2))
                                    : new MetadataAwareValue<>(r.getString(2), keep.getTime()));
                        }
                    }
                }
                return null;
            });
        }
        return loaded;
    }

    @Override
    public Iterable<String> loadAllKeys() {
        return db.read("ask keys", c -> {
            try (PreparedStatement p = c.prepareStatement("DELETE FROM countersign_approval_asks WHERE keep_until <= ?")) {
                p.setTimestamp(1, ApprovalMapStore.at(db.clock().instant()));
                p.executeUpdate();
            }
            List<String> keys = new ArrayList<>();
            try (PreparedStatement p = c.prepareStatement("SELECT ask_key FROM countersign_approval_asks");
                 ResultSet r = p.executeQuery()) {
                while (r.next()) {
                    keys.add(r.getString(1));
                }
            }
            return keys;
        });
    }
}
