package dev.countersign.pdp.server;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, for what an HTTP client library will not send or hides: a header
 * twice, a body declared but held back, {@code Expect: 100-continue} answered or not, a connection
 * closed by the server. Every read waits at most {@link #TIMEOUT_MS}.
 */
public final class RawHttp implements AutoCloseable {
    public static final int TIMEOUT_MS = 10_000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    /** A response: its status, its headers (names in lower case, every copy) and its body. */
    public record Response(int status, Map<String, List<String>> headers, String body) {
        public String header(String name) {
            List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
            return values == null ? null : values.get(0);
        }

        public JsonObject json() {
            return new JsonObject(body);
        }
    }

    private RawHttp(Socket socket) throws IOException {
        this.socket = socket;
        socket.setSoTimeout(TIMEOUT_MS);
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** A connection to 127.0.0.1:{@code port}. */
    public static RawHttp connect(int port) throws IOException {
        return connect(null, port);
    }

    /** A connection to 127.0.0.1:{@code port} from {@code localAddress} (null: any), e.g. 127.0.0.2 on Linux loopback. */
    public static RawHttp connect(String localAddress, int port) throws IOException {
        Socket socket = new Socket();
        if (localAddress != null) {
            socket.bind(new InetSocketAddress(InetAddress.getByName(localAddress), 0));
        }
        socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MS);
        return new RawHttp(socket);
    }

    /**
     * Sends a request head: {@code requestLine}, then each header line as given ({@code "Name: value"},
     * repeated names sent as repeated lines), then the blank line. Nothing of a body is sent.
     */
    public RawHttp sendHead(String requestLine, String... headerLines) throws IOException {
        StringBuilder head = new StringBuilder(requestLine).append("\r\n");
        for (String line : headerLines) {
            head.append(line).append("\r\n");
        }
        head.append("\r\n");
        out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
        return this;
    }

    public RawHttp sendBody(byte[] body) throws IOException {
        out.write(body);
        out.flush();
        return this;
    }

    /** Ends the sending side (a half close): the server reads the end of the stream after what was sent. */
    public RawHttp endSending() throws IOException {
        socket.shutdownOutput();
        return this;
    }

    /** Reads one response (a 100 Continue too); its body as its Content-Length says. */
    public Response read() throws IOException {
        String statusLine = line();
        if (statusLine == null) {
            throw new IOException("the server closed the connection without answering");
        }
        int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (String line = line(); line != null && !line.isEmpty(); line = line()) {
            int colon = line.indexOf(':');
            headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
                    .add(line.substring(colon + 1).trim());
        }
        List<String> length = headers.get("content-length");
        byte[] body = in.readNBytes(length == null ? 0 : Integer.parseInt(length.get(0)));
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    /** Whether the server has closed the connection: the next read ends (or is reset) instead of timing out. */
    public boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException reset) {
            return true;
        }
    }

    private String line() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            if (b == '\n') {
                String text = line.toString(StandardCharsets.ISO_8859_1);
                return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
            }
            line.write(b);
        }
        return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
