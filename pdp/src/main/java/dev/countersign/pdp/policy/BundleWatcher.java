package dev.countersign.pdp.policy;

import static java.nio.file.StandardWatchEventKinds.ENTRY_CREATE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_DELETE;
import static java.nio.file.StandardWatchEventKinds.ENTRY_MODIFY;
import static java.nio.file.StandardWatchEventKinds.OVERFLOW;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches a bundle directory and its subdirectories on a daemon thread of its own, and calls
 * {@code onSettled} once changes have stopped for the debounce time (an editor's save, or a
 * deployment copying many files, is one reload).
 */
final class BundleWatcher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BundleWatcher.class);

    private final Vertx vertx;
    private final Path root;
    private final Duration debounce;
    private final Runnable onSettled;
    private final AtomicLong pendingTimer = new AtomicLong(-1);
    private WatchService service;
    private Thread thread;

    BundleWatcher(Vertx vertx, Path root, Duration debounce, Runnable onSettled) {
        this.vertx = vertx;
        this.root = root;
        this.debounce = debounce;
        this.onSettled = onSettled;
    }

    void start() {
        try {
            service = FileSystems.getDefault().newWatchService();
            registerTree(root);
        } catch (IOException e) {
            LOG.warn("cannot watch {} for changes; use POST /v1/policies/reload: {}", root, e.toString());
            return;
        }
        thread = new Thread(this::run, "countersign-bundle-watcher");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (true) {
                WatchKey key = service.take();
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.kind() == ENTRY_CREATE && key.watchable() instanceof Path dir
                            && Files.isDirectory(dir.resolve((Path) event.context()))) {
                        registerTree(dir.resolve((Path) event.context()));
                    }
                }
                key.reset();
                schedule();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        } catch (IOException e) {
            LOG.warn("stopped watching {}: {}", root, e.toString());
        }
    }

    private void schedule() {
        long delay = Math.max(1, debounce.toMillis());
        long timer = vertx.setTimer(delay, id -> {
            if (pendingTimer.compareAndSet(id, -1)) {
                onSettled.run();
            }
        });
        long previous = pendingTimer.getAndSet(timer);
        if (previous >= 0) {
            vertx.cancelTimer(previous);
        }
    }

    private void registerTree(Path dir) throws IOException {
        try (Stream<Path> dirs = Files.walk(dir)) {
            for (Path d : (Iterable<Path>) dirs.filter(Files::isDirectory)::iterator) {
                d.register(service, ENTRY_CREATE, ENTRY_DELETE, ENTRY_MODIFY, OVERFLOW);
            }
        }
    }

    @Override
    public void close() {
        try {
            if (service != null) {
                service.close();
            }
        } catch (IOException e) {
            LOG.debug("closing the watch service", e);
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
