package dev.countersign.rules.testing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.countersign.rules.PolicyError;
import dev.countersign.rules.Reason;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.bundle.Mention;
import dev.countersign.rules.bundle.SourceFile;
import dev.countersign.rules.json.InvalidInputException;
import dev.countersign.rules.json.Json;
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
import java.util.Set;

/**
 * Reads {@code *_test.yaml} rule tests:
 * <pre>
 * fixtures:                                    # optional, see {@link TestFixtures}
 *   actors: {etl: {id: "agent:etl", type: agent}}
 * cases:
 *   - name: agent export of production data needs approval
 *     package: policies.export                 # optional: decide in this package's scope
 *     data: {limits: {export_rows: 10}}        # optional: data values replaced for this case
 *     input: {actor: etl, action: {name: data.export}}
 *     expect:
 *       verdict: needs_approval
 *       reasons: ["agents need approval for production exports"]   # must be among the reasons
 *       not_reasons: ["exports are allowed"]                        # must not be
 *       approval: {groups: [data-governance], quorum: {data-governance: 1}, ttl: PT1H}
 * </pre>
 * Every problem of the file is reported as a {@link PolicyError} with the file, line and column, in
 * words that do not quote the file's values: each case is checked on its own, so one broken case
 * hides nothing of the others. Malformed YAML ends the reading of the file at its place. The names a
 * case gives (its package, the rules of its reasons, the data paths it replaces) are checked against
 * the compiled bundle by the compiler.
 */
public final class RuleTestReader {
    private static final Set<String> CASE_KEYS = Set.of("name", "package", "data", "input", "expect");
    private static final String PACKAGE_NAME = "[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*";

    private RuleTestReader() {
    }

    /** The file's cases without a problem; each problem is added to {@code errors}. Null when the file cannot be read at all. */
    public static RuleTestFile read(SourceFile file, List<PolicyError> errors) {
        YamlNode root;
        try (JsonParser p = Json.YAML_FACTORY.createParser(file.content())) {
            try {
                if (p.nextToken() == null) {
                    errors.add(new PolicyError(file.path(), 0, 0, "the file is empty; expected a top-level 'cases:' list"));
                    return null;
                }
                root = YamlNode.read(p, "", 1);
            } catch (InvalidInputException e) {
                errors.add(new PolicyError(file.path(), e.line(), e.column(), e.describe()));
                return null;
            } catch (JsonProcessingException e) {
                SyntaxErrors.Syntax syntax = SyntaxErrors.describe(e, true);
                errors.add(new PolicyError(file.path(), syntax.line(), syntax.column(), syntax.message()));
                return null;
            }
        } catch (IOException e) {
            errors.add(new PolicyError(file.path(), 0, 0, "cannot be read"));
            return null;
        }
        return new Reading(file.path(), errors).file(root);
    }

    /** The reading of one file: where its problems go. */
    private static final class Reading {
        private final String file;
        private final List<PolicyError> errors;

        Reading(String file, List<PolicyError> errors) {
            this.file = file;
            this.errors = errors;
        }

        RuleTestFile file(YamlNode root) {
            if (!root.isMap()) {
                error(root, "expected a mapping with a 'cases' list, got " + root.kind());
                return null;
            }
            for (String key : root.map().keySet()) {
                if (!key.equals("cases") && !key.equals("fixtures")) {
                    error(root.keyAt(key), "an unknown key; a rule-test file has 'cases' and, optionally, 'fixtures'");
                }
            }
            YamlNode fixturesNode = root.map().get("fixtures");
            TestFixtures fixtures = fixturesNode == null ? TestFixtures.none(file) : TestFixtures.read(file, fixturesNode, errors);
            YamlNode casesNode = root.map().get("cases");
            if (casesNode == null) {
                error(root, "no 'cases:' list");
                return null;
            }
            if (!casesNode.isList()) {
                error(casesNode, "expected a list of cases, got " + casesNode.kind());
                return null;
            }
            List<RuleTestFile.Case> cases = new ArrayList<>();
            List<RuleTestFile.References> references = new ArrayList<>();
            Map<String, Integer> names = new HashMap<>();
            for (YamlNode c : casesNode.list()) {
                YamlNode nameNode = c.isMap() ? c.map().get("name") : null;
                if (nameNode != null && nameNode.isString() && !nameNode.text().isBlank()) {
                    Integer first = names.putIfAbsent(nameNode.text(), c.line);
                    if (first != null) {
                        error(c.line, 0, "this case has the name of the case at line " + first + "; case names must be unique in a file");
                    }
                }
                RuleTestFile.Case read = readCase(c, fixtures, references);
                if (read != null) {
                    cases.add(read);
                }
            }
            return new RuleTestFile(file, cases, references);
        }

        /** The case, or null after its problems are reported; the names it gives go to {@code references} either way. */
        private RuleTestFile.Case readCase(YamlNode c, TestFixtures fixtures, List<RuleTestFile.References> references) {
            if (!c.isMap()) {
                error(c, "expected a case with name, input and expect, got " + c.kind());
                return null;
            }
            int before = errors.size();
            Map<String, YamlNode> m = c.map();
            for (String key : m.keySet()) {
                if (!CASE_KEYS.contains(key)) {
                    error(c.keyAt(key), "an unknown key in a case; expected name, package, data, input, expect");
                }
            }
            String name = null;
            YamlNode nameNode = m.get("name");
            if (nameNode == null || (nameNode.isString() && nameNode.text().isBlank())) {
                error(c, "a case without a name");
            } else if (!nameNode.isString()) {
                error(nameNode, "expected the case name, got " + nameNode.kind());
            } else {
                name = nameNode.text();
            }
            Mention scope = null;
            YamlNode packageNode = m.get("package");
            if (packageNode != null) {
                if (packageNode.isString() && packageNode.text().matches(PACKAGE_NAME)) {
                    scope = mention(packageNode);
                } else {
                    error(packageNode, "package must be a package name, such as policies.export, got "
                            + (packageNode.isString() ? "a string that is none" : packageNode.kind()));
                }
            }
            Map<String, Object> data = null;
            List<Mention> dataPaths = new ArrayList<>();
            YamlNode dataNode = m.get("data");
            if (dataNode != null) {
                if (dataNode.isMap()) {
                    collectPaths(dataNode, "", dataPaths);
                    @SuppressWarnings("unchecked")
                    Map<String, Object> plain = (Map<String, Object>) dataNode.plain();
                    data = plain;
                } else {
                    error(dataNode, "data must be a mapping of the data values this case replaces, such as {limits: {export_rows: 10}}, got "
                            + dataNode.kind());
                }
            }
            ActionContext input = null;
            YamlNode inputNode = m.get("input");
            if (inputNode == null) {
                error(c, "the case has no 'input'");
            } else {
                input = fixtures.input(inputNode, errors);
            }
            List<Mention> rules = new ArrayList<>();
            RuleTestFile.Expectation expect = null;
            YamlNode expectNode = m.get("expect");
            if (expectNode == null) {
                error(c, "the case has no 'expect'");
            } else {
                expect = readExpectation(expectNode, rules);
            }
            RuleTestFile.References refs = new RuleTestFile.References(scope, rules, dataPaths);
            references.add(refs);
            if (errors.size() != before || input == null) {
                return null; // its problems are reported; an input that only a broken fixture spoils is reported at the fixture
            }
            return new RuleTestFile.Case(name, c.line, input, expect, scope == null ? "" : scope.name(), data, refs);
        }

        /** The dotted path of every key of a data override, each at its place. */
        private void collectPaths(YamlNode map, String prefix, List<Mention> paths) {
            for (Map.Entry<String, YamlNode> e : map.map().entrySet()) {
                String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
                int[] at = map.keyAt(e.getKey());
                paths.add(new Mention(path, file, at[0], at[1]));
                if (e.getValue().isMap()) {
                    collectPaths(e.getValue(), path, paths);
                }
            }
        }

        private RuleTestFile.Expectation readExpectation(YamlNode node, List<Mention> rules) {
            if (!node.isMap()) {
                error(node, "expected the expected verdict, reasons and approval, got " + node.kind());
                return null;
            }
            Verdict verdict = null;
            List<String> reasons = List.of();
            List<String> notReasons = List.of();
            List<String> groups = null;
            Map<String, Integer> quorum = null;
            Duration ttl = null;
            boolean approvalGiven = false;
            boolean verdictWrong = false;
            for (Map.Entry<String, YamlNode> e : node.map().entrySet()) {
                YamlNode v = e.getValue();
                switch (e.getKey()) {
                    case "verdict" -> {
                        String text = text(v, "a verdict");
                        verdict = text == null ? null : Verdict.fromWire(text);
                        if (verdict == null) {
                            verdictWrong = true;
                            if (text != null) {
                                error(v, "the verdict is not one of allow, deny, needs_approval");
                            }
                        }
                    }
                    case "reasons" -> reasons = ruleNames(v, rules);
                    case "not_reasons" -> notReasons = ruleNames(v, rules);
                    case "approval" -> {
                        approvalGiven = true;
                        if (!v.isMap()) {
                            error(v, "expected the expected groups, quorum and ttl, got " + v.kind());
                            continue;
                        }
                        for (Map.Entry<String, YamlNode> a : v.map().entrySet()) {
                            switch (a.getKey()) {
                                case "groups" -> groups = texts(a.getValue(), "group names");
                                case "quorum" -> quorum = quorum(a.getValue());
                                case "ttl" -> ttl = duration(a.getValue());
                                default -> error(v.keyAt(a.getKey()), "an unknown key in approval; expected groups, quorum, ttl");
                            }
                        }
                    }
                    default -> error(node.keyAt(e.getKey()), "an unknown key in expect; expected verdict, reasons, not_reasons, approval");
                }
            }
            if (verdict == null && !verdictWrong) {
                error(node, "expect has no 'verdict'");
            }
            if (verdict != null && approvalGiven && verdict != Verdict.NEEDS_APPROVAL) {
                error(node, "expect gives an approval but the verdict is " + verdict + "; approvals go with needs_approval");
            }
            return verdict == null ? null : new RuleTestFile.Expectation(verdict, reasons, notReasons, groups, quorum, ttl);
        }

        /** Rule names of reasons or not_reasons; each but the special {@code error} and {@code default} is a mention to check. */
        private List<String> ruleNames(YamlNode node, List<Mention> rules) {
            if (!node.isList()) {
                error(node, "expected a list of rule names, got " + node.kind());
                return List.of();
            }
            List<String> names = new ArrayList<>();
            for (YamlNode item : node.list()) {
                String name = text(item, "a rule name");
                if (name != null) {
                    names.add(name);
                    if (!name.equals(Reason.ERROR_RULE) && !name.equals(Reason.DEFAULT_RULE)) {
                        rules.add(mention(item));
                    }
                }
            }
            return names;
        }

        private Map<String, Integer> quorum(YamlNode node) {
            if (!node.isMap()) {
                error(node, "expected group: count pairs, got " + node.kind());
                return null;
            }
            Map<String, Integer> quorum = new LinkedHashMap<>();
            for (Map.Entry<String, YamlNode> e : node.map().entrySet()) {
                YamlNode v = e.getValue();
                if (v.token != JsonToken.VALUE_NUMBER_INT || !(v.value instanceof Integer i) || i < 1) {
                    error(v, "a quorum must be a whole number of at least 1");
                } else {
                    quorum.put(e.getKey(), i);
                }
            }
            return quorum;
        }

        private Duration duration(YamlNode node) {
            String text = text(node, "an ISO-8601 duration such as PT1H");
            if (text == null) {
                return null;
            }
            try {
                return Duration.parse(text);
            } catch (DateTimeParseException e) {
                error(node, "the ttl is not an ISO-8601 duration such as PT30M or PT1H");
                return null;
            }
        }

        private String text(YamlNode node, String what) {
            if (!node.isString()) {
                error(node, "expected " + what + ", got " + node.kind());
                return null;
            }
            return node.text();
        }

        private List<String> texts(YamlNode node, String what) {
            if (!node.isList()) {
                error(node, "expected a list of " + what + ", got " + node.kind());
                return null;
            }
            List<String> values = new ArrayList<>();
            for (YamlNode item : node.list()) {
                String s = text(item, "a string");
                if (s != null) {
                    values.add(s);
                }
            }
            return values;
        }

        private Mention mention(YamlNode node) {
            return new Mention(node.text(), file, node.line, node.column);
        }

        private void error(YamlNode at, String message) {
            error(at.line, at.column, message);
        }

        private void error(int[] at, String message) {
            error(at[0], at[1], message);
        }

        private void error(int line, int column, String message) {
            errors.add(new PolicyError(file, Math.max(line, 0), Math.max(column, 0), message));
        }
    }
}
