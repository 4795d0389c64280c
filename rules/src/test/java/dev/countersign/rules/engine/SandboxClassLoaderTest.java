package dev.countersign.rules.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.drools.wiring.api.classloader.ProjectClassLoader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** What the sandbox class loader hands out and what it refuses, asked directly. */
class SandboxClassLoaderTest {
    private static final ClassLoader APP = SandboxClassLoaderTest.class.getClassLoader();
    private final SandboxClassLoader sandbox = new SandboxClassLoader(APP);

    @TestFactory
    Stream<DynamicTest> refusesWhatRulesMayNotUse() {
        return Stream.of("java.lang.Runtime", "java.lang.ProcessBuilder", "java.lang.System", "java.lang.Thread",
                        "java.lang.ClassLoader", "java.lang.reflect.Method", "java.lang.invoke.MethodHandles",
                        "java.io.File", "java.nio.file.Files", "java.net.Socket", "java.time.Clock", "java.util.Random",
                        "java.util.concurrent.Executors", "java.lang.ThreadLocal", "sun.misc.Unsafe", "javax.script.ScriptEngineManager",
                        "javax.naming.InitialContext", "java.io.ObjectInputStream", "org.mvel2.MVEL",
                        "com.fasterxml.jackson.databind.ObjectMapper", "dev.countersign.rules.engine.PolicyCompiler")
                .map(name -> DynamicTest.dynamicTest(name, () -> {
                    assertThrows(ClassNotFoundException.class, () -> sandbox.loadClass(name));
                    assertNull(sandbox.getResource(name.replace('.', '/') + ".class"));
                    assertFalse(sandbox.getResources(name.replace('.', '/') + ".class").hasMoreElements());
                    ProjectClassLoader project = sandbox.newProjectClassLoader();
                    assertThrows(ClassNotFoundException.class, () -> Class.forName(name, false, project));
                    assertNull(project.getResourceAsStream(name.replace('.', '/') + ".class"));
                }));
    }

    @TestFactory
    Stream<DynamicTest> handsOutTheSameClassesAsTheApplication() {
        return Stream.of(String.class, java.math.BigDecimal.class, java.time.Duration.class, List.class,
                        java.util.regex.Pattern.class, dev.countersign.rules.model.Actor.class, Verdicts.class)
                .map(type -> DynamicTest.dynamicTest(type.getName(), () -> {
                    assertSame(type, sandbox.loadClass(type.getName()));
                    assertNotNull(sandbox.getResource(type.getName().replace('.', '/') + ".class"));
                }));
    }

    /** The engine's tier: Drools' own generated code needs java.lang.Class and its internals; asked from here, not from rule code. */
    @Test
    void droolsOwnCodeGetsTheEngineTier() throws Exception {
        assertSame(Class.class, sandbox.loadClass("java.lang.Class"));
        assertSame(org.drools.core.common.InternalFactHandle.class, sandbox.loadClass(org.drools.core.common.InternalFactHandle.class.getName()));
    }

    @Test
    void offersNoFilesButDroolsConfiguration() throws Exception {
        assertNull(sandbox.getResource("logback-test.xml"));
        assertNull(sandbox.getResource("META-INF/MANIFEST.MF"));
        assertEquals(List.of(), Collections.list(sandbox.getResources("META-INF/services/org.kie.api.internal.utils.KieService")));
    }
}
