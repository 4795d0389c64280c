package dev.countersign.rules.bundle;

import dev.countersign.rules.InvalidPolicyException;
import dev.countersign.rules.PolicyError;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemLoopException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a bundle directory's files, and only its own: a bundle file that is a symbolic link, that
 * resolves outside the bundle, or that is not a regular file (a pipe, a device) is refused with an
 * error naming it, and is never read; so is a symbolic link to a folder, whose files would be
 * outside the bundle. Errors name files relative to the bundle and never show a path of the
 * machine. Hard links cannot be told from files and are read.
 */
final class BundleDirectory {
    private BundleDirectory() {
    }

    /**
     * The bundle files under {@code root} by relative path ('/'-separated); hidden files and folders
     * and files of other kinds are skipped, and what is refused is added to {@code problems}.
     * {@code root} itself may be a link. Throws only when {@code root} cannot be read.
     */
    static Map<String, byte[]> read(Path root, List<PolicyError> problems) throws InvalidPolicyException {
        if (!Files.isDirectory(root)) {
            throw new InvalidPolicyException(List.of(new PolicyError(root.toString(), 0, 0,
                    Files.exists(root) ? "is not a directory; a bundle is a directory of rule files" : "does not exist")));
        }
        Path real;
        try {
            real = root.toRealPath();
        } catch (IOException e) {
            throw new InvalidPolicyException(List.of(new PolicyError(root.toString(), 0, 0, "cannot be read: " + reason(e))));
        }
        Map<String, byte[]> files = new TreeMap<>();
        try {
            Files.walkFileTree(real, new BundleWalk(real, files, problems));
        } catch (IOException e) {
            throw new InvalidPolicyException(List.of(new PolicyError(root.toString(), 0, 0, "cannot be listed: " + reason(e))));
        }
        return files;
    }

    private static final String LINK = "is a symbolic link; bundle files must be regular files inside the bundle";

    /** Collects the bundle files below the real root, refusing links and anything outside it. */
    private static final class BundleWalk extends SimpleFileVisitor<Path> {
        private final Path root;
        private final Map<String, byte[]> files;
        private final List<PolicyError> errors;

        BundleWalk(Path root, Map<String, byte[]> files, List<PolicyError> errors) {
            this.root = root;
            this.files = files;
            this.errors = errors;
        }

        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            String relative = relative(dir);
            return !relative.isEmpty() && BundleLoader.isHidden(relative) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            String relative = relative(file);
            if (BundleLoader.isHidden(relative)) {
                return FileVisitResult.CONTINUE;
            }
            if (attrs.isSymbolicLink()) {
                if (BundleLoader.isBundleFile(relative) || Files.isDirectory(file)) {
                    errors.add(new PolicyError(relative, 0, 0, LINK));
                }
                return FileVisitResult.CONTINUE;
            }
            if (!BundleLoader.isBundleFile(relative)) {
                return FileVisitResult.CONTINUE;
            }
            if (!attrs.isRegularFile()) {
                errors.add(new PolicyError(relative, 0, 0, "is not a regular file; bundle files must be regular files inside the bundle"));
                return FileVisitResult.CONTINUE;
            }
            try {
                if (!file.toRealPath().startsWith(root)) {
                    errors.add(new PolicyError(relative, 0, 0, "resolves outside the bundle; bundle files must be regular files inside the bundle"));
                    return FileVisitResult.CONTINUE;
                }
                files.put(relative, readNoFollow(file));
            } catch (IOException e) {
                errors.add(new PolicyError(relative, 0, 0, e instanceof FileSystemLoopException || isLink(file) ? LINK
                        : "cannot be read: " + reason(e)));
            }
            return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
            errors.add(new PolicyError(relative(file), 0, 0, "cannot be read: " + reason(e)));
            return FileVisitResult.CONTINUE;
        }

        private String relative(Path path) {
            return root.relativize(path).toString().replace('\\', '/');
        }
    }

    /** The file's bytes; fails rather than follow a link that replaced it since it was listed. */
    private static byte[] readNoFollow(Path file) throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(file, Set.<OpenOption>of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS));
             InputStream in = Channels.newInputStream(channel)) {
            return in.readAllBytes();
        }
    }

    private static boolean isLink(Path file) {
        return Files.isSymbolicLink(file);
    }

    /** Why a file could not be read, without the machine's paths. */
    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "it disappeared while the bundle was read";
        }
        return "an I/O error (" + e.getClass().getSimpleName() + ")";
    }
}
