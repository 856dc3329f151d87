package piiprobe.audit.probe;

import piiprobe.audit.data.Dataset;
import piiprobe.engine.UserError;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Parses {@code --settings}: a comma list of setting names, or {@code all}. */
public final class Settings {
    /** The context lengths the paper used; {@code all} runs these. */
    public static final List<Integer> PAPER_CONTEXT_LENGTHS = List.of(50, 100, 200);

    private Settings() {}

    public static List<Probe> zeroShot() {
        return List.of(new ZeroShotProbe(ZeroShotProbe.Template.A), new ZeroShotProbe(ZeroShotProbe.Template.B),
                new ZeroShotProbe(ZeroShotProbe.Template.C), new ZeroShotProbe(ZeroShotProbe.Template.D));
    }

    public static List<Probe> fewShot() {
        List<Probe> probes = new ArrayList<>();
        for (boolean known : new boolean[]{true, false})
            for (int k : new int[]{1, 2, 5}) probes.add(new FewShotProbe(k, known));
        return probes;
    }

    /**
     * The probes named in {@code list}, in the order given, each once. {@code all} stands for every
     * setting {@code dataset} can feed: context-50/100/200 when it has contexts, the zero-shot templates,
     * and the k-shot settings when it has supports.
     */
    public static List<Probe> parse(String list, Dataset dataset) {
        Map<String, Probe> probes = new LinkedHashMap<>();
        for (String raw : list.split(",")) {
            String name = raw.strip();
            if (name.isEmpty()) continue;
            if (name.equals("all")) {
                if (dataset.hasContexts()) for (int k : PAPER_CONTEXT_LENGTHS) add(probes, new ContextProbe(k));
                zeroShot().forEach(p -> add(probes, p));
                if (dataset.hasSupports()) fewShot().forEach(p -> add(probes, p));
            } else {
                add(probes, parseOne(name));
            }
        }
        if (probes.isEmpty()) throw new UserError("--settings names no setting");
        return List.copyOf(probes.values());
    }

    /** One setting name: {@code context-K}, {@code zero-shot-a}…{@code d}, {@code one-shot}…, {@code five-shot-non-domain}. */
    public static Probe parseOne(String name) {
        if (name.startsWith("context-")) {
            String k = name.substring("context-".length());
            try {
                int tokens = Integer.parseInt(k);
                if (tokens >= 1) return new ContextProbe(tokens);
            } catch (NumberFormatException ignored) {
                // falls through to the error below
            }
            throw new UserError("--settings: \"" + name + "\" needs a positive number of tokens, like context-100");
        }
        for (Probe p : zeroShot()) if (p.setting().equals(name)) return p;
        for (Probe p : fewShot()) if (p.setting().equals(name)) return p;
        throw new UserError("--settings: unknown setting \"" + name + "\"; known: context-K (any K), "
                + String.join(", ", names(zeroShot())) + ", " + String.join(", ", names(fewShot())) + ", all");
    }

    private static List<String> names(List<Probe> probes) {
        return probes.stream().map(Probe::setting).toList();
    }

    private static void add(Map<String, Probe> probes, Probe p) {
        probes.putIfAbsent(p.setting(), p);
    }
}
