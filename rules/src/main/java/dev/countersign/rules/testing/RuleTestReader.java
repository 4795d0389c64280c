package dev.countersign.rules.testing;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.countersign.rules.PolicyError;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.bundle.SourceFile;
import dev.countersign.rules.json.ActionContextReader;
import dev.countersign.rules.json.InvalidInputException;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import dev.countersign.rules.json.SyntaxErrors;
import dev.countersign.rules.model.ActionContext;
import java.io.IOException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code *_test.yaml} rule tests:
 * <pre>
 * cases:
 *   - name: agent export of production data needs approval
 *     input: {actor: {id: "agent:etl", type: agent}, action: {name: data.export}}
 *     expect:
 *       verdict: needs_approval
 *       reasons: ["agents need approval for production exports"]   # must be among the reasons
 *       not_reasons: ["exports are allowed"]                        # must not be
 *       approval: {groups: [data-governance], quorum: {data-governance: 1}, ttl: PT1H}
 * </pre>
 * A problem is reported as a {@link PolicyError} with the file, line and column, in words that do
 * not quote the file's values; reading a file stops at its first problem.
 */
public final class RuleTestReader {
    private static final ActionContextReader INPUT = new ActionContextReader();

    private RuleTestReader() {
    }

    /** The file's cases, or null after adding its problem to {@code errors}. */
    public static RuleTestFile read(SourceFile file, List<PolicyError> errors) {
        try (JsonParser p = Json.YAML_FACTORY.createParser(file.content())) {
            try {
                return new RuleTestFile(file.path(), readCases(p));
            } catch (Problem e) {
                errors.add(new PolicyError(file.path(), e.line, e.column, e.getMessage()));
            } catch (InvalidInputException e) {
                errors.add(new PolicyError(file.path(), e.line(), e.column(), "input" + e.pointer() + ": " + withoutValue(e.getMessage())));
            } catch (JsonProcessingException e) {
                SyntaxErrors.Syntax syntax = SyntaxErrors.describe(e, true);
                errors.add(new PolicyError(file.path(), syntax.line(), syntax.column(), syntax.message()));
            }
        } catch (IOException e) {
            errors.add(new PolicyError(file.path(), 0, 0, "cannot be read"));
        }
        return null;
    }

    private static List<RuleTestFile.Case> readCases(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t == null) {
            throw new Problem(p, "the file is empty; expected a top-level 'cases:' list");
        }
        expect(p, JsonToken.START_OBJECT, "a mapping with a 'cases' list");
        List<RuleTestFile.Case> cases = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonLocation keyAt = p.currentTokenLocation();
            p.nextToken();
            if (!field.equals("cases")) {
                throw new Problem(keyAt, "an unknown key; a rule-test file has only 'cases'");
            }
            expect(p, JsonToken.START_ARRAY, "a list of cases");
            cases = new ArrayList<>();
            Map<String, Integer> names = new HashMap<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                RuleTestFile.Case c = readCase(p);
                Integer first = names.putIfAbsent(c.name(), c.line());
                if (first != null) {
                    throw new Problem(c.line(), 0, "this case has the name of the case at line " + first
                            + "; case names must be unique in a file");
                }
                cases.add(c);
            }
        }
        if (cases == null) {
            throw new Problem(p, "no 'cases:' list");
        }
        return cases;
    }

    private static RuleTestFile.Case readCase(JsonParser p) throws IOException {
        expect(p, JsonToken.START_OBJECT, "a case with name, input and expect");
        int line = p.currentTokenLocation().getLineNr();
        int column = p.currentTokenLocation().getColumnNr();
        String name = null;
        ActionContext input = null;
        RuleTestFile.Expectation expect = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonLocation keyAt = p.currentTokenLocation();
            p.nextToken();
            switch (field) {
                case "name" -> name = text(p, "the case name");
                case "input" -> {
                    expect(p, JsonToken.START_OBJECT, "the action context to decide");
                    input = INPUT.readObject(p).context();
                }
                case "expect" -> expect = readExpectation(p);
                default -> throw new Problem(keyAt, "an unknown key in a case; expected name, input, expect");
            }
        }
        if (name == null || name.isBlank()) {
            throw new Problem(line, column, "a case without a name");
        }
        if (input == null) {
            throw new Problem(line, column, "the case has no 'input'");
        }
        if (expect == null) {
            throw new Problem(line, column, "the case has no 'expect'");
        }
        return new RuleTestFile.Case(name, line, input, expect);
    }

    private static RuleTestFile.Expectation readExpectation(JsonParser p) throws IOException {
        expect(p, JsonToken.START_OBJECT, "the expected verdict, reasons and approval");
        int line = p.currentTokenLocation().getLineNr();
        int column = p.currentTokenLocation().getColumnNr();
        Verdict verdict = null;
        List<String> reasons = List.of();
        List<String> notReasons = List.of();
        List<String> groups = null;
        Map<String, Integer> quorum = null;
        Duration ttl = null;
        boolean approvalGiven = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonLocation keyAt = p.currentTokenLocation();
            p.nextToken();
            switch (field) {
                case "verdict" -> {
                    String v = text(p, "a verdict");
                    verdict = Verdict.fromWire(v);
                    if (verdict == null) {
                        throw new Problem(p, "the verdict is not one of allow, deny, needs_approval");
                    }
                }
                case "reasons" -> reasons = texts(p, "rule names");
                case "not_reasons" -> notReasons = texts(p, "rule names");
                case "approval" -> {
                    approvalGiven = true;
                    expect(p, JsonToken.START_OBJECT, "the expected groups, quorum and ttl");
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String key = p.currentName();
                        JsonLocation approvalKeyAt = p.currentTokenLocation();
                        p.nextToken();
                        switch (key) {
                            case "groups" -> groups = texts(p, "group names");
                            case "quorum" -> quorum = quorum(p);
                            case "ttl" -> ttl = duration(p);
                            default -> throw new Problem(approvalKeyAt, "an unknown key in approval; expected groups, quorum, ttl");
                        }
                    }
                }
                default -> throw new Problem(keyAt, "an unknown key in expect; expected verdict, reasons, not_reasons, approval");
            }
        }
        if (verdict == null) {
            throw new Problem(line, column, "expect has no 'verdict'");
        }
        if (approvalGiven && verdict != Verdict.NEEDS_APPROVAL) {
            throw new Problem(line, column, "expect gives an approval but the verdict is " + verdict + "; approvals go with needs_approval");
        }
        return new RuleTestFile.Expectation(verdict, reasons, notReasons, groups, quorum, ttl);
    }

    private static Map<String, Integer> quorum(JsonParser p) throws IOException {
        expect(p, JsonToken.START_OBJECT, "group: count pairs");
        Map<String, Integer> quorum = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String group = p.currentName();
            p.nextToken();
            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT || p.getIntValue() < 1) {
                throw new Problem(p, "a quorum must be a whole number of at least 1");
            }
            quorum.put(group, p.getIntValue());
        }
        return quorum;
    }

    private static Duration duration(JsonParser p) throws IOException {
        String text = text(p, "an ISO-8601 duration such as PT1H");
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new Problem(p, "the ttl is not an ISO-8601 duration such as PT30M or PT1H");
        }
    }

    private static String text(JsonParser p, String what) throws IOException {
        JsonToken t = p.currentToken();
        if (t != JsonToken.VALUE_STRING) {
            throw new Problem(p, "expected " + what + ", got " + JsonValues.describe(t));
        }
        return p.getText();
    }

    private static List<String> texts(JsonParser p, String what) throws IOException {
        expect(p, JsonToken.START_ARRAY, "a list of " + what);
        List<String> values = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            values.add(text(p, "a string"));
        }
        return values;
    }

    private static void expect(JsonParser p, JsonToken token, String what) {
        if (p.currentToken() != token) {
            throw new Problem(p, "expected " + what + ", got " + JsonValues.describe(p.currentToken()));
        }
    }

    /**
     * A message of the input reader without the value it quotes: a rule-test file's text is not
     * shown in compile errors (the place is).
     */
    private static String withoutValue(String message) {
        return message.replaceAll(", got \"[^\"]*\"$", "");
    }

    /** A problem at a position of the file being read. */
    private static final class Problem extends RuntimeException {
        final int line;
        final int column;

        Problem(JsonParser p, String message) {
            this(p.currentTokenLocation(), message);
        }

        Problem(JsonLocation at, String message) {
            this(at.getLineNr(), at.getColumnNr(), message);
        }

        Problem(int line, int column, String message) {
            super(message, null, false, false);
            this.line = Math.max(line, 0);
            this.column = Math.max(column, 0);
        }
    }
}
