package dev.countersign.pdp.audit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code audit.lock} in an audit directory, held by the one {@link AuditLog} that writes there, so a
 * second process (or a second {@code AuditLog} in the same one) cannot. The OS releases it when the
 * process dies, however it dies.
 */
final class DirectoryLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    static final String NAME = "audit.lock";

    private final Path directory;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path directory, FileChannel channel, FileLock lock) {
        this.directory = directory;
        this.channel = channel;
        this.lock = lock;
    }

    /** Creates {@code directory} if needed and takes its lock; fails when someone else holds it. */
    static DirectoryLock acquire(Path directory) throws IOException {
        Files.createDirectories(directory);
        FileChannel channel = FileChannel.open(directory.resolve(NAME), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
        if (lock == null) {
            channel.close();
            throw new IOException(directory + " is already in use by another audit log (" + NAME + " is held)");
        }
        return new DirectoryLock(directory, channel, lock);
    }

    /** Releases the lock; idempotent. */
    @Override
    public void close() {
        synchronized (channel) {
            if (channel.isOpen()) {
                try {
                    lock.release();
                    channel.close();
                } catch (IOException e) {
                    LOG.warn("releasing {} failed: {}", directory.resolve(NAME), e.toString());
                }
            }
        }
    }
}
