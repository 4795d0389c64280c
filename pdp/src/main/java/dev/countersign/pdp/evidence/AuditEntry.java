package dev.countersign.pdp.evidence;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.countersign.rules.json.Json;
import java.io.IOException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * What search and reports read of one audit record: a decision ({@code "type": "decision"}) or an
 * approval event ({@code "type": "approval"}), with the raw line as written. Read with a streaming
 * parser that skips what it does not need (the input beyond actor and action, the approval's
 * requirement), so that a million records read in seconds. Records of other kinds (a torn-line note,
 * signed checkpoints, kinds added later) are {@link Kind#OTHER} and are skipped by readers.
 */
public final class AuditEntry {
    /** The kinds of records read. */
    public enum Kind { DECISION, APPROVAL, OTHER }

    Kind kind = Kind.OTHER;
    String line;
    String file;
    long lineNumber;
    long seq;
    Instant time;
    String decisionId;
    String approvalId;
    String verdict;
    /** An approval event's name: created, vote, vote_refused, approved, denied, expired, redeemed, ... */
    String event;
    String status;
    String actor;
    String onBehalfOf;
    String action;
    String resource;
    String caller;
    String reviewer;
    String vote;
    String comment;
    String channel;
    String decidedBy;
    String outcome;
    String revision;
    final List<String> rules = new ArrayList<>();
    final List<String> controls = new ArrayList<>();

    /** Reads the record on {@code line}; a line that is not a JSON object (a torn last line) gives null. */
    static AuditEntry read(String line) {
        AuditEntry e = new AuditEntry();
        e.line = line;
        try (JsonParser p = Json.FACTORY.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String type = null;
            String time = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "seq" -> e.seq = value == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : 0;
                    case "type" -> type = text(p);
                    case "time" -> time = text(p);
                    case "decision_id" -> e.decisionId = text(p);
                    case "approval_id" -> e.approvalId = text(p);
                    case "verdict" -> e.verdict = text(p);
                    case "event" -> e.event = text(p);
                    case "status" -> e.status = text(p);
                    case "caller" -> e.caller = text(p);
                    case "reviewer" -> e.reviewer = text(p);
                    case "vote" -> e.vote = text(p);
                    case "comment" -> e.comment = text(p);
                    case "channel" -> e.channel = text(p);
                    case "decided_by" -> e.decidedBy = text(p);
                    case "outcome" -> e.outcome = text(p);
                    case "bundle_revision" -> e.revision = text(p);
                    case "actor" -> e.actor = text(p);
                    case "on_behalf_of" -> e.onBehalfOf = text(p);
                    case "action" -> e.action = text(p);
                    case "input" -> input(p, e);
                    case "reasons" -> reasons(p, e);
                    case "rules" -> strings(p, e.rules);
                    case "controls" -> strings(p, e.controls);
                    case "approval" -> approval(p, e);
                    case "requester" -> requester(p, e);
                    default -> p.skipChildren();
                }
            }
            e.kind = "decision".equals(type) ? Kind.DECISION : "approval".equals(type) ? Kind.APPROVAL : Kind.OTHER;
            e.time = instant(time);
            return e;
        } catch (IOException | RuntimeException ex) {
            return null;
        }
    }

    private static String text(JsonParser p) throws IOException {
        JsonToken t = p.currentToken();
        if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
            p.skipChildren();
            return null;
        }
        return t == JsonToken.VALUE_NULL ? null : p.getText();
    }

    private static void input(JsonParser p, AuditEntry e) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String part = p.currentName();
            p.nextToken();
            if (p.currentToken() != JsonToken.START_OBJECT || !(part.equals("actor") || part.equals("action") || part.equals("resource"))) {
                p.skipChildren();
                continue;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (part.equals("actor") && field.equals("id")) {
                    e.actor = text(p);
                } else if (part.equals("actor") && field.equals("on_behalf_of")) {
                    e.onBehalfOf = text(p);
                } else if (part.equals("action") && field.equals("name")) {
                    e.action = text(p);
                } else if (part.equals("resource") && field.equals("id")) {
                    e.resource = text(p);
                } else {
                    p.skipChildren();
                }
            }
        }
    }

    private static void reasons(JsonParser p, AuditEntry e) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("rule")) {
                    String rule = text(p);
                    if (rule != null && !e.rules.contains(rule)) {
                        e.rules.add(rule);
                    }
                } else if (field.equals("controls")) {
                    strings(p, e.controls);
                } else {
                    p.skipChildren();
                }
            }
        }
    }

    /** Adds each string of the array at the parser, once. */
    private static void strings(JsonParser p, List<String> into) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            String s = text(p);
            if (s != null && !into.contains(s)) {
                into.add(s);
            }
        }
    }

    private static void approval(JsonParser p, AuditEntry e) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("id")) {
                e.approvalId = text(p);
            } else if (field.equals("status")) {
                e.status = text(p);
            } else {
                p.skipChildren();
            }
        }
    }

    private static void requester(JsonParser p, AuditEntry e) throws IOException {
        if (p.currentToken() != JsonToken.START_OBJECT) {
            p.skipChildren();
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            p.nextToken();
            if (field.equals("actor_id") && e.actor == null) {
                e.actor = text(p);
            } else if (field.equals("on_behalf_of") && e.onBehalfOf == null) {
                e.onBehalfOf = text(p);
            } else {
                p.skipChildren();
            }
        }
    }

    /** An ISO-8601 instant, with or without an offset; null when absent or not one. */
    static Instant instant(String text) {
        if (text == null) {
            return null;
        }
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException again) {
                return null;
            }
        }
    }
}
