package dev.countersign.rules.engine;

import dev.countersign.rules.bundle.BundleData;
import dev.countersign.rules.model.ActionContext;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What rules may use: the pure classes they may name, the members they may call on any value, and
 * the classes compiled rule code may link against.
 *
 * <p>{@link #VISIBLE} are the classes a rule may name (facts, the data global's type and pure value
 * types of the JDK). Every public method and field of them whose type is again visible (or a
 * primitive or a type variable; never an array) makes its name an allowed member; a name that
 * some visible class also uses for a member of another type (a {@code Class}, a {@code Stream}...)
 * is refused everywhere, since rules are checked without knowing the receiver's type. Names that
 * read the clock, randomness or the JVM's configuration, and those of reflection, are refused
 * whatever their signature ({@link #IMPURE}, {@link #REFUSED}).
 *
 * <p>For {@link SandboxClassLoader}, three tiers. {@link #ruleLinkable(String)}: what rule code
 * may link against, the visible classes and their supertypes with what the Java Drools wraps around
 * rule text (a consequence method, an {@code eval}, a DRL function class, an accumulate expression)
 * and the invokers it generates need. {@link #compilerVisible(String)}: what Drools' Java compiler may
 * read, which adds the types the visible classes' signatures mention (it needs them to choose an
 * overload) but never a clock or a random generator. {@link #engineLinkable(String)}: what Drools'
 * own generated code needs besides (field readers and jitted constraints use {@code java.lang.Class}
 * and engine internals).
 */
final class RuleAllowList {
    private static final String MODEL = ActionContext.class.getPackageName();

    /**
     * Classes rules may name, by binary name. Every value a rule can hold has text that is a function of
     * its value: a type whose instances, as rules would get them, print their identity
     * ({@code Object.toString}: class name and identity hash, different on every run) is not here, so
     * members yielding one are refused like any hidden type: iterators, comparators
     * ({@code Comparator.reverseOrder()}, {@code String.CASE_INSENSITIVE_ORDER}), {@code MatchResult}
     * ({@code Matcher.toMatchResult()}), the lambdas of {@code TemporalAdjusters}, and arrays
     * ({@link #holdable}). What rules do hold prints its value, so concatenation and {@code toString}
     * need no check of their own.
     */
    static final Set<String> VISIBLE = Set.of(
            // java.lang: text, numbers, math
            "java.lang.Object", "java.lang.String", "java.lang.CharSequence", "java.lang.StringBuilder",
            "java.lang.Boolean", "java.lang.Character", "java.lang.Number", "java.lang.Byte", "java.lang.Short",
            "java.lang.Integer", "java.lang.Long", "java.lang.Float", "java.lang.Double", "java.lang.Math",
            "java.lang.StrictMath", "java.lang.Comparable", "java.lang.Iterable",
            "java.math.BigDecimal", "java.math.BigInteger", "java.math.MathContext", "java.math.RoundingMode",
            // java.util: collections and small value helpers
            "java.util.Collection", "java.util.List", "java.util.Set", "java.util.Map", "java.util.Map$Entry",
            "java.util.SortedMap", "java.util.SortedSet", "java.util.NavigableMap", "java.util.NavigableSet",
            "java.util.Queue", "java.util.Deque",
            "java.util.ArrayList", "java.util.LinkedList", "java.util.HashMap", "java.util.LinkedHashMap",
            "java.util.TreeMap", "java.util.HashSet", "java.util.LinkedHashSet", "java.util.TreeSet",
            "java.util.ArrayDeque", "java.util.EnumMap", "java.util.EnumSet", "java.util.Collections",
            "java.util.Arrays", "java.util.Objects", "java.util.Optional", "java.util.OptionalInt",
            "java.util.OptionalLong", "java.util.OptionalDouble", "java.util.StringJoiner",
            "java.util.UUID",
            "java.util.regex.Pattern", "java.util.regex.Matcher",
            // java.time values; no Clock
            "java.time.Duration", "java.time.Period", "java.time.Instant", "java.time.LocalDate",
            "java.time.LocalTime", "java.time.LocalDateTime", "java.time.OffsetDateTime", "java.time.OffsetTime",
            "java.time.ZonedDateTime", "java.time.ZoneId", "java.time.ZoneOffset", "java.time.DayOfWeek",
            "java.time.Month", "java.time.Year", "java.time.YearMonth", "java.time.MonthDay",
            "java.time.temporal.ChronoUnit", "java.time.temporal.ChronoField",
            "java.time.temporal.Temporal", "java.time.temporal.TemporalAccessor", "java.time.temporal.TemporalAdjuster",
            "java.time.temporal.TemporalAmount", "java.time.temporal.TemporalUnit", "java.time.temporal.TemporalField",
            "java.time.temporal.IsoFields", "java.time.temporal.ValueRange", "java.time.temporal.TemporalQueries",
            "java.time.temporal.TemporalQuery",
            "java.time.format.DateTimeFormatter", "java.time.format.FormatStyle", "java.time.format.TextStyle",
            "java.time.format.ResolverStyle",
            // the vocabulary
            MODEL + ".ActionContext", MODEL + ".Actor", MODEL + ".Action", MODEL + ".Resource", MODEL + ".Target",
            MODEL + ".Context", MODEL + ".Attributed", BundleData.class.getName());

    /**
     * Member names refused whatever the receiver: reflection, class loading, processes, threads,
     * the JVM's configuration and the engine's own objects.
     */
    static final Set<String> REFLECTION = Set.of(
            "getClass", "forName", "getClassLoader", "getContextClassLoader", "setContextClassLoader",
            "getSystemClassLoader", "getPlatformClassLoader", "loadClass", "defineClass", "findClass",
            "getMethod", "getMethods", "getDeclaredMethod", "getDeclaredMethods", "getField", "getFields",
            "getDeclaredField", "getDeclaredFields", "getConstructor", "getConstructors", "getDeclaredConstructor",
            "getDeclaredConstructors", "getDeclaredClasses", "getDeclaringClass", "getEnclosingClass",
            "getEnclosingMethod", "getRecordComponents", "getEnumConstants", "getInterfaces", "getSuperclass",
            "newInstance", "invoke", "invokeExact", "invokeWithArguments", "setAccessible", "trySetAccessible",
            "canAccess", "lookup", "privateLookupIn", "getModule", "getPackage", "getProtectionDomain",
            "getResource", "getResourceAsStream", "getResources", "describeConstable", "resolveConstantDesc");

    /** Names refused whatever the receiver, each with why: {@link #REFLECTION}, the JVM, threads, the engine. */
    static final Map<String, String> REFUSED = refused();

    /**
     * Names that read the clock, randomness or the machine's time zone (java.time, System, Math, UUID,
     * Collections...), and identity hash codes, which differ on every run for objects without a value
     * hash of their own.
     */
    static final Set<String> IMPURE = Set.of("now", "currentTimeMillis", "nanoTime", "random", "systemDefault",
            "systemDefaultZone", "systemUTC", "randomUUID", "shuffle", "dateNow", "hashCode", "identityHashCode");

    /** MVEL resolves these simple names itself, bypassing imports and class loaders. */
    static final Set<String> MVEL_LITERALS = Set.of("System", "String", "CharSequence", "Integer", "Long", "Boolean",
            "Short", "Character", "Double", "Float", "Byte", "Math", "Void", "Object", "Number", "Class",
            "ClassLoader", "Runtime", "Thread", "Exception", "Array", "StringBuilder");

    /**
     * What the Java that Drools generates around rule text (consequence and eval methods, DRL
     * function classes, accumulate code and its invokers) is compiled and linked against, beyond
     * {@link #VISIBLE}; with the supertypes of both, this is all rule source can be compiled against.
     */
    private static final Set<String> SOURCE_LINKAGE = Set.of(
            Verdicts.class.getName(), RuleLoops.class.getName(),
            FlatContext.class.getName(), // the import of the packages FlatPlanner rewrote (read-only parts; rules cannot name it)
            "org.drools.core.rule.consequence.KnowledgeHelper", "org.drools.base.rule.consequence.ConsequenceContext",
            "org.kie.api.runtime.rule.RuleContext", "org.kie.api.runtime.KieContext", "org.kie.api.runtime.rule.FactHandle",
            "org.kie.api.definition.rule.Rule", "org.drools.base.rule.consequence.Consequence",
            "org.drools.base.rule.accessor.CompiledInvoker", "org.drools.base.rule.accessor.Invoker",
            "org.drools.base.rule.accessor.EvalExpression", "org.drools.base.rule.accessor.Accumulator",
            "org.drools.base.rule.accessor.ReturnValueExpression", "org.drools.base.rule.accessor.Wireable",
            "org.drools.base.rule.accessor.FieldValue", "org.drools.mvel.field.FieldFactory",
            "org.drools.base.rule.Declaration", "org.drools.base.base.ValueResolver", "org.drools.base.reteoo.BaseTuple",
            "java.io.Serializable", "java.io.Externalizable", "java.io.ObjectInput", "java.io.ObjectOutput",
            "java.io.DataInput", "java.io.DataOutput", "java.io.IOException", "java.lang.AutoCloseable",
            "java.lang.Throwable", "java.lang.Exception", "java.lang.Error", "java.lang.RuntimeException",
            "java.lang.ClassNotFoundException", "java.lang.ReflectiveOperationException", "java.lang.NoSuchFieldError",
            // a compiled for-each loop; rules cannot name an iterator (its text is its identity)
            "java.util.Iterator",
            "java.lang.Record", "java.lang.Enum", "java.lang.Cloneable", "java.util.RandomAccess",
            // string concatenation compiles to an invokedynamic of this bootstrap
            "java.lang.invoke.StringConcatFactory", "java.lang.invoke.MethodHandles$Lookup",
            "java.lang.invoke.MethodType", "java.lang.invoke.CallSite", "java.lang.invoke.StringConcatException");

    /**
     * What the invokers Drools generates as bytecode (never from rule source) link against when they
     * run: they are defined beside rule code, so they get its tier, but rule source cannot be compiled
     * against these.
     */
    private static final Set<String> INVOKER_LINKAGE = Set.of(
            "org.drools.mvel.asm.ConsequenceStub", "org.drools.mvel.asm.EvalStub", "org.drools.mvel.asm.ConsequenceGenerator",
            "org.drools.mvel.asm.EvalGenerator", "org.drools.core.WorkingMemory", "org.drools.core.common.InternalFactHandle",
            "org.drools.core.reteoo.LeftTuple", "org.drools.core.reteoo.Tuple",
            // the type MVEL gives a condition's custom operators (str[startsWith], the temporal ones) when it compiles it
            "org.drools.compiler.rule.builder.EvaluatorWrapper");

    /** Packages of the engine that Drools' generated code links against; never reached from rule code. */
    private static final List<String> ENGINE_PACKAGES = List.of("org.drools.", "org.kie.");

    /** JDK classes Drools' generated field readers and jitted constraints link against. */
    private static final Set<String> ENGINE_LINKAGE = Set.of("java.lang.Class", "java.lang.NumberFormatException",
            "java.lang.ClassCastException", "java.lang.NullPointerException", "java.lang.IllegalArgumentException",
            "java.lang.IllegalStateException", "java.lang.ArithmeticException", "java.lang.UnsupportedOperationException",
            "java.lang.IndexOutOfBoundsException", "java.lang.ArrayIndexOutOfBoundsException");

    /**
     * Class files Drools' Java compiler must read for the code it wraps around rule code, which
     * that code does not link against when it runs: the enclosing class of the string-concatenation
     * bootstrap's lookup type, and what invokers use only to compare their bytecode.
     */
    private static final Set<String> COMPILER_ONLY = Set.of("java.lang.invoke.MethodHandles", "java.lang.Class",
            "org.drools.mvel.asm.MethodComparator");

    /** Clocks and random generators: a rule that names one does not even compile. */
    private static final Set<String> NEVER_COMPILED_AGAINST = Set.of("java.time.Clock", "java.time.InstantSource",
            "java.util.Random", "java.util.random.RandomGenerator");

    /** What rule source links against: the visible classes, what Drools wraps around rule text, and their supertypes. */
    private static final Set<String> SOURCE = linkable();

    /**
     * What Drools' Java compiler may read: {@link #SOURCE}, {@link #COMPILER_ONLY}, and every type the
     * public members of visible classes mention (the compiler weighs {@code String.format(Locale, ...)}
     * and {@code parseInt}'s {@code throws} even when rules use neither), with their supertypes.
     * Code compiled against one of the latter still cannot link against it. Never
     * {@link #NEVER_COMPILED_AGAINST}.
     */
    private static final Set<String> COMPILER = compilerVisible();

    private static final Map<String, String> SIMPLE_NAMES = simpleNames();
    private static final Members MEMBERS = members();

    private RuleAllowList() {
    }

    /** Whether a rule may name the class of binary name {@code name}. */
    static boolean isVisible(String name) {
        return VISIBLE.contains(name);
    }

    /** The visible class a simple name means without an import (java.lang and the vocabulary), or null. */
    static String implicitImport(String simpleName) {
        return SIMPLE_NAMES.get(simpleName);
    }

    /** The visible classes of package {@code pkg}, by simple name (for {@code import pkg.*}). */
    static Map<String, String> visibleIn(String pkg) {
        Map<String, String> found = new TreeMap<>();
        for (String name : VISIBLE) {
            int dot = name.lastIndexOf('.');
            if (name.substring(0, dot).equals(pkg) && name.indexOf('$') < 0) {
                found.put(name.substring(dot + 1), name);
            }
        }
        return found;
    }

    /** The allowed public static members of the visible class {@code name} (for {@code import static name.*}). */
    static Set<String> staticMembers(String name) {
        Set<String> found = new HashSet<>();
        Class<?> type = load(name);
        for (Method m : type.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) && isMember(m.getName())) {
                found.add(m.getName());
            }
        }
        for (Field f : type.getFields()) {
            if (Modifier.isStatic(f.getModifiers()) && isMember(f.getName())) {
                found.add(f.getName());
            }
        }
        return found;
    }

    /** Whether some visible class has a public member of this name whose type rules may hold. */
    static boolean isMember(String name) {
        return MEMBERS.allowed.contains(name);
    }

    /** Whether the name is a member of a visible class that yields a value rules may not hold. */
    static boolean yieldsHiddenType(String name) {
        return MEMBERS.hidden.contains(name);
    }

    /** Whether compiled rule code (consequences, evals, functions) may link against the class. */
    static boolean ruleLinkable(String name) {
        return SOURCE.contains(name) || INVOKER_LINKAGE.contains(name);
    }

    /**
     * Whether Drools' Java compiler may read the class file: what rule code links against, and the
     * enclosing class of the string-concatenation bootstrap's lookup type, which it must resolve
     * but which compiled code never links against.
     */
    static boolean compilerVisible(String name) {
        return COMPILER.contains(name);
    }

    /** Whether Drools' own generated code (field readers, jitted constraints) may link against the class. */
    static boolean engineLinkable(String name) {
        if (ruleLinkable(name) || ENGINE_LINKAGE.contains(name)) {
            return true;
        }
        for (String p : ENGINE_PACKAGES) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, String> refused() {
        Map<String, String> m = new HashMap<>();
        for (String r : REFLECTION) {
            m.put(r, "is reflection, which is not available to rules: " + RuleSandbox.HINT);
        }
        for (String r : List.of("getRuntime", "exec", "exit", "halt", "getenv", "getProperty", "getProperties",
                "setProperty", "setProperties", "clearProperty", "lineSeparator", "getSecurityManager", "setSecurityManager",
                "load", "loadLibrary", "mapLibraryName", "currentThread", "getInteger", "getLong", "getBoolean")) {
            m.put(r, "reads or changes the JVM, which is not available to rules: " + RuleSandbox.HINT);
        }
        for (String r : List.of("wait", "notify", "notifyAll", "finalize", "parallelSort", "parallelSetAll",
                "parallelPrefix", "parallelStream", "parallel")) {
            m.put(r, "involves other threads, which are not available to rules: " + RuleSandbox.HINT);
        }
        for (String r : List.of("drools", "kcontext", "consequenceCtx", "getKieRuntime", "getWorkingMemory")) {
            m.put(r, "is the engine's own; a consequence may only say allow, deny or requireApproval");
        }
        return Map.copyOf(m);
    }

    private static Set<String> linkable() {
        Set<String> all = new HashSet<>();
        Deque<Class<?>> todo = new ArrayDeque<>();
        VISIBLE.forEach(name -> todo.push(load(name)));
        SOURCE_LINKAGE.forEach(name -> todo.push(load(name)));
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            if (all.add(c.getName())) {
                if (c.getSuperclass() != null) {
                    todo.push(c.getSuperclass());
                }
                todo.addAll(List.of(c.getInterfaces()));
            }
        }
        return Set.copyOf(all);
    }

    private static Set<String> compilerVisible() {
        Set<String> mentioned = new HashSet<>(SOURCE);
        mentioned.addAll(COMPILER_ONLY);
        Deque<Class<?>> todo = new ArrayDeque<>();
        for (String name : VISIBLE) {
            Class<?> type = load(name);
            for (Method m : type.getMethods()) {
                todo.push(m.getReturnType());
                todo.addAll(List.of(m.getParameterTypes()));
                todo.addAll(List.of(m.getExceptionTypes()));
            }
            for (var c : type.getConstructors()) {
                todo.addAll(List.of(c.getParameterTypes()));
                todo.addAll(List.of(c.getExceptionTypes()));
            }
            for (Field f : type.getFields()) {
                todo.push(f.getType());
            }
        }
        todo.push(load("org.drools.mvel.field.FieldFactory"));
        Set<String> seen = new HashSet<>();
        while (!todo.isEmpty()) {
            Class<?> c = todo.pop();
            while (c.isArray()) {
                c = c.getComponentType();
            }
            if (c.isPrimitive() || !seen.add(c.getName())) {
                continue;
            }
            mentioned.add(c.getName());
            if (c.getName().equals("org.drools.mvel.field.FieldFactory")) {
                for (Method m : c.getMethods()) {
                    todo.addAll(List.of(m.getParameterTypes()));
                }
            }
            if (c.getSuperclass() != null) {
                todo.push(c.getSuperclass());
            }
            todo.addAll(List.of(c.getInterfaces()));
            if (c.getEnclosingClass() != null) {
                todo.push(c.getEnclosingClass());
            }
        }
        mentioned.removeAll(NEVER_COMPILED_AGAINST);
        return Set.copyOf(mentioned);
    }

    private static Map<String, String> simpleNames() {
        Map<String, String> m = new HashMap<>();
        for (String name : VISIBLE) {
            String pkg = name.substring(0, name.lastIndexOf('.'));
            if ((pkg.equals("java.lang") || pkg.equals(MODEL)) && name.indexOf('$') < 0) {
                m.put(name.substring(pkg.length() + 1), name);
            }
        }
        return Map.copyOf(m);
    }

    private record Members(Set<String> allowed, Set<String> hidden) {
    }

    private static Members members() {
        Set<String> allowed = new TreeSet<>();
        Set<String> hidden = new TreeSet<>();
        for (String name : VISIBLE) {
            Class<?> type = load(name);
            for (Method m : type.getMethods()) {
                if (m.isBridge() || m.isSynthetic()) {
                    continue;
                }
                boolean ok = holdable(m.getGenericReturnType());
                (ok ? allowed : hidden).add(m.getName());
                String property = property(m);
                if (property != null) {
                    (ok ? allowed : hidden).add(property);
                }
            }
            for (Field f : type.getFields()) {
                (holdable(f.getGenericType()) ? allowed : hidden).add(f.getName());
            }
            if (type.isRecord()) {
                for (var component : type.getRecordComponents()) {
                    allowed.add(component.getName());
                }
            }
        }
        allowed.add("length");
        allowed.removeAll(hidden);
        allowed.removeAll(REFUSED.keySet());
        allowed.removeAll(IMPURE);
        return new Members(Set.copyOf(allowed), Set.copyOf(hidden));
    }

    /** The bean property a getter stands for in MVEL ({@code getName} → {@code name}), or null. */
    private static String property(Method m) {
        if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers())) {
            return null;
        }
        String n = m.getName();
        int prefix = n.startsWith("get") ? 3 : n.startsWith("is") && m.getReturnType() == boolean.class ? 2 : 0;
        if (prefix == 0 || n.length() == prefix) {
            return null;
        }
        String rest = n.substring(prefix);
        return rest.length() > 1 && Character.isUpperCase(rest.charAt(1)) ? rest
                : Character.toLowerCase(rest.charAt(0)) + rest.substring(1);
    }

    /** Whether a rule may hold a value of this declared type. */
    private static boolean holdable(Type t) {
        if (t instanceof Class<?> c) {
            return c.isPrimitive() || VISIBLE.contains(c.getName());   // never an array: its text is its identity
        }
        if (t instanceof ParameterizedType p) {
            if (!holdable(p.getRawType())) {
                return false;
            }
            for (Type a : p.getActualTypeArguments()) {
                if (!holdable(a)) {
                    return false;
                }
            }
            return true;
        }
        if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                if (!holdable(b)) {
                    return false;
                }
            }
            return true;
        }
        return t instanceof TypeVariable<?>;
    }

    private static Class<?> load(String name) {
        try {
            return Class.forName(name, false, RuleAllowList.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new ExceptionInInitializerError("the rule allow-list names a class this JDK lacks: " + name);
        }
    }
}
