package dev.countersign.pdp.approval;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where approval callbacks may go. A caller names the callback URL, so a callback is a request the
 * server makes on a caller's behalf: without care it reaches what only the server can reach (cloud
 * metadata, admin ports on loopback, the private network).
 *
 * <p>With no {@code approvals.callback_hosts} configured, a callback goes to any host whose every
 * address is public. With a list, it goes only to the hosts listed, which may then be private: the
 * operator vouches for them. An entry is a host name ({@code hooks.example.com}), a suffix wildcard
 * ({@code *.example.com}, any depth below it) or an address ({@code 10.0.0.7}, {@code [fd00::7]}),
 * each optionally with {@code :port} to allow only that port.
 *
 * <p>Cloud metadata (the instance metadata and credential services of the clouds, by address or by
 * name, see {@link AddressKinds}) is never a destination, listed or not: a listed {@code *.example.com}
 * whose name resolves to 169.254.169.254 is refused, and an entry naming such an address or host is
 * invalid. An IPv6 address that carries an IPv4 address (mapped, compatible, SIIT, NAT64, 6to4, Teredo)
 * is judged by the IPv4 address inside.
 *
 * <p>A URL is checked twice: when it arrives, without DNS ({@link #refusal}), so the caller learns
 * at once; and when the callback is sent ({@link #resolve}), after resolving its host, and the
 * callback then connects to the very address checked, so a name that re-resolves elsewhere between
 * check and connect gains nothing.
 */
public final class CallbackDestinations {
    /** Resolves a host name to its addresses (the platform resolver, or a fixed table in tests). */
    @FunctionalInterface
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** A callback destination refused: the message says which rule refused it. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** A last label that makes a host an IPv4 address to URL parsers (decimal, or hexadecimal with 0x). */
    private static final Pattern NUMERIC_LABEL = Pattern.compile("[0-9]+|0x[0-9a-f]*");
    private static final Pattern DOTTED_QUAD = Pattern.compile("(0|[1-9][0-9]{0,2})(\\.(0|[1-9][0-9]{0,2})){3}");

    private static final String PUBLIC_ONLY =
            "callbacks go to public addresses unless the operator lists the host in approvals.callback_hosts";
    private static final String NEVER_METADATA =
            "callbacks never go to cloud metadata, even to a host listed in approvals.callback_hosts";

    private final List<Entry> allowed;
    private final Resolver resolver;

    public CallbackDestinations(List<String> allowedHosts) {
        this(allowedHosts, InetAddress::getAllByName);
    }

    public CallbackDestinations(List<String> allowedHosts, Resolver resolver) {
        this.allowed = allowedHosts.stream().map(Entry::parse).toList();
        this.resolver = resolver;
    }

    /**
     * Checks an entry of {@code approvals.callback_hosts}; answers why it is malformed, or null.
     */
    public static String invalidEntry(String entry) {
        try {
            Entry.parse(entry);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    /** Why {@code url} may not be a callback URL, judged without DNS; null when it may. */
    public String refusal(String url) {
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "expected an absolute http or https URL";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!uri.isAbsolute() || !(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            return "expected an absolute http or https URL";
        }
        if (uri.getRawUserInfo() != null) {
            return "a callback URL carries no user name or password; the callback is signed instead";
        }
        String host = host(uri);
        int port = port(uri);
        if (host.indexOf('%') >= 0) {
            return uri.getHost() + " names a network interface of this server (an IPv6 zone id); write the address without it";
        }
        if (host.endsWith(".")) {
            return uri.getHost() + " ends with a dot; write the host without it";
        }
        if (endsInANumber(host) && literal(host) == null) {
            return host + " is not an IPv4 address in dotted-decimal form (four numbers 0-255 without leading zeros)";
        }
        String metadataHost = AddressKinds.metadataHost(host);
        if (metadataHost != null) {
            return host + " is a cloud metadata host (" + metadataHost + "); " + NEVER_METADATA;
        }
        InetAddress literal = literal(host);
        AddressKinds.Kind kind = literal == null ? null : AddressKinds.of(literal);
        if (kind != null && kind.cloudMetadata()) {
            return display(host, port) + " is " + kind.phrase() + "; " + NEVER_METADATA;
        }
        if (!allowed.isEmpty()) {
            return permits(host, port) ? null : "callbacks go only to the hosts in approvals.callback_hosts, and "
                    + display(host, port) + " is not one";
        }
        if (kind != null) {
            return display(host, port) + " is " + kind.phrase() + "; " + PUBLIC_ONLY;
        }
        if (host.equals("localhost") || host.endsWith(".localhost")) {
            return host + " is loopback; " + PUBLIC_ONLY;
        }
        return null;
    }

    /**
     * The address to connect to for {@code url}, resolved now: the first address of an allowed host
     * none of whose addresses is cloud metadata, or of a host whose every address is public. Blocks on
     * DNS: call it off the event loop. A host that does not resolve now fails with
     * {@link UnknownHostException} (it may, later).
     */
    public InetAddress resolve(String url) throws Refused, UnknownHostException {
        String why = refusal(url);
        if (why != null) {
            throw new Refused(why);
        }
        URI uri = URI.create(url);
        String host = host(uri);
        InetAddress literal = literal(host);
        InetAddress[] addresses = literal != null ? new InetAddress[] {literal} : resolver.resolve(host);
        if (addresses == null || addresses.length == 0) {
            throw new UnknownHostException(host + " has no addresses");
        }
        for (InetAddress a : addresses) {
            AddressKinds.Kind kind = AddressKinds.of(a);
            if (kind != null && (kind.cloudMetadata() || allowed.isEmpty())) {
                throw new Refused(host + " resolves to " + a.getHostAddress() + ", " + kind.phrase() + "; "
                        + (kind.cloudMetadata() ? NEVER_METADATA : PUBLIC_ONLY));
            }
        }
        return addresses[0];
    }

    /** {@code url} without its path, query and fragment (which may carry a receiver's secret), for logs and audit. */
    public static String redact(String url) {
        try {
            URI uri = new URI(url);
            if (uri.getScheme() == null || uri.getHost() == null) {
                return "(an invalid URL)";
            }
            String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() || uri.getRawPath().equals("/") ? "/" : "/…";
            return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort()) + path;
        } catch (URISyntaxException e) {
            return "(an invalid URL)";
        }
    }

    private boolean permits(String host, int port) {
        for (Entry e : allowed) {
            if (e.matches(host, port)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code host} reads as an IPv4 address, in some form, to URL parsers: its last label is a
     * number ({@code 2130706433}, {@code 127.1}, {@code 0x7f000001}). No top-level domain is numeric,
     * so such a host is never a name; only the dotted-decimal form is accepted.
     */
    private static boolean endsInANumber(String host) {
        String trimmed = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        return host.indexOf(':') < 0 && NUMERIC_LABEL.matcher(trimmed.substring(trimmed.lastIndexOf('.') + 1)).matches();
    }

    /** {@code host} as an address when it is an address literal, else null; never a DNS lookup. */
    private static InetAddress literal(String host) {
        try {
            if (host.indexOf(':') >= 0) {
                return host.indexOf('%') >= 0 ? null : InetAddress.getByName("[" + host + "]");   // bracketed: an IPv6 literal or an error
            }
            if (DOTTED_QUAD.matcher(host).matches()) {
                String[] parts = host.split("\\.");
                byte[] bytes = new byte[4];
                for (int i = 0; i < 4; i++) {
                    int part = Integer.parseInt(parts[i]);
                    if (part > 255) {
                        return null;
                    }
                    bytes[i] = (byte) part;
                }
                return InetAddress.getByAddress(bytes);
            }
            return null;
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String host(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static int port(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static String display(String host, int port) {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** One allowed host: a name, a {@code *.} suffix or an address, with an optional port. */
    private record Entry(String host, boolean suffix, InetAddress address, int port) {
        static Entry parse(String text) {
            String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
            if (t.contains("/") || t.contains("@")) {
                throw new IllegalArgumentException("'" + text + "' is not a host, *.domain or address, with an optional :port");
            }
            int port = -1;
            String host = t;
            if (t.startsWith("[")) {
                int close = t.indexOf(']');
                if (close < 0) {
                    throw new IllegalArgumentException("'" + text + "' opens an IPv6 address with [ but never closes it");
                }
                host = t.substring(1, close);
                String rest = t.substring(close + 1);
                if (!rest.isEmpty()) {
                    port = parsePort(text, rest);
                }
            } else if (t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':')) {
                host = t.substring(0, t.indexOf(':'));
                port = parsePort(text, t.substring(t.indexOf(':')));
            }
            boolean suffix = host.startsWith("*.");
            String name = suffix ? host.substring(2) : host;
            if (name.isEmpty() || name.contains("*")) {
                throw new IllegalArgumentException("'" + text + "' is not a host, *.domain or address, with an optional :port");
            }
            InetAddress address = suffix ? null : literal(name);
            if (!suffix && address == null && endsInANumber(name)) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address in dotted-decimal form, such as 10.0.0.7");
            }
            if (!suffix && address == null && name.indexOf(':') >= 0) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv6 address, such as fd00::7 or [fd00::7]:8443");
            }
            AddressKinds.Kind kind = address == null ? null : AddressKinds.of(address);
            if (kind != null && kind.cloudMetadata()) {
                throw new IllegalArgumentException("'" + text + "' is " + kind.phrase() + "; " + NEVER_METADATA + ", so listing it"
                        + " changes nothing: remove it");
            }
            String metadataHost = suffix ? null : AddressKinds.metadataHost(name.endsWith(".") ? name.substring(0, name.length() - 1) : name);
            if (metadataHost != null) {
                throw new IllegalArgumentException("'" + text + "' is a cloud metadata host (" + metadataHost + "); " + NEVER_METADATA
                        + ", so listing it changes nothing: remove it");
            }
            return new Entry(name.endsWith(".") ? name.substring(0, name.length() - 1) : name, suffix, address, port);
        }

        private static int parsePort(String text, String rest) {
            if (!rest.matches(":[0-9]{1,5}")) {
                throw new IllegalArgumentException("'" + text + "' has no valid port after ':'");
            }
            int port = Integer.parseInt(rest.substring(1));
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("'" + text + "' has a port outside 1-65535");
            }
            return port;
        }

        boolean matches(String candidate, int candidatePort) {
            if (port >= 0 && port != candidatePort) {
                return false;
            }
            if (suffix) {
                return candidate.endsWith("." + host);
            }
            if (address != null) {
                InetAddress other = literal(candidate);
                return address.equals(other);
            }
            return candidate.equals(host);
        }
    }
}
