package dev.countersign.pdp.agents;

import dev.countersign.pdp.config.ClientConfig;
import dev.countersign.pdp.http.Caller;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The actor each client's agents are decided as: its {@code actor} block, or an agent named after the client. */
public final class ClientActors {
    private final Map<String, ClientConfig.AgentActor> byClient = new HashMap<>();

    public ClientActors(List<ClientConfig> clients) {
        for (ClientConfig c : clients) {
            byClient.put(c.name(), c.agentActor());
        }
    }

    public ClientConfig.AgentActor of(Caller caller) {
        ClientConfig.AgentActor a = byClient.get(caller.name());
        return a != null ? a : new ClientConfig.AgentActor(caller.name(), "agent", null);
    }
}
