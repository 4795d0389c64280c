package dev.countersign.pdp.audit;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The files of an audit directory: {@code audit-000001.jsonl}, {@code audit-000002.jsonl}, ...; the number
 * (six digits or more) orders them. Other files in the directory are not part of the log.
 */
public final class AuditFiles {
    private static final Pattern NAME = Pattern.compile("audit-(\\d{6,18})\\.jsonl");

    private AuditFiles() {
    }

    static String name(long index) {
        return String.format("audit-%06d.jsonl", index);
    }

    /** The file's number, or -1 when the name is not an audit file's. */
    static long index(Path file) {
        Path name = file.getFileName();
        Matcher m = name == null ? null : NAME.matcher(name.toString());
        return m != null && m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** The audit files of {@code directory}, oldest first. */
    public static List<Path> list(Path directory) throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path p : entries) {
                if (index(p) > 0 && Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
        }
        files.sort(Comparator.comparingLong(AuditFiles::index));
        return files;
    }
}
