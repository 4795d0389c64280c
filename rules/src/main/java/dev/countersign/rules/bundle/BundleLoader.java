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
import dev.countersign.rules.json.SyntaxErrors;
import dev.countersign.rules.testing.RuleTestFile;
import dev.countersign.rules.testing.RuleTestReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads a bundle directory: {@code *.drl} rule files (any folder), {@code data.json} /
 * {@code data.yaml} documents (a document in folder {@code a/b} is mounted at data path
 * {@code a.b}), {@code *_test.yaml} rule tests and an optional root {@code bundle.yaml} manifest
 * ({@code name}, {@code default_verdict}, {@code always}: a list of package names,
 * {@code require_controls}), and an optional root {@code controls.yaml} control catalogue
 * ({@link ControlCatalogue}). Hidden files and folders are skipped, as is anything else.
 * Problems in the files are kept in {@link PolicyBundle#problems()} so that the compiler reports them
 * together with the rule files' own: files that are links or lead outside the bundle (which are
 * never read), and malformed data, tests or manifest, described without quoting the file's text.
 * Reads files: call it off an event loop.
 */
public final class BundleLoader {
    private static final int DATA_MAX_DEPTH = 64;

    private BundleLoader() {
    }

    /**
     * Loads the bundle in directory {@code root} ({@link BundleDirectory}: links and files outside
     * the bundle are refused unread); throws only when the directory itself cannot be read.
     */
    public static PolicyBundle load(Path root) throws InvalidPolicyException {
        List<PolicyError> refused = new ArrayList<>();
        Map<String, byte[]> files = BundleDirectory.read(root, refused);
        return fromFiles(files, refused);
    }

    /** Builds a bundle from files given by relative path ('/'-separated), as {@link #load} would find them. */
    public static PolicyBundle fromFiles(Map<String, byte[]> files) {
        return fromFiles(files, List.of());
    }

    private static PolicyBundle fromFiles(Map<String, byte[]> files, List<PolicyError> refused) {
        List<PolicyError> errors = new ArrayList<>(refused);
        List<SourceFile> rules = new ArrayList<>();
        List<SourceFile> dataDocs = new ArrayList<>();
        List<RuleTestFile> tests = new ArrayList<>();
        List<SourceFile> all = new ArrayList<>();
        String name = null;
        Verdict defaultVerdict = Verdict.DENY;
        List<Mention> always = List.of();
        boolean requireControls = false;
        ControlCatalogue controls = null;
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
                    always = m.always;
                    requireControls = m.requireControls;
                }
            } else if (isCatalogue(file.path())) {
                controls = ControlCatalogue.read(file, errors);
            }
        }
        BundleData data = mergeData(dataDocs, errors);
        if (rules.isEmpty()) {
            errors.add(new PolicyError(".", 0, 0, "the bundle has no rule files (*.drl)"));
        }
        return new PolicyBundle(name == null ? "bundle" : name, defaultVerdict, rules, data, tests, revision(all), errors, always,
                controls, requireControls);
    }

    static boolean isBundleFile(String relative) {
        String name = relative.substring(relative.lastIndexOf('/') + 1);
        return name.endsWith(".drl") || isTestFile(name) || isDataFile(name) || isManifest(relative) || isCatalogue(relative);
    }

    private static boolean isCatalogue(String relative) {
        return relative.equals(ControlCatalogue.FILE);
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

    static boolean isHidden(String relative) {
        for (String part : relative.split("/")) {
            if (part.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    private record Manifest(String name, Verdict defaultVerdict, List<Mention> always, boolean requireControls) {
    }

    private static final String MANIFEST_KEYS = "a manifest has name, default_verdict, always and require_controls";

    /** The manifest's name, default verdict and always packages; each problem is reported at its place, without the file's text. */
    private static Manifest readManifest(SourceFile file, List<PolicyError> errors) {
        try (JsonParser p = Json.YAML_FACTORY.createParser(file.content())) {
            JsonToken first = p.nextToken();
            if (first == null) {
                return new Manifest(null, Verdict.DENY, List.of(), false);
            }
            if (first != JsonToken.START_OBJECT) {
                errors.add(at(file, p.currentTokenLocation(), "expected a mapping; " + MANIFEST_KEYS + ", got "
                        + JsonValues.describe(first)));
                return null;
            }
            String name = null;
            Verdict verdict = Verdict.DENY;
            List<Mention> always = new ArrayList<>();
            boolean requireControls = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                JsonLocation keyAt = p.currentTokenLocation();
                String key = p.currentName();
                p.nextToken();
                JsonLocation valueAt = p.currentTokenLocation();
                if (key.equals("always")) {
                    readAlways(file, p, always, errors);
                    continue;
                }
                Object value = JsonValues.read(p, "/" + key, 1, DATA_MAX_DEPTH);
                switch (key) {
                    case "name" -> {
                        if (value instanceof String s && !s.isBlank()) {
                            name = s;
                        } else {
                            errors.add(at(file, valueAt, "name must be a non-empty string"));
                        }
                    }
                    case "default_verdict" -> {
                        Verdict v = value instanceof String s ? Verdict.fromWire(s) : null;
                        if (v == null || v == Verdict.NEEDS_APPROVAL) {
                            errors.add(at(file, valueAt, "default_verdict must be allow or deny"));
                        } else {
                            verdict = v;
                        }
                    }
                    case "require_controls" -> {
                        if (value instanceof Boolean b) {
                            requireControls = b;
                        } else {
                            errors.add(at(file, valueAt, "require_controls must be true or false"));
                        }
                    }
                    default -> errors.add(at(file, keyAt, "an unknown key; " + MANIFEST_KEYS));
                }
            }
            return new Manifest(name, verdict, always, requireControls);
        } catch (InvalidInputException e) {
            errors.add(new PolicyError(file.path(), e.line(), e.column(), e.describe()));
        } catch (JsonProcessingException e) {
            errors.add(syntaxError(file, e, true));
        } catch (IOException e) {
            errors.add(new PolicyError(file.path(), 0, 0, "cannot be read"));
        }
        return null;
    }

    /** The package names of {@code always: [a.b, c]}, each at its place; what is not a list of names is an error at its place. */
    private static void readAlways(SourceFile file, JsonParser p, List<Mention> always, List<PolicyError> errors) throws IOException {
        if (p.currentToken() != JsonToken.START_ARRAY) {
            errors.add(at(file, p.currentTokenLocation(), "always must be a list of package names, such as [policies.common], got "
                    + JsonValues.describe(p.currentToken())));
            p.skipChildren();
            return;
        }
        while (p.nextToken() != JsonToken.END_ARRAY) {
            JsonLocation at = p.currentTokenLocation();
            if (p.currentToken() == JsonToken.VALUE_STRING && p.getText().matches("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)*")) {
                always.add(new Mention(p.getText(), file.path(), Math.max(at.getLineNr(), 0), Math.max(at.getColumnNr(), 0)));
            } else {
                errors.add(at(file, at, "an entry of always must be a package name, such as policies.common, got "
                        + (p.currentToken() == JsonToken.VALUE_STRING ? "a string that is none" : JsonValues.describe(p.currentToken()))));
                p.skipChildren();
            }
        }
    }

    private static PolicyError at(SourceFile file, JsonLocation loc, String message) {
        return new PolicyError(file.path(), Math.max(loc.getLineNr(), 0), Math.max(loc.getColumnNr(), 0), message);
    }

    /** A syntax error at its place, in words that quote nothing of the file (see {@link SyntaxErrors}). */
    private static PolicyError syntaxError(SourceFile file, JsonProcessingException e, boolean yaml) {
        SyntaxErrors.Syntax syntax = SyntaxErrors.describe(e, yaml);
        return new PolicyError(file.path(), syntax.line(), syntax.column(), syntax.message());
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
            errors.add(syntaxError(file, e, factory != Json.FACTORY));
        } catch (IOException e) {
            errors.add(new PolicyError(file.path(), 0, 0, "cannot be read"));
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
