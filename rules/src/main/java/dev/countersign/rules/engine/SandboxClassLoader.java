package dev.countersign.rules.engine;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Set;
import org.drools.wiring.api.classloader.ProjectClassLoader;
import org.drools.wiring.dynamic.DynamicProjectClassLoader;
import org.drools.wiring.dynamic.PackageClassLoader;

/**
 * The class loader that compiled rules link through: a parent that exposes only the classes of
 * {@link RuleAllowList} and refuses every other, with {@link ClassNotFoundException} and no
 * {@code .class} resource, so that Drools' Java compiler cannot resolve a refused type and linked
 * code cannot load one. It is the second line of the rule sandbox, behind {@link RuleSandbox}'s
 * static check, for what that check might miss.
 *
 * <p>Tiers. Code Drools generates from rule text (consequences, {@code eval}s, DRL functions,
 * accumulate expressions, and their invokers) is defined by Drools' {@link PackageClassLoader}; a
 * request made on its behalf (the first frame below class loading is that loader or such code) gets
 * only {@link RuleAllowList#ruleLinkable}, and Drools' Java compiler reads only the class files of
 * {@link RuleAllowList#compilerVisible}. Drools' own generated code (field readers, jitted
 * constraints, declared types) also needs {@code java.lang.Class} and engine internals: other
 * requests get {@link RuleAllowList#engineLinkable}. The tier is read from the stack when a class is
 * first linked; the JVM does not ask again, so evaluation costs nothing extra. Members cannot be
 * refused this way (rule code links against {@code KnowledgeHelper}, whose {@code halt()} would
 * silence other rules): {@link CompiledCodeCheck} refuses those in the compiled bytecode.
 *
 * <p>Drools' {@link ProjectClassLoader} caches what it loaded for either tier, so the project
 * loader a build uses is {@link #newProjectClassLoader()}, which checks the tier before its cache;
 * the same instance must serve the builder and the kie base, whose package loaders define the rule
 * code. Drools would fall back to another loader only for OSGi or JBoss Modules class loaders (its
 * "drools class loader"). It asks the thread's context class loader only to discover its own
 * services, never for rule code or the classes rule code names.
 *
 * <p>Limit: conditions, {@code from} and accumulate expressions are MVEL, interpreted by reflection
 * on the objects at hand; MVEL resolves some simple names (System, Runtime, Thread, Class,
 * ClassLoader, Array...) from a built-in table, bypassing class loaders. Only the static check
 * stands between those and a condition, which is why it must be sound on conditions.
 */
final class SandboxClassLoader extends ClassLoader {
    static {
        registerAsParallelCapable();
    }

    private static final StackWalker STACK = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

    /** Frames of class loading itself, skipped to find who asks for a class. */
    private static final Set<Class<?>> LOADING = Set.of(SandboxClassLoader.class,
            SandboxedProjectClassLoader.class, DynamicProjectClassLoader.class, ProjectClassLoader.class,
            ClassLoader.class, Class.class);

    private final ClassLoader source;

    /** A sandbox over {@code source}, the loader that holds the JDK, Drools and the vocabulary. */
    SandboxClassLoader(ClassLoader source) {
        super("countersign-rules", null);
        this.source = source;
    }

    /** A fresh Drools project class loader for one build, whose parent is this sandbox. */
    ProjectClassLoader newProjectClassLoader() {
        return new SandboxedProjectClassLoader(this);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!allows(name)) {
            throw new ClassNotFoundException(name + " is not available to rules");
        }
        return source.loadClass(name);
    }

    /** Whether the class may be loaded for the caller: rule code gets the rule tier, Drools the engine tier. */
    boolean allows(String name) {
        return RuleAllowList.ruleLinkable(name) || (RuleAllowList.engineLinkable(name) && !onBehalfOfRuleCode(name));
    }

    /** Throws when rule code asks for a class of the engine tier only (called before Drools' own cache). */
    void checkCaller(String name) throws ClassNotFoundException {
        if (!RuleAllowList.ruleLinkable(name) && RuleAllowList.engineLinkable(name) && onBehalfOfRuleCode(name)) {
            throw new ClassNotFoundException(name + " is not available to rules");
        }
    }

    @Override
    public URL getResource(String name) {
        return exposes(name) ? source.getResource(name) : null;
    }

    @Override
    public Enumeration<URL> getResources(String name) throws IOException {
        return exposes(name) ? source.getResources(name) : Collections.emptyEnumeration();
    }

    /**
     * Class files of the tier of the caller (the Java compiler compiles only rule code), and Drools'
     * own configuration files; nothing else.
     */
    private boolean exposes(String resource) {
        if (resource.endsWith(".class")) {
            String name = resource.substring(0, resource.length() - ".class".length()).replace('/', '.');
            if (compilerOnStack()) {
                return RuleAllowList.compilerVisible(name);
            }
            return RuleAllowList.ruleLinkable(name) || (RuleAllowList.engineLinkable(name) && !ruleCodeOnStack());
        }
        return resource.startsWith("META-INF/kie.") && resource.endsWith(".conf");
    }

    /**
     * The type of the working memory, an input Drools' MVEL compiler declares for a condition that
     * calls a global beside a custom operator ({@code endpoint finds data.string("x")}); it asks the
     * rule package's loader for it, explicitly, which is not the JVM linking rule code (that would ask
     * again, and be refused).
     */
    private static final String WORKING_MEMORY = "org.drools.core.common.InternalWorkingMemory";
    private static final String MVEL_COMPILATION_UNIT = "org.drools.mvel.expr.MVELCompilationUnit";

    private static boolean onBehalfOfRuleCode(String name) {
        return ruleCodeOnStack() && !(name.equals(WORKING_MEMORY) && mvelInputTypeOnStack());
    }

    /** Whether Drools' MVEL compiler asks, through a rule package's loader, for an input type of a condition. */
    private static boolean mvelInputTypeOnStack() {
        return STACK.walk(frames -> frames
                .filter(f -> !LOADING.contains(f.getDeclaringClass()) && f.getDeclaringClass() != PackageClassLoader.class)
                .findFirst()
                .map(f -> f.getClassName().equals(MVEL_COMPILATION_UNIT) && f.getMethodName().equals("loadClass"))
                .orElse(false));
    }

    /**
     * Whether the request is made on behalf of rule code: the first frame below class loading itself
     * is Drools' loader of generated rule code (the JVM linking it, or Drools asking that loader), or
     * rule code itself.
     */
    private static boolean ruleCodeOnStack() {
        return STACK.walk(frames -> frames.map(StackWalker.StackFrame::getDeclaringClass)
                .filter(c -> !LOADING.contains(c))
                .findFirst()
                .map(c -> c == PackageClassLoader.class || c.getClassLoader() instanceof PackageClassLoader)
                .orElse(false));
    }

    private static boolean compilerOnStack() {
        return STACK.walk(frames -> frames.anyMatch(f -> {
            String c = f.getClassName();
            return c.startsWith("org.eclipse.jdt.") || c.startsWith("org.drools.ecj.");
        }));
    }

    /** Drools' project loader with the sandbox's tier check ahead of its cache of loaded classes. */
    private static final class SandboxedProjectClassLoader extends DynamicProjectClassLoader {
        private final SandboxClassLoader sandbox;

        SandboxedProjectClassLoader(SandboxClassLoader sandbox) {
            super(sandbox, null);
            this.sandbox = sandbox;
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            sandbox.checkCaller(name);
            return super.loadClass(name, resolve);
        }

        @Override
        public Class<?> internalLoadClass(String name, boolean resolve) throws ClassNotFoundException {
            sandbox.checkCaller(name);
            return super.internalLoadClass(name, resolve);
        }
    }
}
