package dev.countersign.rules.engine;

import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.SourceFile;
import dev.countersign.rules.engine.PolicyCompiler.ParsedFile;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.drools.drl.ast.descr.RuleDescr;

/**
 * Which rule files a build compiles when some cannot be: every file that parsed and that the rule
 * sandbox accepts is built, so that one run reports the errors of every file; a file that does not
 * parse, or whose code the sandbox refuses, is left out (refused code is never handed to Drools'
 * compilers), and so is the second definition of a rule name within a package. What a left-out file
 * defines (its DRL functions, queries and declared types) is then missing from the build: an error of
 * a built file that names one of these follows from the left-out file and is not reported, since it
 * would send the author after a mistake that is not theirs; it is reported, if still wrong, once the
 * left-out file is fixed.
 */
final class BuildScope {
    private static final Pattern FUNCTION = Pattern.compile("(?m)^\\s*function\\s+[\\w.$<>\\[\\], ?]*?\\s([\\w$]+)\\s*\\(");
    private static final Pattern DECLARED = Pattern.compile("(?m)^\\s*declare\\s+(?:trait\\s+|enum\\s+|type\\s+)?([\\w$.]+)");
    private static final Pattern QUERY = Pattern.compile("(?m)^\\s*query\\s+\"?([\\w$]+)");

    private final Set<String> missingNames;

    private BuildScope(Set<String> missingNames) {
        this.missingNames = missingNames;
    }

    /** The scope of a build from which the rule files at the paths in {@code leftOut} are left out. */
    static BuildScope of(List<SourceFile> files, Set<String> leftOut) {
        Set<String> names = new HashSet<>();
        for (SourceFile file : files) {
            if (leftOut.contains(file.path())) {
                String text = SourceChecks.blankComments(file.text());
                for (Pattern p : List.of(FUNCTION, DECLARED, QUERY)) {
                    Matcher m = p.matcher(text);
                    while (m.find()) {
                        String name = m.group(1);
                        names.add(name.substring(name.lastIndexOf('.') + 1));
                    }
                }
            }
        }
        return new BuildScope(names);
    }

    /**
     * The files to build: those of {@code parsed} not left out, each without the rules whose name an
     * earlier file of its package already defines ({@code refs} holds where each rule is first defined).
     */
    static List<ParsedFile> built(List<ParsedFile> parsed, Set<String> leftOut, Map<String, RuleRef> refs) {
        List<ParsedFile> built = new ArrayList<>();
        for (ParsedFile p : parsed) {
            if (leftOut.contains(p.file().path())) {
                continue;
            }
            String pkg = p.descr().getNamespace();
            List<RuleDescr> duplicates = new ArrayList<>();
            for (RuleDescr rule : p.descr().getRules()) {
                RuleRef first = refs.get(PolicyCompiler.key(pkg, rule.getName()));
                if (!rule.isQuery() && first != null
                        && !(first.file().equals(p.file().path()) && first.line() == rule.getLine())) {
                    duplicates.add(rule);
                }
            }
            p.descr().getRules().removeAll(duplicates);
            built.add(p);
        }
        return built;
    }

    /**
     * Whether {@code error}, a build error of a built file, is about a name that only a left-out file
     * defines: a call of an undefined function ({@code The method trusted(String) is undefined}), a name
     * that cannot be resolved, an unknown fact type or a type without the property.
     */
    boolean followsFromLeftOut(PolicyError error) {
        for (String name : missingNames) {
            String n = Pattern.quote(name);
            if (Pattern.compile("(?<![\\w$])" + n + "(\\(| cannot be resolved| has no property)|'" + n + "'")
                    .matcher(error.message()).find()) {
                return true;
            }
        }
        return false;
    }
}
