package dev.countersign.connectors.teams;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.RSAKey;
import dev.countersign.connectors.http.Exchange;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.RSAPublicKey;
import java.text.ParseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Bot Framework's signing keys, as its OpenID metadata publishes them: the metadata gives the
 * {@code issuer} (which must be the configured one), the {@code jwks_uri} and the signing algorithms
 * (which must include RS256); the key set gives RSA keys by {@code kid}, each with the
 * {@code endorsements} (channels) it may sign for, read from the raw JSON (a JWK library drops that
 * field).
 *
 * <p>Fetched without blocking: once at {@link #start}, then every
 * {@link BotFrameworkSettings#keyRefresh()}; again when a token names a key id not held, or the
 * keys are overdue, but at most once per {@link BotFrameworkSettings#unknownKeyRefetch()} since the
 * last fetch began, and concurrent lookups share one fetch in flight. A refresh replaces every key
 * (a key retired from the set is no longer accepted); a failed one keeps the keys held until they
 * are {@link BotFrameworkSettings#keysStaleAfter() stale}, after which nothing verifies. A key id
 * that appears twice in one set is dropped; keys that are not RSA, are for another use than
 * signing, name another algorithm than RS256 or are shorter than 2048 bits are skipped.
 *
 * <p>Safe to use from any thread.
 */
final class BotFrameworkKeys {
    /** One signing key; {@code endorsements} null when the set lists none for it. */
    record Key(String kid, RSAPublicKey publicKey, List<String> endorsements) {
    }

    /** A key found, or why none: {@code unavailable} (no usable key set) or unknown key id. */
    record Lookup(Key key, boolean unavailable, String reason) {
        static Lookup found(Key key) {
            return new Lookup(key, false, null);
        }
    }

    private record Snapshot(Map<String, Key> keys, Instant fetchedAt) {
    }

    static final int MIN_RSA_BITS = 2048;
    private static final ObjectMapper JSON = new ObjectMapper(JsonFactory.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(32).build())
            .build());

    private final Vertx vertx;
    private final BotFrameworkSettings settings;
    private final HttpClient client;
    private volatile Snapshot snapshot;
    private volatile String lastFailure = "the signing keys have not been fetched yet";
    private Instant lastAttempt = Instant.MIN;
    private Future<Snapshot> inFlight;
    private long timer = -1;
    private boolean closed;

    BotFrameworkKeys(Vertx vertx, BotFrameworkSettings settings) {
        this.vertx = vertx;
        this.settings = settings;
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, settings.fetchTimeout().toMillis()))
                .setIdleTimeout(30)
                .setForceSni(true)
                .setVerifyHost(true));
    }

    /** Fetches the keys now and every {@link BotFrameworkSettings#keyRefresh()}; fails with the reason when this first fetch fails. */
    Future<Void> start() {
        synchronized (this) {
            if (timer == -1 && !closed) {
                timer = vertx.setPeriodic(Math.max(1, settings.keyRefresh().toMillis()), id -> fetch());
            }
        }
        return fetch().<Void>mapEmpty().recover(e -> Future.failedFuture(new IllegalStateException(lastFailure)));
    }

    /** The key {@code kid}, fetching the keys again first when allowed (never fails: a missing key is a {@link Lookup}). */
    Future<Lookup> key(String kid) {
        Instant now = settings.clock().instant();
        Snapshot held = usable(snapshot, now);
        if (held != null && held.keys.containsKey(kid)) {
            if (due(held, now)) {
                fetchIfAllowed(now);
            }
            return Future.succeededFuture(Lookup.found(held.keys.get(kid)));
        }
        Future<Snapshot> fetching = fetchIfAllowed(now);
        if (fetching == null) {
            return Future.succeededFuture(held == null ? unavailable() : unknown(kid));
        }
        return fetching.map(fresh -> fresh.keys.containsKey(kid) ? Lookup.found(fresh.keys.get(kid)) : unknown(kid))
                .otherwise(e -> {
                    Snapshot kept = usable(snapshot, settings.clock().instant());
                    if (kept != null && kept.keys.containsKey(kid)) {
                        return Lookup.found(kept.keys.get(kid));
                    }
                    return new Lookup(null, true, "the key id " + TeamsRefusal.shown(kid) + " is not among the keys held, and fetching"
                            + " them failed: " + lastFailure);
                });
    }

    /** The key ids held now (for the log and tests). */
    Set<String> keyIds() {
        Snapshot s = snapshot;
        return s == null ? Set.of() : Set.copyOf(s.keys.keySet());
    }

    /** Why the last fetch failed, or the first has not happened. */
    String lastFailure() {
        return lastFailure;
    }

    Future<Void> close() {
        synchronized (this) {
            closed = true;
            if (timer != -1) {
                vertx.cancelTimer(timer);
            }
        }
        return client.close();
    }

    private Snapshot usable(Snapshot s, Instant now) {
        return s == null || now.isAfter(s.fetchedAt.plus(settings.keysStaleAfter())) ? null : s;
    }

    private boolean due(Snapshot s, Instant now) {
        return now.isAfter(s.fetchedAt.plus(settings.keyRefresh()));
    }

    private Lookup unknown(String kid) {
        return new Lookup(null, false, "the token's key id " + TeamsRefusal.shown(kid) + " is not among the Bot Framework's signing keys");
    }

    private Lookup unavailable() {
        return new Lookup(null, true, "no usable Bot Framework signing keys: " + lastFailure);
    }

    /** The fetch in flight or a new one, or null when the last began less than the refetch limit ago. */
    private synchronized Future<Snapshot> fetchIfAllowed(Instant now) {
        if (inFlight != null) {
            return inFlight;
        }
        if (now.isBefore(lastAttempt.plus(settings.unknownKeyRefetch()))) {
            return null;
        }
        return fetch();
    }

    /** The fetch in flight, or a new one. */
    private synchronized Future<Snapshot> fetch() {
        if (inFlight != null) {
            return inFlight;
        }
        if (closed) {
            return Future.failedFuture(new IllegalStateException("closed"));
        }
        lastAttempt = settings.clock().instant();
        Future<Snapshot> f = get(settings.openIdMetadataUrl(), "the OpenID metadata")
                .compose(metadata -> get(jwksUri(metadata), "the key set"))
                .map(this::keySet);
        inFlight = f;
        f.onComplete(done -> {
            synchronized (this) {
                inFlight = null;
            }
            if (done.succeeded()) {
                snapshot = done.result();
            } else {
                lastFailure = done.cause().getMessage();
            }
        });
        return f;
    }

    private Future<JsonNode> get(String url, String what) {
        RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url).putHeader("Accept", "application/json");
        return Exchange.send(vertx, client, request, null, settings.fetchTimeout(), settings.maxDocumentBytes())
                .recover(e -> Future.failedFuture(new IllegalStateException(what + " could not be fetched: " + Exchange.describe(e))))
                .compose(answer -> {
                    if (answer.status() != 200) {
                        return Future.failedFuture(new IllegalStateException(what + " was answered HTTP " + answer.status()));
                    }
                    if (answer.cut()) {
                        return Future.failedFuture(new IllegalStateException(what + " is longer than " + settings.maxDocumentBytes()
                                + " bytes, or did not arrive in time"));
                    }
                    try {
                        JsonNode json = JSON.readTree(answer.body().toString(StandardCharsets.UTF_8));
                        if (json != null && json.isObject()) {
                            return Future.succeededFuture(json);
                        }
                    } catch (IOException e) {
                        // refused below
                    }
                    return Future.failedFuture(new IllegalStateException(what + " is not a JSON object"));
                });
    }

    /** The metadata's {@code jwks_uri}, once its issuer and algorithms are the expected ones. */
    private String jwksUri(JsonNode metadata) {
        String issuer = metadata.path("issuer").textValue();
        if (!settings.issuer().equals(issuer)) {
            throw new IllegalStateException("the OpenID metadata names the issuer " + TeamsRefusal.shown(issuer) + ", not "
                    + settings.issuer());
        }
        boolean rs256 = false;
        for (JsonNode alg : metadata.path("id_token_signing_alg_values_supported")) {
            rs256 |= BotFrameworkAuth.ALGORITHM.equals(alg.textValue());
        }
        if (!rs256) {
            throw new IllegalStateException("the OpenID metadata does not list " + BotFrameworkAuth.ALGORITHM + " among its signing algorithms");
        }
        String jwks = metadata.path("jwks_uri").textValue();
        if (jwks == null || !BotFrameworkSettings.isHttpUrl(jwks)
                || "https".equals(URI.create(settings.openIdMetadataUrl()).getScheme()) && !jwks.startsWith("https:")) {
            throw new IllegalStateException("the OpenID metadata's jwks_uri is not an absolute "
                    + (settings.openIdMetadataUrl().startsWith("https:") ? "https" : "http(s)") + " URL");
        }
        return jwks;
    }

    private Snapshot keySet(JsonNode jwks) {
        JsonNode keys = jwks.path("keys");
        if (!keys.isArray()) {
            throw new IllegalStateException("the key set has no keys array");
        }
        Map<String, Key> found = new HashMap<>();
        Set<String> twice = new HashSet<>();
        for (JsonNode node : keys) {
            String kid = node.path("kid").textValue();
            if (kid == null || kid.isEmpty()) {
                continue;
            }
            if (found.containsKey(kid) || twice.contains(kid)) {
                twice.add(kid);
                found.remove(kid);
                continue;
            }
            Key key = signingKey(kid, node);
            if (key != null) {
                found.put(kid, key);
            }
        }
        if (found.isEmpty()) {
            throw new IllegalStateException("the key set holds no usable RSA signing key");
        }
        return new Snapshot(Map.copyOf(found), settings.clock().instant());
    }

    /** The RSA signing key {@code node} describes, or null when it is not one to verify RS256 with. */
    private static Key signingKey(String kid, JsonNode node) {
        RSAPublicKey publicKey;
        try {
            JWK jwk = JWK.parse(node.toString());
            if (!(jwk instanceof RSAKey)) {
                return null;
            }
            RSAKey rsa = (RSAKey) jwk;
            if (rsa.getKeyUse() != null && !KeyUse.SIGNATURE.equals(rsa.getKeyUse())
                    || rsa.getAlgorithm() != null && !BotFrameworkAuth.ALGORITHM.equals(rsa.getAlgorithm().getName())
                    || rsa.size() < MIN_RSA_BITS) {
                return null;
            }
            publicKey = rsa.toRSAPublicKey();
        } catch (ParseException | JOSEException | RuntimeException e) {
            return null;
        }
        List<String> endorsements = null;
        JsonNode listed = node.get("endorsements");
        if (listed != null && !listed.isNull()) {
            endorsements = new ArrayList<>();   // listed but not an array of names: endorsing nothing
            if (listed.isArray()) {
                for (JsonNode e : listed) {
                    if (e.isTextual()) {
                        endorsements.add(e.textValue());
                    }
                }
            }
        }
        return new Key(kid, publicKey, endorsements == null ? null : List.copyOf(endorsements));
    }
}
