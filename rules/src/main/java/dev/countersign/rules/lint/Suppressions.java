package dev.countersign.rules.lint;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Deliberate silences: {@code // lint:ignore <id>[, <id>...]} (optionally followed by a reason) in a
 * rule file. At the end of a line, it applies to that line; alone on a line (possibly among other
 * comment lines), to the next line that is not a comment. When that line is a rule's header
 * ({@code rule "name"}), the comment silences those lints for the whole rule; otherwise only the
 * findings on that line. A comment that silences nothing, or names no lint, is itself a finding
 * ({@link Lint#UNUSED_IGNORE}), so silences do not outlive what they were for.
 */
final class Suppressions {
    private static final Pattern IGNORE = Pattern.compile("//\\s*lint:ignore\\s+([A-Za-z0-9_-]+(?:\\s*,\\s*[A-Za-z0-9_-]+)*)");
    private static final Pattern STRINGS = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");

    private Suppressions() {
    }

    private record Ignore(String file, int line, int column, Set<String> ids, int target, LintedRule rule, Set<String> used) {
        boolean covers(LintFinding f) {
            if (!f.file().equals(file) || !ids.contains(f.lint().id())) {
                return false;
            }
            return rule != null && rule.line() == target ? f.rule().equals(rule.name()) : f.line() == target;
        }
    }

    /** {@code findings} without those silenced, plus a finding for each ignore comment that silenced nothing. */
    static List<LintFinding> apply(List<LintFinding> findings, List<LintedRule> rules) {
        List<Ignore> ignores = new ArrayList<>();
        rules.stream().map(LintedRule::file).distinct().forEach(file -> {
            List<LintedRule> inFile = rules.stream().filter(r -> r.file().equals(file)).toList();
            read(file, inFile.get(0).source(), inFile, ignores);
        });
        List<LintFinding> kept = new ArrayList<>();
        for (LintFinding f : findings) {
            boolean silenced = false;
            for (Ignore i : ignores) {
                if (i.covers(f)) {
                    i.used().add(f.lint().id());
                    silenced = true;
                }
            }
            if (!silenced) {
                kept.add(f);
            }
        }
        for (Ignore i : ignores) {
            for (String id : i.ids()) {
                if (i.used().contains(id)) {
                    continue;
                }
                String rule = i.rule() == null ? "" : i.rule().name();
                boolean known = Lint.byId(id) != null;
                kept.add(new LintFinding(i.file(), i.line(), i.column(), rule, Lint.UNUSED_IGNORE,
                        known ? "lint:ignore " + id + " silences nothing" : "lint:ignore names no lint \"" + id + "\"",
                        known ? "remove it" : "the lints are " + String.join(", ", java.util.Arrays.stream(Lint.values()).map(Lint::id).toList())));
            }
        }
        return kept;
    }

    private static void read(String file, SourceText source, List<LintedRule> rules, List<Ignore> into) {
        for (int line = 1; line <= source.lineCount(); line++) {
            String text = source.lineText(line);
            String code = STRINGS.matcher(text).replaceAll(m -> "\"" + "_".repeat(m.group().length() - 2) + "\"");
            Matcher m = IGNORE.matcher(code);
            if (!m.find()) {
                continue;
            }
            int target = line;
            if (code.substring(0, m.start()).isBlank()) {
                target = line + 1;
                while (target <= source.lineCount() && (source.lineText(target).isBlank() || source.lineText(target).trim().startsWith("//"))) {
                    target++;
                }
            }
            Set<String> ids = new LinkedHashSet<>();
            for (String id : m.group(1).split(",")) {
                ids.add(id.trim());
            }
            into.add(new Ignore(file, line, m.start() + 1, ids, target, ruleAt(rules, target), new java.util.HashSet<>()));
        }
    }

    /** The rule whose text holds {@code line}: the last rule starting at or before it. */
    private static LintedRule ruleAt(List<LintedRule> rules, int line) {
        LintedRule at = null;
        for (LintedRule r : rules) {
            if (r.line() <= line && (at == null || r.line() > at.line())) {
                at = r;
            }
        }
        return at;
    }
}
