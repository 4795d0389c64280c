package dev.countersign.intruder;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/** An entry processor of a type the cluster was never meant to run: what an attacker would ship. */
public final class Gadget implements EntryProcessor<String, Object, String> {
    private static final long serialVersionUID = 1L;
    public static volatile boolean ran;

    @Override
    public String process(Map.Entry<String, Object> entry) {
        ran = true;
        return "ran";
    }
}
