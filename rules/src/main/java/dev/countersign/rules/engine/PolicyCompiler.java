package dev.countersign.rules.engine;

import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.PolicyError;
import dev.countersign.rules.bundle.BundleData;
import dev.countersign.rules.bundle.PolicyBundle;
import dev.countersign.rules.bundle.SourceFile;
import dev.countersign.rules.model.ActionContext;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.drools.base.base.ClassObjectType;
import org.drools.base.definitions.rule.impl.RuleImpl;
import org.drools.base.rule.Pattern;
import org.drools.base.rule.RuleConditionElement;
import org.drools.core.reteoo.ObjectTypeNode;
import org.drools.drl.ast.descr.BaseDescr;
import org.drools.drl.ast.descr.ConditionalElementDescr;
import org.drools.drl.ast.descr.ExprConstraintDescr;
import org.drools.drl.ast.descr.FunctionDescr;
import org.drools.drl.ast.descr.FunctionImportDescr;
import org.drools.drl.ast.descr.GlobalDescr;
import org.drools.drl.ast.descr.ImportDescr;
import org.drools.drl.ast.descr.PackageDescr;
import org.drools.drl.ast.descr.PatternDescr;
import org.drools.drl.ast.descr.AttributeDescr;
import org.drools.drl.ast.descr.RuleDescr;
import org.drools.drl.parser.DrlParser;
import org.drools.drl.parser.DroolsParserException;
import org.drools.io.DescrResource;
import org.drools.kiesession.rulebase.InternalKnowledgeBase;
import org.drools.wiring.api.classloader.ProjectClassLoader;
import org.kie.api.definition.rule.Rule;
import org.kie.api.event.kiebase.BeforeRuleAddedEvent;
import org.kie.api.event.kiebase.DefaultKieBaseEventListener;
import org.kie.api.event.kiebase.KieBaseEventListener;
import org.kie.api.io.Resource;
import org.kie.api.io.ResourceType;
import org.kie.internal.builder.CompositeKnowledgeBuilder;
import org.kie.internal.builder.KnowledgeBuilder;
import org.kie.internal.builder.KnowledgeBuilderConfiguration;
import org.kie.internal.builder.KnowledgeBuilderFactory;
import org.kie.internal.builder.KnowledgeBuilderResult;
import org.kie.internal.builder.ResultSeverity;
import org.kie.internal.io.ResourceFactory;

/**
 * Compiles a {@link PolicyBundle} into an immutable {@link CompiledPolicy}, or reports every problem
 * found as one {@link InvalidPolicyException}, sorted by file, line and column.
 *
 * <p>Rule files are parsed and checked one by one (syntax errors, the package declaration, duplicate
 * rule names across files, the checks of {@link SourceChecks}, and the rule sandbox's static checks,
 * {@link RuleSandbox} and {@link TerminationCheck}); every file that parses and that the sandbox
 * accepts is then built, with the DRL/MVEL builder, which reports unknown properties at their real
 * line, so that one run reports the errors of every file ({@link BuildScope}: what is left out of the
 * build, and the errors that only follow from that). What the build compiled is checked again
 * ({@link CompiledCodeCheck}), its conditions are compiled as MVEL would only at their first
 * evaluation ({@link ConditionTypes}), and the build, and the rules it produces, load classes only
 * through a {@link SandboxClassLoader}. Errors inside a rule name it ({@link RuleNames}); build
 * errors carry the hints of {@link Vocabulary}. Once every rule file parses, the names the manifest
 * and the rule tests give (the {@code always} packages; a case's package, the rules of its reasons,
 * the data paths it replaces) are checked against the rules and the data documents
 * ({@link BundleReferences}). The vocabulary is added to
 * every package programmatically (imports of the model, the helper functions of {@link Verdicts},
 * the global {@code data}), so authors write no imports and lines stay theirs. Each for-each loop of
 * rule code checks the evaluation's budget ({@link RuleLoops}), and so does each {@code from} source
 * ({@link FromSources}). The text operators {@code finds} and {@code str[...]} are the null-safe ones
 * of {@link TextOperators}. A compiled policy is evaluated once, within its budget, before it is returned
 * ({@link CompiledPolicy#warmUp()}), and the first compilation in a JVM warms the engine up
 * ({@link EngineWarmUp}), so that first decisions do not pay for what is done on first use.
 * Compilation is slow (seconds for thousands of rules): never call it on an event loop.
 */
public final class PolicyCompiler {
    private static final String MODEL_PACKAGE = ActionContext.class.getPackageName();
    private static final List<String> FUNCTIONS = List.of("allow", "deny", "requireApproval");
    private static final String ENTER = Verdicts.class.getName() + ".enter(drools); ";

    private static final SandboxClassLoader SANDBOX = new SandboxClassLoader(PolicyCompiler.class.getClassLoader());

    private PolicyCompiler() {
    }

    /** Decisions a compiled policy remembers by default (see {@link #compile(PolicyBundle, int)}). */
    public static final int DEFAULT_CACHE_SIZE = CacheBounds.DEFAULT_ENTRIES;

    /** How long one evaluation may take by default (see {@link #compile(PolicyBundle, int, Duration)}). */
    public static final Duration DEFAULT_MAX_EVALUATION_TIME = Duration.ofMillis(50);

    public static CompiledPolicy compile(PolicyBundle bundle) throws InvalidPolicyException {
        return compile(bundle, DEFAULT_CACHE_SIZE);
    }

    /** Compiles a bundle whose policy remembers up to {@code cacheSize} decisions (0: none, every decision is evaluated). */
    public static CompiledPolicy compile(PolicyBundle bundle, int cacheSize) throws InvalidPolicyException {
        return compile(bundle, cacheSize, DEFAULT_MAX_EVALUATION_TIME);
    }

    /**
     * Compiles a bundle whose policy remembers up to {@code cacheSize} decisions and cuts off an
     * evaluation still running after {@code maxEvaluationTime} (see {@link CompiledPolicy}).
     */
    public static CompiledPolicy compile(PolicyBundle bundle, int cacheSize, Duration maxEvaluationTime) throws InvalidPolicyException {
        return compile(bundle, CacheBounds.ofEntries(cacheSize), maxEvaluationTime, Checks.ALL);
    }

    /**
     * Compiles a bundle whose policy remembers decisions within {@code cache} and cuts off an
     * evaluation still running after {@code maxEvaluationTime} (see {@link CompiledPolicy}).
     */
    public static CompiledPolicy compile(PolicyBundle bundle, CacheBounds cache, Duration maxEvaluationTime) throws InvalidPolicyException {
        return compile(bundle, cache, maxEvaluationTime, Checks.ALL);
    }

    /** Which of the rule sandbox's checks a build makes; all but {@link #ALL} exist so that tests can show each line alone. */
    enum Checks {
        /** {@link RuleSandbox} on the text, {@link CompiledCodeCheck} on the bytecode, {@link SandboxClassLoader} when linking. */
        ALL,
        /** Without {@link RuleSandbox}. */
        WITHOUT_STATIC_CHECK,
        /** {@link SandboxClassLoader} alone. */
        CLASS_LOADER_ONLY
    }

    /** As {@link #compile(PolicyBundle, int)}, making only some of the sandbox's checks (for tests). */
    static CompiledPolicy compile(PolicyBundle bundle, int cacheSize, Checks checks) throws InvalidPolicyException {
        return compile(bundle, CacheBounds.ofEntries(cacheSize), DEFAULT_MAX_EVALUATION_TIME, checks);
    }

    private static CompiledPolicy compile(PolicyBundle bundle, CacheBounds cacheBounds, Duration maxEvaluationTime, Checks checks)
            throws InvalidPolicyException {
        if (maxEvaluationTime.isNegative() || maxEvaluationTime.isZero()) {
            throw new IllegalArgumentException("the evaluation budget must be longer than zero, got " + maxEvaluationTime);
        }
        List<PolicyError> errors = new ArrayList<>(bundle.problems());
        boolean dataUsable = bundle.problems().stream().noneMatch(e -> isDataDocument(e.file()));
        Map<Resource, SourceFile> resources = new IdentityHashMap<>();
        List<ParsedFile> parsed = new ArrayList<>();
        Set<String> leftOut = new HashSet<>();
        List<PolicyError> buildErrors = new ArrayList<>(); // what Drools' build found: their rules may be half built
        List<PolicyError> inRules = new ArrayList<>(); // errors of rule code, to be named after their rule
        List<PolicyError> notBuilt = new ArrayList<>(); // unknown fact types of refused files, which the build cannot report
        RuleSandbox sandbox = checks == Checks.ALL ? RuleSandbox.of(bundle.ruleFiles()) : null;
        for (SourceFile file : bundle.ruleFiles()) {
            ParsedFile p = parse(file, resources, errors);
            if (p != null) {
                parsed.add(p);
            } else {
                leftOut.add(file.path());
            }
            List<PolicyError> repeated = RuleControls.repeated(file);
            if (!repeated.isEmpty()) {
                errors.addAll(repeated);
                leftOut.add(file.path()); // the build would refuse it without saying where
            }
            SourceChecks.check(file, dataUsable ? bundle.data() : null, inRules);
            List<PolicyError> unknownTypes = new ArrayList<>();
            if (sandbox != null && sandbox.check(file, inRules, unknownTypes)) {
                leftOut.add(file.path()); // refused code is never handed to Drools' compilers
                notBuilt.addAll(unknownTypes);
            }
        }
        if (sandbox != null) {
            // a loop or a recursion that need not end would hold its evaluation past any budget
            List<PolicyError> endless = new ArrayList<>();
            TerminationCheck.check(bundle.ruleFiles(), endless);
            endless.forEach(e -> leftOut.add(e.file()));
            inRules.addAll(endless);
        }
        Map<String, RuleRef> refs = ruleRefs(parsed, bundle, errors);
        if (parsed.size() == bundle.ruleFiles().size()) {
            // the names of the manifest and the tests, when every rule name is known
            BundleReferences.check(bundle, refs.values(), dataUsable ? bundle.data() : null, errors);
        }
        List<ParsedFile> built = BuildScope.built(parsed, leftOut, refs);
        BuildScope scope = BuildScope.of(bundle.ruleFiles(), leftOut);
        ProjectClassLoader loader = SANDBOX.newProjectClassLoader();
        KnowledgeBuilderConfiguration configuration = KnowledgeBuilderFactory.newKnowledgeBuilderConfiguration(null, loader);
        TextOperators.configure(configuration);
        KnowledgeBuilder builder = KnowledgeBuilderFactory.newKnowledgeBuilder(configuration);
        Vocabulary vocabulary = Vocabulary.of(parsed, FUNCTIONS);
        List<TextOperators.Site> textSites = new ArrayList<>();
        notBuilt.forEach(e -> inRules.add(new PolicyError(e.file(), e.line(), e.column(), vocabulary.unknownType(e.message()))));
        if (!built.isEmpty()) {
            CompositeKnowledgeBuilder batch = builder.batch();
            for (ParsedFile p : built) {
                addVocabulary(p.descr);
                announceRules(p.descr);
                FlatPlanner.plan(p.descr);
                AnchorPlanner.plan(p.descr);
                TextOperators.rewrite(p.descr, textSites, (pkg, name) -> refs.get(key(pkg, name)));
                DescrResource resource = new DescrResource(p.descr);
                resources.put(resource, p.file);
                batch.add(resource, ResourceType.DESCR);
            }
            batch.build();
            for (KnowledgeBuilderResult r : builder.getResults(ResultSeverity.ERROR)) {
                if (!BuildErrors.isNoise(r)) {
                    for (PolicyError error : BuildErrors.translate(r, resources, built.size() == 1 ? built.get(0).file : null, vocabulary)) {
                        if (!scope.followsFromLeftOut(error)) {
                            inRules.add(error);
                            buildErrors.add(error);
                        }
                    }
                }
            }
        }
        RuleNames names = RuleNames.of(parsed);
        boolean buildFailed = !inRules.isEmpty() || !leftOut.isEmpty();
        Set<String> reportedRules = new HashSet<>();
        inRules.stream().map(names::ruleOf).filter(r -> r != null).forEach(reportedRules::add);
        Set<String> failedRules = new HashSet<>();
        buildErrors.stream().map(names::ruleOf).filter(r -> r != null).forEach(failedRules::add);
        List<PolicyError> codeErrors = new ArrayList<>();
        if (checks != Checks.CLASS_LOADER_ONLY && !built.isEmpty()) {
            CompiledCodeCheck.check(RuleBases.compiled(builder), origins(parsed, refs), declaredTypes(parsed), codeErrors);
        }
        // what the bytecode check finds in a rule with errors already repeats them (insert(...) is one)
        codeErrors.stream().filter(e -> !reportedRules.contains(names.ruleOf(e))).forEach(errors::add);
        InternalKnowledgeBase kieBase = null;
        Map<Rule, RuleRef> byRule = new IdentityHashMap<>();
        if (codeErrors.isEmpty() && !built.isEmpty()) {
            // what compiled is linked even when other parts of the bundle did not, so that conditions MVEL
            // would only compile when first evaluated are checked in the same run (ConditionTypes)
            try {
                kieBase = RuleBases.link(builder, loader, refs, byRule, failedRules);
                ConditionTypes.check(kieBase, byRule, RuleBases.filesByPath(bundle), failedRules, inRules);
            } catch (RuntimeException e) {
                if (!buildFailed) {
                    throw e;
                }
                kieBase = null; // a build with errors need not link; its errors are reported
            }
        }
        inRules.forEach(e -> errors.add(names.named(e)));
        if (!errors.isEmpty()) {
            throw new InvalidPolicyException(errors);
        }
        if (kieBase == null) {
            kieBase = RuleBases.link(builder, loader, refs, byRule, Set.of());
        }
        FromSources.install(kieBase, byRule);
        CompiledPolicy policy = new CompiledPolicy(bundle, kieBase, byRule, constraintIndex(parsed, refs), ruleClasses(parsed, refs), textSites,
                insertedParts(kieBase), matchesFlat(kieBase), cacheBounds, maxEvaluationTime);
        EngineWarmUp.once();
        policy.warmUp();
        return policy;
    }

    /** A rule file that parsed, with what the parser made of it. */
    record ParsedFile(SourceFile file, PackageDescr descr) {
    }

    /** The rule or function each class Drools generated from rule text comes from (Drools names them on the descriptions it built). */
    private static Map<String, CompiledCodeCheck.Origin> origins(List<ParsedFile> parsed, Map<String, RuleRef> refs) {
        Map<String, CompiledCodeCheck.Origin> origins = new HashMap<>();
        for (ParsedFile p : parsed) {
            String pkg = p.descr.getNamespace();
            for (RuleDescr rule : p.descr.getRules()) {
                if (rule.getClassName() != null) {
                    origins.put(pkg + "." + rule.getClassName(), new CompiledCodeCheck.Origin(p.file.path(), rule.getLine(),
                            (rule.isQuery() ? "query \"" : "rule \"") + rule.getName() + "\""));
                }
            }
            for (FunctionDescr function : p.descr.getFunctions()) {
                String name = function.getName();
                String className = function.getClassName() != null ? function.getClassName() // qualified, unlike a rule's
                        : pkg + "." + Character.toUpperCase(name.charAt(0)) + name.substring(1);
                origins.put(className, new CompiledCodeCheck.Origin(p.file.path(), function.getLine(), "function " + name));
            }
        }
        return origins;
    }

    /** Each rule by the name of the class Drools generated for its code (consequences, evals), to name a rule from a stack trace. */
    private static Map<String, RuleRef> ruleClasses(List<ParsedFile> parsed, Map<String, RuleRef> refs) {
        Map<String, RuleRef> classes = new HashMap<>();
        for (ParsedFile p : parsed) {
            for (RuleDescr rule : p.descr.getRules()) {
                RuleRef ref = refs.get(key(p.descr.getNamespace(), rule.getName()));
                if (ref != null && rule.getClassName() != null) {
                    classes.put(p.descr.getNamespace() + "." + rule.getClassName(), ref);
                }
            }
        }
        return classes;
    }

    private static Set<String> declaredTypes(List<ParsedFile> parsed) {
        Set<String> types = new HashSet<>();
        for (ParsedFile p : parsed) {
            p.descr.getClassAndEnumDeclarationDescrs().forEach(d -> types.add(d.getFullTypeName()));
        }
        return types;
    }

    private static boolean isDataDocument(String path) {
        String name = path.substring(path.lastIndexOf('/') + 1);
        return name.startsWith("data.");
    }

    private static ParsedFile parse(SourceFile file, Map<Resource, SourceFile> resources, List<PolicyError> errors) {
        PolicyError tooDeep = DrlTokens.tooDeep(file);
        if (tooDeep != null) {
            errors.add(tooDeep);   // the DRL parser recurses per bracket and would overflow its stack
            return null;
        }
        Resource resource = ResourceFactory.newByteArrayResource(file.content()).setSourcePath(file.path());
        resources.put(resource, file);
        TextOperators.registerOperators();
        DrlParser parser = new DrlParser();
        PackageDescr descr;
        try {
            descr = parser.parse(resource);
        } catch (DroolsParserException | IOException e) {
            errors.add(new PolicyError(file.path(), 0, 0, "cannot be parsed: " + e.getMessage()));
            return null;
        }
        if (parser.hasErrors() || descr == null) {
            List<MissingEnd.Finding> missingEnds = MissingEnd.find(file);
            missingEnds.forEach(m -> errors.add(m.error()));
            boolean reported = !missingEnds.isEmpty();
            for (var error : parser.getErrors()) {
                if (!BuildErrors.isNoise(error)) {
                    PolicyError translated = BuildErrors.translate(error, resources, file);
                    if (missingEnds.stream().noneMatch(m -> translated.line() >= m.fromLine() && translated.line() <= m.toLine())) {
                        errors.add(translated);
                    }
                    reported = true;
                }
            }
            if (!reported) {
                errors.add(new PolicyError(file.path(), 0, 0, "cannot be parsed"));
            }
            return null;
        }
        if (descr.getNamespace() == null || descr.getNamespace().isBlank()) {
            errors.add(new PolicyError(file.path(), 1, 1,
                    "no package declaration; start the file with one, such as 'package policies.export'"));
            return null;
        }
        return new ParsedFile(file, descr);
    }

    /**
     * Rule attributes a decision cannot honour: those that make a rule depend on when it is evaluated,
     * and those that stop rules firing, which would let an allow silence a deny.
     */
    private static final Map<String, String> REFUSED_ATTRIBUTES = Map.of(
            "date-effective", "makes the decision depend on when it is made; compare with the caller's Context( time ) instead",
            "date-expires", "makes the decision depend on when it is made; compare with the caller's Context( time ) instead",
            "timer", "makes the decision depend on when it is made; a decision is evaluated once, now",
            "duration", "makes the decision depend on when it is made; a decision is evaluated once, now",
            "calendars", "makes the decision depend on when it is made; compare with the caller's Context( time ) instead",
            "agenda-group", "would keep the rule from firing; every rule whose conditions hold is part of the decision",
            "ruleflow-group", "would keep the rule from firing; every rule whose conditions hold is part of the decision",
            "activation-group", "would let one rule silence others; every rule whose conditions hold is part of the decision",
            "auto-focus", "has no meaning here: agenda groups are not used");

    /**
     * Where each rule is written; a rule name defined twice in one package is an error at its second
     * place, and so is an attribute in {@link #REFUSED_ATTRIBUTES}. Each rule carries the controls it
     * names ({@link RuleControls}).
     */
    private static Map<String, RuleRef> ruleRefs(List<ParsedFile> parsed, PolicyBundle bundle, List<PolicyError> errors) {
        Map<String, RuleRef> refs = new HashMap<>();
        for (ParsedFile p : parsed) {
            Map<RuleDescr, List<String>> controls = RuleControls.of(p.file, p.descr.getRules(), bundle.controls(),
                    bundle.requireControls(), errors);
            for (RuleDescr rule : p.descr.getRules()) {
                if (rule.isQuery()) {
                    continue;
                }
                RuleRef ref = new RuleRef(rule.getName(), p.descr.getNamespace(), p.file.path(), rule.getLine(),
                        controls.getOrDefault(rule, List.of()));
                RuleRef earlier = refs.putIfAbsent(key(ref.packageName(), ref.name()), ref);
                if (earlier != null) {
                    errors.add(new PolicyError(p.file.path(), rule.getLine(), 0, "rule \"" + rule.getName()
                            + "\" is already defined in package " + ref.packageName() + " at " + earlier.source()));
                }
                for (Map.Entry<String, AttributeDescr> attribute : rule.getAttributes().entrySet()) {
                    String why = REFUSED_ATTRIBUTES.get(attribute.getKey());
                    if (why != null) {
                        AttributeDescr at = attribute.getValue();
                        int line = at.getLine() > 0 ? at.getLine() : rule.getLine();
                        errors.add(new PolicyError(p.file.path(), line, nameColumn(p.file.text(), line, attribute.getKey(), at.getColumn()),
                                "rule \"" + rule.getName() + "\": the attribute " + attribute.getKey() + " " + why));
                    }
                }
            }
        }
        return refs;
    }

    /** Each condition's text to the first rule (by file and line) that writes it, to name the rule of a failed condition. */
    private static Map<String, RuleRef> constraintIndex(List<ParsedFile> parsed, Map<String, RuleRef> refs) {
        Map<String, RuleRef> index = new HashMap<>();
        for (ParsedFile p : parsed) {
            for (RuleDescr rule : p.descr.getRules()) {
                RuleRef ref = refs.get(key(p.descr.getNamespace(), rule.getName()));
                if (ref != null && rule.getLhs() != null) {
                    collectConstraints(rule.getLhs(), ref, index);
                }
            }
        }
        return index;
    }

    private static void collectConstraints(BaseDescr descr, RuleRef rule, Map<String, RuleRef> index) {
        if (descr instanceof ExprConstraintDescr e) {
            index.putIfAbsent(e.getExpression().trim(), rule);
        } else if (descr instanceof PatternDescr p) {
            p.getDescrs().forEach(d -> collectConstraints(d, rule, index));
        } else if (descr instanceof ConditionalElementDescr ce) {
            ce.getDescrs().forEach(d -> collectConstraints(d, rule, index));
        }
    }

    /** The column of {@code name} on {@code line}, before {@code valueColumn} (Drools places an attribute at its value). */
    private static int nameColumn(String text, int line, String name, int valueColumn) {
        String[] lines = text.split("\n", -1);
        if (line < 1 || line > lines.length) {
            return Math.max(valueColumn, 0);
        }
        String l = lines[line - 1];
        int at = valueColumn > 0 ? l.lastIndexOf(name, valueColumn - 1) : l.indexOf(name);
        return at >= 0 ? at + 1 : Math.max(valueColumn, 0);
    }

    static String key(String packageName, String rule) {
        return packageName + '\u0000' + rule;
    }

    private static void addVocabulary(PackageDescr descr) {
        descr.addImport(new ImportDescr(MODEL_PACKAGE + ".*"));
        for (String function : FUNCTIONS) {
            FunctionImportDescr f = new FunctionImportDescr();
            f.setTarget(Verdicts.class.getName() + "." + function);
            descr.addFunctionImport(f);
        }
        descr.addGlobal(new GlobalDescr("data", BundleData.class.getName()));
        descr.addGlobal(new GlobalDescr(AnchorPlanner.CONTEXT_GLOBAL, Object.class.getName()));
    }

    /**
     * Prefixes every consequence with a call telling the vocabulary which rule speaks, and passes the
     * collection of every for-each loop in consequences and DRL functions through
     * {@link RuleLoops#each}. Both go on lines already there, so no line number moves.
     */
    private static void announceRules(PackageDescr descr) {
        for (RuleDescr rule : descr.getRules()) {
            if (!rule.isQuery() && rule.getConsequence() instanceof String consequence) {
                rule.setConsequence(ENTER + RuleLoops.counted(consequence));
            }
            rule.getNamedConsequences().replaceAll((name, c) -> c instanceof String text ? ENTER + RuleLoops.counted(text) : c);
        }
        for (FunctionDescr function : descr.getFunctions()) {
            function.setBody(RuleLoops.counted(function.getBody()));
        }
    }

    /** Whether some rule matches the {@link FlatContext} ({@link FlatPlanner} rewrote it), which is then inserted too. */
    private static boolean matchesFlat(InternalKnowledgeBase kieBase) {
        for (ObjectTypeNode node : kieBase.getRete().getObjectTypeNodes()) {
            if (node.getObjectType() instanceof ClassObjectType type && type.getClassType() == FlatContext.class) {
                return true;
            }
        }
        return false;
    }

    /** The parts some rule matches as facts; the others need not be inserted. */
    private static Set<Part> insertedParts(InternalKnowledgeBase kieBase) {
        Set<Part> parts = EnumSet.noneOf(Part.class);
        for (ObjectTypeNode node : kieBase.getRete().getObjectTypeNodes()) {
            if (node.getObjectType() instanceof ClassObjectType type) {
                for (Part part : Part.values()) {
                    if (type.getClassType().isAssignableFrom(part.type) && type.getClassType() != org.drools.base.InitialFact.class) {
                        parts.add(part);
                    }
                }
            }
        }
        return parts;
    }
}
