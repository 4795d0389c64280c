package dev.countersign.rules.lint;

import dev.countersign.rules.bundle.SourceFile;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.ExprConstraintDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.PatternDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;
import org.kie.internal.io.ResourceFactory;

/** Parses a rule file, as the compiler does, into {@link LintedRule}s. */
final class RuleReader {
    static final Set<String> PART_TYPES = Set.of("Actor", "Action", "Resource", "Target", "Context", "ActionContext");

    private static final Pattern VERDICT_CALL = Pattern.compile("\\b(allow|deny|requireApproval)\\s*\\(");
    private static final Pattern BRANCHING = Pattern.compile("\\b(if|for|while|switch|return)\\b|\\?");
    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'");
    private static final Pattern COMMENTS = Pattern.compile("//[^\\n]*|/\\*.*?\\*/", Pattern.DOTALL);

    private RuleReader() {
    }

    /** The rules of {@code file}; none when it does not parse (the compiler has reported why). */
    static List<LintedRule> read(SourceFile file) {
        DrlParser parser = new DrlParser();
        PackageDescr pkg;
        try {
            pkg = parser.parse(ResourceFactory.newByteArrayResource(file.content()).setSourcePath(file.path()));
        } catch (DroolsParserException | IOException e) {
            return List.of();
        }
        if (pkg == null || parser.hasErrors()) {
            return List.of();
        }
        SourceText source = new SourceText(file.text());
        List<LintedRule> rules = new ArrayList<>();
        for (RuleDescr rule : pkg.getRules()) {
            if (!rule.isQuery() && rule.getLhs() != null) {
                rules.add(rule(file.path(), pkg.getNamespace(), rule, source));
            }
        }
        return rules;
    }

    private static LintedRule rule(String path, String packageName, RuleDescr rule, SourceText source) {
        List<LintedRule.PartPattern> patterns = new ArrayList<>();
        boolean onlyRead = !rule.getLhs().getDescrs().isEmpty();
        for (BaseDescr d : rule.getLhs().getDescrs()) {
            if (d instanceof PatternDescr p && isPartPattern(p)) {
                LintedRule.PartPattern read = pattern(p, source);
                patterns.add(read);
                onlyRead &= read.complete();
            } else {
                onlyRead = false;
            }
        }
        String code = rule.getConsequence() instanceof String s ? STRINGS.matcher(COMMENTS.matcher(s).replaceAll(" ")).replaceAll("\"\"") : "";
        Set<String> verdicts = new HashSet<>();
        Matcher call = VERDICT_CALL.matcher(code);
        while (call.find()) {
            verdicts.add(call.group(1));
        }
        boolean unconditional = !BRANCHING.matcher(code).find() && rule.getNamedConsequences().isEmpty();
        return new LintedRule(path, packageName, rule.getName(), rule.getLine(), rule.getColumn() + 1, source,
                Set.copyOf(verdicts), unconditional, List.copyOf(patterns), onlyRead);
    }

    private static boolean isPartPattern(PatternDescr p) {
        return PART_TYPES.contains(p.getObjectType()) && p.getSource() == null && !p.isQuery()
                && p.getBehaviors().isEmpty() && p.getAnnotations().isEmpty();
    }

    private static LintedRule.PartPattern pattern(PatternDescr p, SourceText source) {
        List<Atom> atoms = new ArrayList<>();
        boolean complete = true;
        for (BaseDescr c : p.getDescrs()) {
            if (c instanceof ExprConstraintDescr e) {
                ConstraintReader.Reading reading = ConstraintReader.read(e.getExpression(), e.getStartCharacter(), source,
                        e.getLine(), e.getColumn() + 1);
                atoms.addAll(reading.atoms());
                complete &= reading.complete();
            } else {
                complete = false;
            }
        }
        return new LintedRule.PartPattern(p.getObjectType(), p.getLine(), p.getColumn() + 1, List.copyOf(atoms), complete);
    }
}
