package dev.countersign.connectors;

import dev.countersign.connectors.ApprovalMessage.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Approval messages for renders and end-to-end tests: one export through its life (pending with a
 * first vote, approved, denied with a reason, expired, approved and used), and a hostile one whose
 * every string tries to mention, link, break out of code or exceed a limit.
 */
public final class SampleApprovals {
    public static final String ID = "apr_01jq7x2k9m3n4p5q6r7s8t9v0w";
    public static final Instant CREATED = Instant.parse("2026-03-02T09:00:00Z");
    public static final Instant EXPIRES = CREATED.plus(Duration.ofHours(1));

    private SampleApprovals() {
    }

    /** A pending agent export of production PII, one of two data-governance approvals in, security still to approve. */
    public static ApprovalMessage pending() {
        return export(Status.PENDING, 1, 0).vote("carol@example.com", ReviewerChoice.APPROVE, "Fine for the board pack.",
                CREATED.plusSeconds(300), "slack").build();
    }

    /** Approved: both groups done; dan's approval decided it. */
    public static ApprovalMessage approved() {
        return export(Status.APPROVED, 2, 1)
                .vote("carol@example.com", ReviewerChoice.APPROVE, "Fine for the board pack.", CREATED.plusSeconds(300), "slack")
                .vote("erin@example.com", ReviewerChoice.APPROVE, null, CREATED.plusSeconds(600), "api")
                .vote("dan@example.com", ReviewerChoice.APPROVE, "", CREATED.plusSeconds(900), "slack")
                .decided(CREATED.plusSeconds(900), "dan@example.com").build();
    }

    /** Denied by dan, with a reason on two lines. */
    public static ApprovalMessage denied() {
        return export(Status.DENIED, 1, 0)
                .vote("carol@example.com", ReviewerChoice.APPROVE, "Fine for the board pack.", CREATED.plusSeconds(300), "slack")
                .vote("dan@example.com", ReviewerChoice.DENY, "The board pack must use aggregated data, not raw PII.\nExport the summary table instead.",
                        CREATED.plusSeconds(720), "slack")
                .decided(CREATED.plusSeconds(720), "dan@example.com").build();
    }

    /** Expired with one approval of the three needed. */
    public static ApprovalMessage expired() {
        return export(Status.EXPIRED, 1, 0)
                .vote("carol@example.com", ReviewerChoice.APPROVE, "Fine for the board pack.", CREATED.plusSeconds(300), "slack")
                .decided(EXPIRES, null).build();
    }

    /** Approved, then used by the requester. */
    public static ApprovalMessage redeemed() {
        return export(Status.REDEEMED, 2, 1)
                .vote("carol@example.com", ReviewerChoice.APPROVE, "Fine for the board pack.", CREATED.plusSeconds(300), "slack")
                .vote("erin@example.com", ReviewerChoice.APPROVE, null, CREATED.plusSeconds(600), "api")
                .vote("dan@example.com", ReviewerChoice.APPROVE, null, CREATED.plusSeconds(900), "slack")
                .decided(CREATED.plusSeconds(900), "dan@example.com").redeemedAt(CREATED.plusSeconds(960)).build();
    }

    private static ApprovalMessage.Builder export(Status status, int governance, int security) {
        return ApprovalMessage.builder(ID, status)
                .requester("agent:etl-bot", "agent", "alice@example.com", "etl-pipeline")
                .action("data.export", "COPY customers TO 's3://reports-us/q1.csv' WITH (FORMAT csv)", "Quarterly revenue report for the board")
                .resource("table", "prod.customers", "pii", "production", "eu-west-1")
                .target("us-east-1", "s3://reports-us")
                .lineage("gpt-4.1", "crm", List.of("gdpr", "soc2"))
                .rule("agents need approval for production exports", "policies.export", "needs_approval",
                        "Agent export of production data", "policies/export.drl:14", List.of("SOC2:CC6.1", "NIST-800-53:AC-3"))
                .rule("PII leaving the EU needs data governance", "policies.export", "needs_approval",
                        "PII is copied from eu-west-1 to us-east-1", "policies/export.drl:27")
                .group("data-governance", 2, governance)
                .group("security", 1, security)
                .expiresAt(EXPIRES)
                .link("https://countersign.example.com/v1/approvals/" + ID);
    }

    /**
     * Everything a requester controls, hostile: mentions, links and code fences in the command; a
     * 10 KB intent with a user-group mention, a right-to-left override and a lone surrogate; ids that
     * mention; a 5,000-character resource id; 200 rules, 300 groups, 300 votes with links; 100 tags;
     * a {@code javascript:} link.
     */
    public static ApprovalMessage hostile() {
        StringBuilder intent = new StringBuilder("<!subteam^S0SECURITY|@security> please approve & <!everyone> \u202Eevil\u202C ");
        while (intent.length() < 10_240) {
            intent.append("<http://evil.example/|harmless> ``` ` * _ ~ > &amp; \n");
        }
        intent.append('\uD800');
        ApprovalMessage.Builder b = ApprovalMessage.builder(ID, Status.PENDING)
                .requester("<!here>", "agent</b>", "<@U0CAROL|carol>", "`client`")
                .action("data.export <!channel>", "<!channel> COPY x TO 's3://y' ```; DROP TABLE users; ``` <@U123> <http://evil|click here> `rm -rf /`",
                        intent.toString())
                .resource("table", "r".repeat(5_000), "<#C0SECURITY>", "production\n*Approved*", "eu-west-1")
                .target("<mailto:a@evil.example|security team>", "https://evil.example/?a=1&b=<2>")
                .lineage("gpt-4.1<!here>", "crm`", tags(100))
                .expiresAt(EXPIRES)
                .link("javascript:alert(1)");
        for (int i = 0; i < 200; i++) {
            b.rule("rule " + i + " <!everyone>", "policies.p" + i, "needs_approval", "message <@U" + i + "> " + "m".repeat(3_000),
                    "policies/p" + i + ".drl:" + i);
        }
        for (int i = 0; i < 300; i++) {
            b.group("group-" + i + "-<!here>", 3, 1);
        }
        for (int i = 0; i < 300; i++) {
            b.vote("reviewer" + i + "@example.com <@U0BOSS>", i % 2 == 0 ? ReviewerChoice.APPROVE : ReviewerChoice.DENY,
                    "<http://evil.example/" + i + "|see this> " + "c".repeat(500), CREATED.plusSeconds(i), "slack");
        }
        return b.build();
    }

    private static List<String> tags(int n) {
        List<String> tags = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            tags.add("tag-" + i + "-<!channel>-" + "t".repeat(50));
        }
        return tags;
    }
}
