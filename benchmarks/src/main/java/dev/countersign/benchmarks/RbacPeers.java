package dev.countersign.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import oasis.names.tc.xacml._3_0.core.schema.wd_17.DecisionType;
import org.casbin.jcasbin.main.CoreEnforcer;
import org.casbin.jcasbin.main.Enforcer;
import org.casbin.jcasbin.persist.file_adapter.FileAdapter;
import org.ow2.authzforce.core.pdp.api.AttributeFqn;
import org.ow2.authzforce.core.pdp.api.AttributeFqns;
import org.ow2.authzforce.core.pdp.api.DecisionRequest;
import org.ow2.authzforce.core.pdp.api.DecisionRequestBuilder;
import org.ow2.authzforce.core.pdp.api.value.Bags;
import org.ow2.authzforce.core.pdp.api.value.StandardDatatypes;
import org.ow2.authzforce.core.pdp.api.value.StringValue;
import org.ow2.authzforce.core.pdp.impl.BasePdpEngine;
import org.ow2.authzforce.core.pdp.impl.PdpEngineConfiguration;

/**
 * The RBAC example's peers that run in process on the JVM, each in its fastest documented in-process
 * mode without a decision cache: AuthzForce CE (XACML 3.0) through its native Java API
 * ({@link BasePdpEngine#evaluate(DecisionRequest)} on requests built with its request builder, no
 * XML or JSON adapter in between), and jCasbin's plain {@link Enforcer} (not the cached one) with the
 * request as strings. Policies: {@code peers/authzforce-*.xml} and {@code peers/casbin-rbac-*} (see
 * {@code peers/NOTICE}).
 */
final class RbacPeers {
    private static final String SUBJECT = "urn:oasis:names:tc:xacml:1.0:subject-category:access-subject";
    private static final String ACTION = "urn:oasis:names:tc:xacml:3.0:attribute-category:action";
    private static final String RESOURCE = "urn:oasis:names:tc:xacml:3.0:attribute-category:resource";
    private static final AttributeFqn SUBJECT_ID = AttributeFqns.newInstance(SUBJECT, Optional.empty(),
            "urn:oasis:names:tc:xacml:1.0:subject:subject-id");
    private static final AttributeFqn ACTION_ID = AttributeFqns.newInstance(ACTION, Optional.empty(),
            "urn:oasis:names:tc:xacml:1.0:action:action-id");
    private static final AttributeFqn RESOURCE_TYPE = AttributeFqns.newInstance(RESOURCE, Optional.empty(),
            "urn:oasis:names:tc:xacml:3.0:resource:resource-type");

    private RbacPeers() {
    }

    /** The XACML PDP of {@code peers/authzforce-pdp.xml}, which loads {@code peers/authzforce-rbac-policy.xml}. */
    static BasePdpEngine authzforce() {
        try {
            return new BasePdpEngine(PdpEngineConfiguration.getInstance("classpath:peers/authzforce-pdp.xml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The XACML request of one example: user as subject-id, action as action-id, type as resource-type. */
    static DecisionRequest xacmlRequest(BasePdpEngine pdp, String user, String action, String type) {
        DecisionRequestBuilder<?> b = pdp.newRequestBuilder(-1, -1);
        b.putNamedAttributeIfAbsent(SUBJECT_ID, Bags.singletonAttributeBag(StandardDatatypes.STRING, new StringValue(user)));
        b.putNamedAttributeIfAbsent(ACTION_ID, Bags.singletonAttributeBag(StandardDatatypes.STRING, new StringValue(action)));
        b.putNamedAttributeIfAbsent(RESOURCE_TYPE, Bags.singletonAttributeBag(StandardDatatypes.STRING, new StringValue(type)));
        return b.build(false);
    }

    /** Whether AuthzForce permits {@code request}; anything but Permit (Deny, NotApplicable, Indeterminate) is a deny. */
    static boolean authzforceAllows(BasePdpEngine pdp, DecisionRequest request) {
        return pdp.evaluate(request).getDecision() == DecisionType.PERMIT;
    }

    /** The jCasbin enforcer of {@code peers/casbin-rbac-model.conf} and {@code peers/casbin-rbac-policy.csv}, logging off. */
    static Enforcer casbin() {
        try (InputStream policy = RbacPeers.class.getClassLoader().getResourceAsStream("peers/casbin-rbac-policy.csv")) {
            if (policy == null) {
                throw new IllegalStateException("peers/casbin-rbac-policy.csv is not on the classpath");
            }
            Enforcer e = new Enforcer(CoreEnforcer.newModel(Assets.text("peers/casbin-rbac-model.conf")), new FileAdapter(policy));
            e.enableLog(false);
            return e;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
