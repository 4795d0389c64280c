package dev.countersign.rules.engine;

import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.bundle.SourceFile;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.drools.base.definitions.InternalKnowledgePackage;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.compiler.builder.impl.KnowledgeBuilderImpl;
import org.drools.kiesession.rulebase.InternalKnowledgeBase;
import org.drools.kiesession.rulebase.KnowledgeBaseFactory;
import org.drools.wiring.api.classloader.ProjectClassLoader;
import org.kie.api.KieServices;
import org.kie.api.definition.KiePackage;
import org.kie.api.definition.rule.Rule;
import org.kie.internal.builder.KnowledgeBuilder;

/**
 * Links what a build compiled into a rule base. A build with errors is linked too, without the rules
 * that did not build, only for checks that need a rule base ({@link ConditionTypes}), and is then
 * thrown away: such a bundle is never evaluated.
 */
final class RuleBases {
    private RuleBases() {
    }

    /** A rule base of what {@code builder} compiled, linked through {@code loader}; {@code byRule} gets where each rule is written. */
    static InternalKnowledgeBase link(KnowledgeBuilder builder, ProjectClassLoader loader, Map<String, RuleRef> refs,
            Map<Rule, RuleRef> byRule, Set<String> failedRules) {
        InternalKnowledgeBase kieBase = KnowledgeBaseFactory.newKnowledgeBase(KieServices.get().newKieBaseConfiguration(null, loader));
        if (kieBase.getRootClassLoader() != loader) {
            throw new IllegalStateException("Drools did not keep the sandbox class loader");
        }
        Collection<KiePackage> packages = compiled(builder);
        if (builder.hasErrors()) {
            // linked only to check what did compile (and thrown away): without the rules that did not
            for (KiePackage pkg : packages) {
                InternalKnowledgePackage p = (InternalKnowledgePackage) pkg;
                for (Rule r : List.copyOf(p.getRules())) {
                    RuleImpl rule = (RuleImpl) r;
                    RuleRef ref = refs.get(PolicyCompiler.key(p.getName(), rule.getName()));
                    if (!rule.isValid() || ref == null || failedRules.contains(RuleNames.keyOf(ref))) {
                        p.removeRule(rule);
                    }
                }
                p.resetErrors();
            }
        }
        InterpretedOperators.keep(packages);
        kieBase.addPackages(packages);
        for (KiePackage pkg : kieBase.getKiePackages()) {
            for (Rule rule : pkg.getRules()) {
                RuleRef ref = refs.get(PolicyCompiler.key(pkg.getName(), rule.getName()));
                byRule.put(rule, ref != null ? ref : new RuleRef(rule.getName(), pkg.getName(), "?", 0));
            }
        }
        return kieBase;
    }

    /** What {@code builder} compiled: with errors, the packages as far as they were built (Drools hands out none then). */
    static Collection<KiePackage> compiled(KnowledgeBuilder builder) {
        if (builder.hasErrors() && builder instanceof KnowledgeBuilderImpl impl) {
            return List.of(impl.getPackages());
        }
        return builder.getKnowledgePackages();
    }

    static Map<String, SourceFile> filesByPath(PolicyBundle bundle) {
        Map<String, SourceFile> files = new HashMap<>();
        bundle.ruleFiles().forEach(f -> files.put(f.path(), f));
        return files;
    }

}
