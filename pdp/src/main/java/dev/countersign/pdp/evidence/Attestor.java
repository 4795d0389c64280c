package dev.countersign.pdp.evidence;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.countersign.cluster.approval.Choice;
import dev.countersign.cluster.approval.PendingApproval;
import dev.countersign.cluster.approval.Vote;
import dev.countersign.rules.Decision;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.json.ActionContextJson;
import dev.countersign.rules.model.ActionContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Signs attestations: a compact JWS (ES256, header {@code typ} {@value #TYPE}, {@code kid} the signing
 * key's thumbprint) whose claims say what was allowed, for whom, on whose approval and under which
 * rules, so the system that executes the action can check offline that humans approved this very
 * action context. The claims (names as on the wire):
 * <ul>
 *   <li>{@code iss} {@value #ISSUER}, {@code node} the node that signed, {@code jti} and {@code decision_id} the decision id,
 *       {@code approval_id} the approval redeemed (absent for an allow signed under {@code sign: all}), {@code verdict} allow;</li>
 *   <li>{@code actor} {@code {id, type, on_behalf_of}}, {@code action} {@code {name}}, {@code resource} {@code {type, id}};</li>
 *   <li>{@code context_sha256}: {@code sha256:<hex>}, plain SHA-256 of the action context's canonical form
 *       ({@link ActionContextJson#canonical}: the context as the server reads it, object keys sorted, no whitespace,
 *       null values and empty lists left out, UTF-8);</li>
 *   <li>{@code lineage}: {@code model_id}, {@code dataset_origin}, {@code compliance_tags} as the caller sent them;</li>
 *   <li>{@code approvers}: per approving vote, {@code reviewer}, {@code groups} (those it counted for), {@code channel},
 *       {@code time}, {@code comment};</li>
 *   <li>{@code rules}: the rules that held the action (or, for a plain allow, that allowed it): {@code rule},
 *       {@code package}, {@code source} ({@code file:line}), {@code controls};</li>
 *   <li>{@code bundle_revision}; {@code iat} and {@code exp}: the grant's window (redeemed at, and the end of the time
 *       the grant could be used), or {@code attestation.allow_ttl} after an allow.</li>
 * </ul>
 */
public final class Attestor {
    public static final String TYPE = "countersign-attestation+jwt";
    public static final String ISSUER = "countersign";

    private final SigningKeys keys;
    private final String node;
    private final Duration allowTtl;

    public Attestor(SigningKeys keys, String node, Duration allowTtl) {
        this.keys = keys;
        this.node = node;
        this.allowTtl = allowTtl;
    }

    public SigningKeys keys() {
        return keys;
    }

    /** The attestation of {@code decision}, which allowed {@code context} by using the grant of {@code grant}. */
    public String redeemed(Decision decision, PendingApproval grant, ActionContext context, Map<String, Object> tree) {
        Instant iat = grant.redeemedAt() == null ? Instant.now() : grant.redeemedAt();
        Instant exp = grant.decidedAt().plus(grant.requirement().ttl());
        JWTClaimsSet.Builder claims = common(decision, context, tree, iat, exp).claim("approval_id", grant.id());
        List<Object> approvers = new ArrayList<>();
        for (Vote v : grant.votes()) {
            if (v.choice() == Choice.APPROVE) {
                Map<String, Object> a = new LinkedHashMap<>();
                a.put("reviewer", v.reviewer());
                a.put("groups", v.countsFor());
                a.put("channel", v.channel());
                a.put("time", v.at().toString());
                a.put("comment", v.comment() == null ? "" : v.comment());
                approvers.add(a);
            }
        }
        claims.claim("approvers", approvers);
        claims.claim("rules", heldBy(grant.decision()));
        return sign(claims.build());
    }

    /** The attestation of an allow without an approval ({@code attestation.sign: all}), valid for {@code allow_ttl}. */
    public String allowed(Decision decision, ActionContext context, Map<String, Object> tree) {
        Instant iat = Instant.now();
        JWTClaimsSet.Builder claims = common(decision, context, tree, iat, iat.plus(allowTtl));
        claims.claim("approvers", List.of());
        List<Object> rules = new ArrayList<>();
        for (Reason r : decision.reasons()) {
            if (r.verdict() == Verdict.ALLOW) {
                rules.add(rule(r.rule(), r.packageName(), r.source(), r.controls()));
            }
        }
        claims.claim("rules", rules);
        return sign(claims.build());
    }

    /** SHA-256 of a token's text, {@code sha256:<hex>}: what the audit log keeps of an attestation. */
    public static String tokenHash(String token) {
        try {
            return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    private JWTClaimsSet.Builder common(Decision decision, ActionContext context, Map<String, Object> tree, Instant iat, Instant exp) {
        JWTClaimsSet.Builder b = new JWTClaimsSet.Builder().issuer(ISSUER).jwtID(decision.decisionId())
                .issueTime(Date.from(iat)).expirationTime(Date.from(exp))
                .claim("node", node)
                .claim("decision_id", decision.decisionId())
                .claim("verdict", decision.verdict().wireName());
        Map<String, Object> actor = new LinkedHashMap<>();
        if (context.actor() != null) {
            putIf(actor, "id", context.actor().id());
            putIf(actor, "type", context.actor().type());
            putIf(actor, "on_behalf_of", context.actor().onBehalfOf());
            if (context.actor().id() != null) {
                b.subject(context.actor().id());
            }
        }
        b.claim("actor", actor);
        Map<String, Object> action = new LinkedHashMap<>();
        putIf(action, "name", context.action() == null ? null : context.action().name());
        b.claim("action", action);
        Map<String, Object> resource = new LinkedHashMap<>();
        if (context.resource() != null) {
            putIf(resource, "type", context.resource().type());
            putIf(resource, "id", context.resource().id());
        }
        b.claim("resource", resource);
        b.claim("context_sha256", ActionContextJson.canonicalHash(tree));
        Map<String, Object> lineage = new LinkedHashMap<>();
        if (context.context() != null) {
            putIf(lineage, "model_id", context.context().modelId());
            putIf(lineage, "dataset_origin", context.context().datasetOrigin());
            if (!context.context().complianceTags().isEmpty()) {
                lineage.put("compliance_tags", context.context().complianceTags());
            }
        }
        b.claim("lineage", lineage);
        b.claim("bundle_revision", decision.bundleRevision());
        return b;
    }

    /** The needs_approval reasons of the decision that held the action (its JSON as the approval keeps it). */
    private static List<Object> heldBy(String decisionJson) {
        List<Object> rules = new ArrayList<>();
        JsonArray reasons = decisionJson == null ? new JsonArray() : new JsonObject(decisionJson).getJsonArray("reasons", new JsonArray());
        for (Object o : reasons) {
            if (o instanceof JsonObject r && Verdict.NEEDS_APPROVAL.wireName().equals(r.getString("verdict"))) {
                JsonArray controls = r.getJsonArray("controls", new JsonArray());
                rules.add(rule(r.getString("rule"), r.getString("package"), r.getString("source"), controls.getList()));
            }
        }
        return rules;
    }

    private static Map<String, Object> rule(String name, String pkg, String source, List<?> controls) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("rule", name);
        m.put("package", pkg);
        if (source != null) {
            m.put("source", source);
        }
        m.put("controls", new ArrayList<>(controls));
        return m;
    }

    private String sign(JWTClaimsSet claims) {
        return keys.sign(TYPE, claims);
    }

    private static void putIf(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
