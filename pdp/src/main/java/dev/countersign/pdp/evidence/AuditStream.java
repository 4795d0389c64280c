package dev.countersign.pdp.evidence;

import dev.countersign.pdp.audit.AuditFiles;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The records of an audit log, read file by file without holding the log in memory: a file, or every
 * {@code audit-NNNNNN.jsonl} of a directory. Lines that are not records (a torn last line) and
 * records of kinds not read here ({@link AuditEntry.Kind#OTHER}: checkpoints, torn-line notes) are
 * skipped. A line {@code worth} rejects is not parsed at all (a cheap test on the text first).
 */
final class AuditStream {
    private AuditStream() {
    }

    /** The audit files of {@code path}, oldest first; throws when it does not exist. */
    static List<Path> files(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString());
        }
        return Files.isDirectory(path) ? AuditFiles.list(path) : List.of(path);
    }

    /** Every record of the files, oldest first. */
    static void oldestFirst(List<Path> files, Predicate<String> worth, Consumer<AuditEntry> each) throws IOException {
        for (Path file : files) {
            read(file, worth, each);
        }
    }

    /**
     * Every record of the files, newest first, until {@code each} answers false: files newest first,
     * each read forwards and its matches given back in reverse (only a file's matches are held).
     */
    static void newestFirst(List<Path> files, Predicate<String> worth, Predicate<AuditEntry> match, Predicate<AuditEntry> each)
            throws IOException {
        for (int i = files.size() - 1; i >= 0; i--) {
            List<AuditEntry> matched = new ArrayList<>();
            read(files.get(i), worth, e -> {
                if (match.test(e)) {
                    matched.add(e);
                }
            });
            Collections.reverse(matched);
            for (AuditEntry e : matched) {
                if (!each.test(e)) {
                    return;
                }
            }
        }
    }

    private static void read(Path file, Predicate<String> worth, Consumer<AuditEntry> each) throws IOException {
        String name = file.getFileName().toString();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8),
                1 << 20)) {
            long number = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                number++;
                if (!worth.test(line)) {
                    continue;
                }
                AuditEntry e = AuditEntry.read(line);
                if (e != null && e.kind != AuditEntry.Kind.OTHER) {
                    e.file = name;
                    e.lineNumber = number;
                    each.accept(e);
                }
            }
        }
    }
}
