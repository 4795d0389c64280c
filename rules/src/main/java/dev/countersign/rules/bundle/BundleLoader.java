package dev.countersign.rules.bundle;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.PolicyError;
import dev.countersign.rules.Verdict;
import dev.countersign.rules.json.InvalidInputException;
import dev.countersign.rules.json.Json;
import dev.countersign.rules.json.JsonValues;
import dev.countersign.rules.testing.RuleTestFile;
import dev.countersign.rules.testing.RuleTestReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Loads a bundle directory: {@code *.drl} rule files (any folder), {@code data.json} /
 * {@code data.yaml} documents (a document in folder {@code a/b} is mounted at data path
 * {@code a.b}), {@code *_test.yaml} rule tests and an optional root {@code bundle.yaml} manifest
 * ({@code name}, {@code default_verdict}). Hidden files and folders are skipped, as is anything else.
 * Problems in the files are kept in {@link PolicyBundle#problems()} so that the compiler reports them
 * together with the rule files' own. Reads files: call it off an event loop.
 */
public final class BundleLoader {
    private static final int DATA_MAX_DEPTH = 64;

    private BundleLoader() {
    }

    /** Loads the bundle in directory {@code root}; throws only when the directory itself cannot be read. */
    public static PolicyBundle load(Path root) throws InvalidPolicyException {
        if (!Files.isDirectory(root)) {
            throw new InvalidPolicyException(List.of(new PolicyError(root.toString(), 0, 0,
                    Files.exists(root) ? "is not a directory; a bundle is a directory of rule files" : "does not exist")));
        }
        Map<String, byte[]> files = new TreeMap<>();
        List<PolicyError> errors = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path path : (Iterable<Path>) walk::iterator) {
                String relative = root.relativize(path).toString().replace('\\', '/');
                if (relative.isEmpty() || isHidden(relative) || !Files.isRegularFile(path) || !isBundleFile(relative)) {
                    continue;
                }
                try {
                    files.put(relative, Files.readAllBytes(path));
                } catch (IOException e) {
                    errors.add(new PolicyError(relative, 0, 0, "cannot be read: " + e.getMessage()));
                }
            }
        } catch (IOException e) {
            errors.add(new PolicyError(root.toString(), 0, 0, "cannot be listed: " + e.getMessage()));
        }
        if (!errors.isEmpty()) {
            throw new InvalidPolicyException(errors);
        }
        return fromFiles(files);
    }

    /** Builds a bundle from files given by relative path ('/'-separated), as {@link #load} would find them. */
    public static PolicyBundle fromFiles(Map<String, byte[]> files) {
        List<PolicyError> errors = new ArrayList<>();
        List<SourceFile> rules = new ArrayList<>();
        List<SourceFile> dataDocs = new ArrayList<>();
        List<RuleTestFile> tests = new ArrayList<>();
        List<SourceFile> all = new ArrayList<>();
        String name = null;
        Verdict defaultVerdict = Verdict.DENY;
        for (Map.Entry<String, byte[]> e : new TreeMap<>(files).entrySet()) {
            SourceFile file = new SourceFile(e.getKey(), e.getValue());
            String fileName = file.name();
            if (isBundleFile(file.path())) {
                all.add(file);
            }
            if (fileName.endsWith(".drl")) {
                rules.add(file);
            } else if (isTestFile(fileName)) {
                RuleTestFile parsed = RuleTestReader.read(file, errors);
                if (parsed != null) {
                    tests.add(parsed);
                }
            } else if (isDataFile(fileName)) {
                dataDocs.add(file);
            } else if (isManifest(file.path())) {
                Manifest m = readManifest(file, errors);
                if (m != null) {
                    name = m.name;
                    defaultVerdict = m.defaultVerdict;
                }
            }
        }
        BundleData data = mergeData(dataDocs, errors);
        if (rules.isEmpty()) {
            errors.add(new PolicyError(".", 0, 0, "the bundle has no rule files (*.drl)"));
        }
        return new PolicyBundle(name == null ? "bundle" : name, defaultVerdict, rules, data, tests, revision(all), errors);
    }

    static boolean isBundleFile(String relative) {
        String name = relative.substring(relative.lastIndexOf('/') + 1);
        return name.endsWith(".drl") || isTestFile(name) || isDataFile(name) || isManifest(relative);
    }

    private static boolean isTestFile(String name) {
        return name.endsWith("_test.yaml") || name.endsWith("_test.yml");
    }

    private static boolean isDataFile(String name) {
        return name.equals("data.json") || name.equals("data.yaml") || name.equals("data.yml");
    }

    private static boolean isManifest(String relative) {
        return relative.equals("bundle.yaml") || relative.equals("bundle.yml");
    }

    private static boolean isHidden(String relative) {
        for (String part : relative.split("/")) {
            if (part.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private record Manifest(String name, Verdict defaultVerdict) {
    }

    private static Manifest readManifest(SourceFile file, List<PolicyError> errors) {
        Map<String, Object> doc = readDocument(file, Json.YAML_FACTORY, errors);
        if (doc == null) {
            return null;
        }
        String name = null;
        Verdict verdict = Verdict.DENY;
        for (Map.Entry<String, Object> e : doc.entrySet()) {
            switch (e.getKey()) {
                case "name" -> {
                    if (!(e.getValue() instanceof String s) || s.isBlank()) {
                        errors.add(new PolicyError(file.path(), 0, 0, "name must be a non-empty string"));
                    } else {
                        name = s;
                    }
                }
                case "default_verdict" -> {
                    Verdict v = e.getValue() instanceof String s ? Verdict.fromWire(s) : null;
                    if (v == null || v == Verdict.NEEDS_APPROVAL) {
                        errors.add(new PolicyError(file.path(), 0, 0,
                                "default_verdict must be allow or deny, got " + e.getValue()));
                    } else {
                        verdict = v;
                    }
                }
                default -> errors.add(new PolicyError(file.path(), 0, 0,
                        "unknown key '" + e.getKey() + "'; a manifest has name and default_verdict"));
            }
        }
        return new Manifest(name, verdict);
    }

    private static BundleData mergeData(List<SourceFile> docs, List<PolicyError> errors) {
        Map<String, Object> root = new LinkedHashMap<>();
        Map<String, String> origin = new LinkedHashMap<>();
        for (SourceFile doc : docs) {
            JsonFactory factory = doc.name().endsWith(".json") ? Json.FACTORY : Json.YAML_FACTORY;
            Map<String, Object> content = readDocument(doc, factory, errors);
            if (content == null) {
                continue;
            }
            Map<String, Object> mount = root;
            String mountPath = "";
            if (!doc.folder().isEmpty()) {
                for (String segment : doc.folder().split("/")) {
                    mountPath = mountPath.isEmpty() ? segment : mountPath + "." + segment;
                    Object existing = mount.get(segment);
                    if (existing == null) {
                        Map<String, Object> child = new LinkedHashMap<>();
                        mount.put(segment, child);
                        mount = child;
                    } else if (existing instanceof LinkedHashMap<?, ?> child && !origin.containsKey(mountPath)) {
                        @SuppressWarnings("unchecked")
                        Map<String, Object> m = (Map<String, Object>) child;
                        mount = m;
                    } else {
                        errors.add(conflict(doc, mountPath, origin));
                        mount = null;
                        break;
                    }
                }
            }
            if (mount != null) {
                merge(doc, mount, mountPath, content, origin, errors);
            }
        }
        return new BundleData(freeze(root));
    }

    private static void merge(SourceFile doc, Map<String, Object> into, String prefix, Map<String, Object> content,
                              Map<String, String> origin, List<PolicyError> errors) {
        for (Map.Entry<String, Object> e : content.entrySet()) {
            String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
            if (!into.containsKey(e.getKey())) {
                into.put(e.getKey(), e.getValue());
                origin.put(path, doc.path());
            } else {
                errors.add(conflict(doc, path, origin));
            }
        }
    }

    private static PolicyError conflict(SourceFile doc, String path, Map<String, String> origin) {
        String other = origin.entrySet().stream()
                .filter(o -> path.equals(o.getKey()) || path.startsWith(o.getKey() + ".") || o.getKey().startsWith(path + "."))
                .map(Map.Entry::getValue).findFirst().orElse("another data document");
        return new PolicyError(doc.path(), 0, 0, "data path \"" + path + "\" is also defined by " + other);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> freeze(Map<String, Object> map) {
        Map<String, Object> copy = new LinkedHashMap<>();
        map.forEach((k, v) -> copy.put(k, v instanceof LinkedHashMap<?, ?> m ? freeze((Map<String, Object>) m) : v));
        return java.util.Collections.unmodifiableMap(copy);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> readDocument(SourceFile file, JsonFactory factory, List<PolicyError> errors) {
        try (JsonParser p = factory.createParser(file.content())) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return Map.of();
            }
            if (first != JsonToken.START_OBJECT) {
                JsonLocation loc = p.currentTokenLocation();
                errors.add(new PolicyError(file.path(), loc.getLineNr(), loc.getColumnNr(),
                        "expected a mapping at the top level, got " + JsonValues.describe(first)));
                return null;
            }
            Map<String, Object> doc = (Map<String, Object>) JsonValues.read(p, "", 1, DATA_MAX_DEPTH);
            JsonToken trailing = p.nextToken();
            if (trailing != null) {
                JsonLocation loc = p.currentTokenLocation();
                errors.add(new PolicyError(file.path(), loc.getLineNr(), loc.getColumnNr(), "unexpected content after the document"));
                return null;
            }
            return doc;
        } catch (InvalidInputException e) {
            errors.add(new PolicyError(file.path(), e.line(), e.column(), e.describe()));
        } catch (JsonProcessingException e) {
            JsonLocation loc = e.getLocation();
            String message = e.getOriginalMessage();
            int cut = message.indexOf('\n');
            errors.add(new PolicyError(file.path(), loc == null ? 0 : loc.getLineNr(), loc == null ? 0 : loc.getColumnNr(),
                    "not valid " + (factory == Json.FACTORY ? "JSON" : "YAML") + ": " + (cut < 0 ? message : message.substring(0, cut))));
        } catch (IOException e) {
            errors.add(new PolicyError(file.path(), 0, 0, "cannot be read: " + e.getMessage()));
        }
        return null;
    }

    private static String revision(List<SourceFile> files) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (SourceFile f : files) {
                digest.update(f.path().getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(Long.toString(f.content().length).getBytes(StandardCharsets.UTF_8));
                digest.update((byte) 0);
                digest.update(f.content());
            }
            return "sha256:" + HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }
}
