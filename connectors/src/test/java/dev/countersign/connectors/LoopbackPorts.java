package dev.countersign.connectors;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Free TCP ports on 127.0.0.1 for test servers, taken below the kernel's ephemeral range (32768 and
 * up): no outgoing connection is given one between this call and its use, and a connection to one
 * whose server was closed is refused rather than connected to itself (a socket whose own ephemeral
 * port is the one it dials on loopback can do that). Never the same port twice in one JVM.
 */
public final class LoopbackPorts {
    private static final int FIRST_PORT = 20_000;
    private static final int PORTS_TRIED = 12_000;
    private static final AtomicInteger NEXT_PORT = new AtomicInteger(new Random().nextInt(PORTS_TRIED));

    private LoopbackPorts() {
    }

    public static int freePort() throws IOException {
        for (int attempt = 0; attempt < PORTS_TRIED; attempt++) {
            int port = FIRST_PORT + Math.floorMod(NEXT_PORT.getAndIncrement(), PORTS_TRIED);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return port;
            } catch (IOException taken) {
                // another process has it: the next one
            }
        }
        throw new IOException("no free port from " + FIRST_PORT + " to " + (FIRST_PORT + PORTS_TRIED - 1));
    }
}
