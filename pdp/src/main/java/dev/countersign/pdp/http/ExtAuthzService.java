package dev.countersign.pdp.http;

import dev.countersign.pdp.config.Scope;
import dev.countersign.pdp.config.ServerConfig;
import dev.countersign.pdp.decision.DecisionService;
import dev.countersign.pdp.decision.Envelope;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Context;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's {@code envoy.service.auth.v3.Authorization/Check}: each check is read as forward-auth reads
 * a request ({@link CheckRequests}), decided by the {@link DecisionService} on one of the node's
 * Vert.x event-loop contexts (taken in turn), so it is held, redeemed and audited as every decision
 * is ({@code via: ext_authz}), and answered as {@link CheckAnswers} says. A grant is redeemed when the
 * request carries {@code x-countersign-approval-id}.
 *
 * <p>The caller ({@link #authentication}) is a configured client with the decide scope whose token
 * comes as the gRPC metadata {@code authorization: Bearer <token>} (Envoy's {@code initial_metadata}),
 * or the principal of the {@code forward_auth.trusted_sources} entry it calls from; a call without
 * either ends {@code UNAUTHENTICATED}, a client without the scope {@code PERMISSION_DENIED}, a caller
 * over its rate {@code RESOURCE_EXHAUSTED}: call errors, which Envoy answers as its own
 * {@code status_on_error} (403 unless configured).
 */
public final class ExtAuthzService extends AuthorizationGrpc.AuthorizationImplBase {
    private static final Logger LOG = LoggerFactory.getLogger(ExtAuthzService.class);
    private static final io.grpc.Context.Key<Caller> CALLER = io.grpc.Context.key("countersign.caller");
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final DecisionService decisions;
    private final Authenticator authenticator;
    private final TrustedSources trusted;
    private final CheckRequests requests;
    private final List<Context> contexts;
    private final AtomicInteger turn = new AtomicInteger();

    /** Decides on {@code contexts} (event-loop contexts of the node's Vert.x, at least one). */
    public ExtAuthzService(DecisionService decisions, Authenticator authenticator, ServerConfig.ForwardAuth config, List<Context> contexts) {
        if (contexts.isEmpty()) {
            throw new IllegalArgumentException("ext_authz decides on at least one event-loop context");
        }
        this.decisions = decisions;
        this.authenticator = authenticator;
        this.trusted = new TrustedSources(config.trustedSources());
        this.requests = new CheckRequests(config);
        this.contexts = List.copyOf(contexts);
    }

    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> out) {
        Caller caller = CALLER.get();
        CheckRequests.Asked asked;
        try {
            asked = requests.read(request);
        } catch (RuntimeException malformed) {
            answer(out, CheckAnswers.of(malformed));
            return;
        }
        Envelope envelope = asked.approvalId() == null ? Envelope.NONE : new Envelope(asked.approvalId(), null);
        Context context = contexts.get(Math.floorMod(turn.getAndIncrement(), contexts.size()));
        context.runOnContext(v -> {
            try {
                decisions.decide(asked.context(), asked.packageScope(), caller, "ext_authz", envelope)
                        .onComplete(done -> answer(out, done.succeeded() ? CheckAnswers.of(done.result()) : CheckAnswers.of(done.cause())));
            } catch (RuntimeException failure) {
                answer(out, CheckAnswers.of(failure));
            }
        });
    }

    /**
     * Runs the reading of a check and the writing of an answer once on a made-up check, deciding
     * nothing and recording nothing, so that the first check Envoy sends does not load them (Envoy
     * gives a check 200 ms by default).
     */
    public void warm() {
        CheckRequest sample = CheckRequest.newBuilder().setAttributes(io.envoyproxy.envoy.service.auth.v3.AttributeContext.newBuilder()
                .setRequest(io.envoyproxy.envoy.service.auth.v3.AttributeContext.Request.newBuilder()
                        .setHttp(io.envoyproxy.envoy.service.auth.v3.AttributeContext.HttpRequest.newBuilder()
                                .setMethod("GET").setHost("warm.example.com").setPath("/%61/?q=1").setScheme("https")
                                .putHeaders(CheckRequests.MCP_METHOD, "tools/call").putHeaders(CheckRequests.MCP_NAME, "warm"))))
                .build();
        try {
            requests.read(CheckRequest.parseFrom(sample.toByteArray()));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            throw new IllegalStateException("a CheckRequest of this build does not read back", e);
        }
        CheckAnswers.of(new ApiError(400, "warm", "warm")).toByteArray();
    }

    /**
     * Authenticates each call from its metadata and peer address before {@link #check} runs, and
     * holds the caller to its rate.
     */
    public ServerInterceptor authentication() {
        return new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                Caller caller;
                try {
                    caller = caller(headers, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR));
                } catch (StatusRuntimeException refused) {
                    call.close(refused.getStatus(), new Metadata());
                    return new ServerCall.Listener<>() {
                    };
                }
                return Contexts.interceptCall(io.grpc.Context.current().withValue(CALLER, caller), call, headers, next);
            }
        };
    }

    private Caller caller(Metadata headers, SocketAddress peer) {
        Caller caller = authenticated(headers, peer);
        RateLimit rate = caller.rate();
        if (rate != null) {
            long wait = rate.acquire();
            if (wait > 0) {
                throw Status.RESOURCE_EXHAUSTED.withDescription("caller " + caller.name() + " exceeded its rate of "
                        + rate.rate().perSecond() + " requests per second (a burst of " + rate.rate().burst() + ") on this node")
                        .asRuntimeException();
            }
        }
        return caller;
    }

    private Caller authenticated(Metadata headers, SocketAddress peer) {
        if (!authenticator.enabled()) {
            return Caller.local();
        }
        Iterable<String> values = headers.getAll(AUTHORIZATION);
        int copies = 0;
        String header = null;
        if (values != null) {
            for (String value : values) {
                copies++;
                header = value;
            }
        }
        if (copies > 1) {
            throw Status.INVALID_ARGUMENT.withDescription("the call carries authorization " + copies + " times; send one bearer token")
                    .asRuntimeException();
        }
        String token = Authenticator.bearer(header);
        Caller client = token == null ? null : authenticator.authenticate(token);
        if (client != null) {
            if (!client.has(Scope.DECIDE)) {
                throw Status.PERMISSION_DENIED.withDescription("client " + client.name() + " may not ask for decisions; it needs the"
                        + " scope decide").asRuntimeException();
            }
            return client;
        }
        String address = peer instanceof InetSocketAddress inet && inet.getAddress() != null ? inet.getAddress().getHostAddress() : null;
        Caller source = trusted.callerAt(address);
        if (source != null) {
            return source;
        }
        throw Status.UNAUTHENTICATED.withDescription((header == null ? "no authorization metadata" : "the bearer token is not one of"
                + " a configured client") + ": Envoy authenticates with the metadata authorization: Bearer <token> (its"
                + " grpc_service's initial_metadata), or calls from an address in forward_auth.trusted_sources").asRuntimeException();
    }

    private static void answer(StreamObserver<CheckResponse> out, CheckResponse response) {
        try {
            out.onNext(response);
            out.onCompleted();
        } catch (StatusRuntimeException gone) {
            LOG.debug("ext_authz: the check was cancelled before its answer", gone);
        }
    }
}
