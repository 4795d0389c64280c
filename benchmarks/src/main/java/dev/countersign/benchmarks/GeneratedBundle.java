package dev.countersign.benchmarks;

import dev.countersign.rules.Verdict;
import dev.countersign.rules.bundle.BundleLoader;
import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.model.Action;
import dev.countersign.rules.model.ActionContext;
import dev.countersign.rules.model.Actor;
import dev.countersign.rules.model.Context;
import dev.countersign.rules.model.Resource;
import dev.countersign.rules.model.Target;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * A bundle of N realistic rules written in memory, the action contexts to decide with it, and an
 * oracle (plain Java, independent of the engine) of which rules each context must match.
 *
 * <p>Rules come in groups of four per action {@code svc<S>.op<O>} (eight operations per service),
 * in packages of 250 rules ({@code gen.p00}, {@code gen.p01}, ...), one file per package:
 * <ol start="0">
 *   <li>{@code Action(name == A)}, {@code Actor(type == "agent")}: requireApproval by the service's owners;</li>
 *   <li>{@code Action(name == A)}, {@code Resource(environment == "production")}: deny for one action in
 *       three, allow for the others;</li>
 *   <li>{@code Action(name == A)}, {@code Resource(classification memberOf data.list("sensitive_classes"))}
 *       (a data lookup): deny for even actions, requireApproval by data governance for odd ones;</li>
 *   <li>{@code Action(name == A)}, {@code Actor(type == "human")}, {@code Resource(environment == "production")}:
 *       allow.</li>
 * </ol>
 * A context pairs an action with an actor type (agent, human), an environment (production, staging)
 * and a classification (pii, internal). The contexts drawn match 2 or 3 rules, except about one in
 * eight that matches none (one in sixteen an unknown action, one in sixteen a known one with nothing
 * to say about that context) and gets the bundle's default verdict, deny.
 */
final class GeneratedBundle {
    static final int RULES_PER_PACKAGE = 250;
    static final int RULES_PER_ACTION = 4;
    static final int OPS_PER_SERVICE = 8;
    static final Set<String> SENSITIVE = Set.of("pii", "phi", "secret", "credentials");

    private static final String DATA = """
            {
              "sensitive_classes": ["pii", "phi", "secret", "credentials"],
              "eu_regions": ["eu-west-1", "eu-central-1", "eu-north-1"]
            }
            """;

    private GeneratedBundle() {
    }

    static String actionName(int action) {
        return "svc" + (action / OPS_PER_SERVICE) + ".op" + (action % OPS_PER_SERVICE);
    }

    static int actionCount(int rules) {
        return (rules + RULES_PER_ACTION - 1) / RULES_PER_ACTION;
    }

    /** The bundle's files: one rule file per package and a root data document. */
    static PolicyBundle bundle(int rules) {
        Map<String, byte[]> files = new TreeMap<>();
        files.put("data.json", DATA.getBytes(StandardCharsets.UTF_8));
        for (int first = 0, pkg = 0; first < rules; first += RULES_PER_PACKAGE, pkg++) {
            String name = String.format("p%02d", pkg);
            StringBuilder drl = new StringBuilder(RULES_PER_PACKAGE * 260);
            drl.append("package gen.").append(name).append("\n\n");
            for (int i = first; i < Math.min(rules, first + RULES_PER_PACKAGE); i++) {
                rule(drl, i);
            }
            files.put(name + "/rules.drl", drl.toString().getBytes(StandardCharsets.UTF_8));
        }
        return BundleLoader.fromFiles(files);
    }

    private static void rule(StringBuilder drl, int i) {
        int action = i / RULES_PER_ACTION;
        int service = action / OPS_PER_SERVICE;
        String a = actionName(action);
        drl.append("rule \"r").append(i).append(' ').append(a);
        switch (i % RULES_PER_ACTION) {
            case 0 -> drl.append(" by an agent needs the owners\"\nwhen\n")
                    .append("    Action( name == \"").append(a).append("\" )\n")
                    .append("    Actor( type == \"agent\" )\n")
                    .append("then\n")
                    .append("    requireApproval(\"svc").append(service).append("-owners\", ").append(1 + action % 2)
                    .append(", \"").append(action % 2 == 0 ? "PT1H" : "PT30M").append("\", \"agents need an owner's approval for ")
                    .append(a).append("\");\n");
            case 1 -> drl.append(" in production\"\nwhen\n")
                    .append("    Action( name == \"").append(a).append("\" )\n")
                    .append("    Resource( environment == \"production\" )\n")
                    .append("then\n")
                    .append(action % 3 == 0
                            ? "    deny(\"" + a + " is not done in production\");\n"
                            : "    allow(\"" + a + " is routine in production\");\n");
            case 2 -> drl.append(" on sensitive data\"\nwhen\n")
                    .append("    Action( name == \"").append(a).append("\" )\n")
                    .append("    Resource( classification memberOf data.list(\"sensitive_classes\") )\n")
                    .append("then\n")
                    .append(action % 2 == 0
                            ? "    deny(\"" + a + " may not touch sensitive data\");\n"
                            : "    requireApproval(\"data-governance\", 1, \"PT4H\", \"" + a + " on sensitive data\");\n");
            default -> drl.append(" by a human in production\"\nwhen\n")
                    .append("    Action( name == \"").append(a).append("\" )\n")
                    .append("    Actor( type == \"human\" )\n")
                    .append("    Resource( environment == \"production\" )\n")
                    .append("then\n")
                    .append("    allow(\"people may ").append(a).append(" in production\");\n");
        }
        drl.append("end\n\n");
    }

    /** What the oracle expects of one context: how many rules match and the verdict. */
    record Expected(int matches, Verdict verdict) {
    }

    /** The oracle: which rules of a bundle of {@code rules} rules match {@code c}, and the combined verdict. */
    static Expected expected(int rules, ActionContext c) {
        String name = c.action().name();
        int matches = 0;
        Verdict verdict = null;
        for (int action = 0; action < actionCount(rules); action++) {
            if (!actionName(action).equals(name)) {
                continue;
            }
            for (int i = action * RULES_PER_ACTION; i < Math.min(rules, (action + 1) * RULES_PER_ACTION); i++) {
                Verdict v = switch (i % RULES_PER_ACTION) {
                    case 0 -> "agent".equals(c.actor().type()) ? Verdict.NEEDS_APPROVAL : null;
                    case 1 -> "production".equals(c.resource().environment()) ? (action % 3 == 0 ? Verdict.DENY : Verdict.ALLOW) : null;
                    case 2 -> SENSITIVE.contains(c.resource().classification()) ? (action % 2 == 0 ? Verdict.DENY : Verdict.NEEDS_APPROVAL) : null;
                    default -> "human".equals(c.actor().type()) && "production".equals(c.resource().environment()) ? Verdict.ALLOW : null;
                };
                if (v != null) {
                    matches++;
                    verdict = verdict == null ? v : verdict.strongest(v);
                }
            }
        }
        return new Expected(matches, verdict == null ? Verdict.DENY : verdict);
    }

    /** The combinations of (actor type, environment, classification) that match 2 or 3 rules of a full group. */
    private static final String[][] MATCHING = {
            {"agent", "production", "pii"},
            {"agent", "production", "internal"},
            {"agent", "staging", "pii"},
            {"human", "production", "pii"},
            {"human", "production", "internal"},
    };

    /**
     * {@code count} contexts over the actions of a bundle of {@code rules} rules, the same for the same
     * arguments. With {@code hotActions} 0 the known actions are drawn from the whole bundle (traffic
     * spreads over more rules as the bundle grows); otherwise from its first {@code hotActions}
     * actions only, so that every bundle size sees the same traffic.
     */
    static ActionContext[] contexts(int rules, int count, int hotActions) {
        Random random = new Random(42);
        int actions = actionCount(rules);
        ActionContext[] out = new ActionContext[count];
        for (int n = 0; n < count; n++) {
            int roll = random.nextInt(16);
            String[] combo;
            String action;
            if (roll == 0) {
                // an action no rule speaks of
                combo = MATCHING[random.nextInt(MATCHING.length)];
                action = actionName(actions + 1 + random.nextInt(1000));
            } else if (roll == 1) {
                // a known action, with nothing any of its rules look for
                combo = new String[] {"human", "staging", "internal"};
                action = actionName(random.nextInt(hotActions > 0 ? Math.min(hotActions, actions) : actions));
            } else {
                combo = MATCHING[random.nextInt(MATCHING.length)];
                // the last group of a bundle may be partial: draw from the full ones when there are any
                int full = rules / RULES_PER_ACTION;
                int range = full > 0 ? full : actions;
                action = actionName(random.nextInt(hotActions > 0 ? Math.min(hotActions, range) : range));
            }
            out[n] = context(random, action, combo[0], combo[1], combo[2]);
        }
        return out;
    }

    private static final String[] REGIONS = {"eu-west-1", "eu-central-1", "us-east-1", "ap-southeast-2"};

    private static ActionContext context(Random random, String action, String actorType, String environment, String classification) {
        int who = random.nextInt(500);
        boolean agent = actorType.equals("agent");
        Actor actor = new Actor(agent ? "agent:worker-" + who : "user:" + who + "@example.com", actorType,
                agent ? List.of("automation") : List.of("engineer", "on-call"), List.of("team-" + (who % 12)),
                agent ? "user:" + (who % 40) + "@example.com" : null, null);
        Map<String, Object> actionAttributes = new LinkedHashMap<>();
        actionAttributes.put("rows", random.nextInt(50_000));
        Action act = new Action(action, action.replace('.', ' ') + " --id " + random.nextInt(100_000),
                "routine maintenance", actionAttributes);
        Resource resource = new Resource("dataset", "ds-" + random.nextInt(10_000), classification, environment,
                REGIONS[random.nextInt(REGIONS.length)], "team-" + (who % 12), null);
        Target target = new Target(REGIONS[random.nextInt(REGIONS.length)], "https://sink.example.com/in", null);
        Context context = new Context(agent ? "model-7" : null, "crm", List.of("gdpr"), "10.0." + (who % 256) + ".7",
                OffsetDateTime.of(2025, 11, 21, 10, 15, 0, 0, ZoneOffset.UTC), null);
        return new ActionContext(actor, act, resource, target, context, null);
    }
}
