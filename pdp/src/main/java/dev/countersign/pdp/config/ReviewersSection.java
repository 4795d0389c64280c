package dev.countersign.pdp.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.countersign.rules.Identities;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code reviewers}: each group of reviewers, each reviewer an identity with optional chat handles. */
final class ReviewersSection {
    private ReviewersSection() {
    }

    static ReviewerDirectory read(Settings r, JsonNode node) throws ConfigException {
        if (node == null || node.isNull()) {
            return ReviewerDirectory.empty();
        }
        if (!node.isObject()) {
            throw r.error("reviewers must map group names to lists of reviewers");
        }
        Map<String, List<ReviewerDirectory.Reviewer>> groups = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> group = fields.next();
            String at = "reviewers." + group.getKey();
            if (!group.getValue().isArray()) {
                throw r.error(at + " must be a list of {id, slack, teams}");
            }
            List<ReviewerDirectory.Reviewer> members = new ArrayList<>();
            int i = 0;
            for (JsonNode m : group.getValue()) {
                String mat = at + "[" + i++ + "]";
                if (!m.isObject()) {
                    throw r.error(mat + " must be a mapping such as {id: carol@example.com, slack: U0CAROL}");
                }
                r.keys(m, mat, Set.of("id", "slack", "teams"));
                String id = r.required(m, mat + ".id");
                String problem = Identities.problem(id);
                if (problem != null) {
                    throw r.error(mat + ".id " + problem);
                }
                members.add(new ReviewerDirectory.Reviewer(id, r.text(m, mat + ".slack", null), r.text(m, mat + ".teams", null)));
            }
            groups.put(group.getKey(), members);
        }
        return new ReviewerDirectory(groups);
    }
}
