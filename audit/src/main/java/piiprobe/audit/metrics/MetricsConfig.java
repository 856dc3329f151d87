package piiprobe.audit.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.engine.UserError;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What an audit measures beyond exact match, and how; part of the run's config.json (a run measured
 * otherwise is another run).
 *
 * @param metrics      what to measure, closed under what each metric is computed from ({@link Metric#parse})
 * @param boundsBudget next-token distributions the bounds may ask the model for, per person, setting and temperature
 * @param temperatures the sampling temperatures the bounds (and the budget) are computed for
 * @param topK         top-k of that sampling (0: off)
 * @param decoys       other people's local parts at the true domain added to the rank's candidates, at most
 */
public record MetricsConfig(Set<Metric> metrics, int boundsBudget, List<Float> temperatures, int topK, int decoys) {
    /**
     * Expansions per person, setting and temperature: 0.2–0.6 s of a GPT-Neo-125M-shaped model on two
     * cores for a zero-shot prompt (MetricsBench, random weights, flat to peaked), about what the rank
     * costs, so that the metrics add to an audit's time rather than dwarf it.
     */
    public static final int DEFAULT_BOUNDS_BUDGET = 64;
    /** Hayes et al.'s plain sampling and the paper's. */
    public static final List<Float> DEFAULT_TEMPERATURES = List.of(1.0f, 0.7f);
    /** transformers' default top-k, which the paper's sampling used. */
    public static final int DEFAULT_TOP_K = 50;
    public static final int DEFAULT_DECOYS = 20;
    /** The paper's measure alone: nothing more is asked of the model. */
    public static final MetricsConfig EXACT_ONLY = new MetricsConfig(EnumSet.of(Metric.EXACT), DEFAULT_BOUNDS_BUDGET,
            DEFAULT_TEMPERATURES, DEFAULT_TOP_K, DEFAULT_DECOYS);

    public MetricsConfig {
        metrics = Collections.unmodifiableSet(EnumSet.copyOf(metrics));
        temperatures = List.copyOf(temperatures);
        if (!metrics.contains(Metric.EXACT)) throw new IllegalArgumentException("exact match is always measured");
        if (boundsBudget < 1) throw new UserError("--bounds-budget must be >= 1, got " + boundsBudget);
        if (temperatures.isEmpty()) throw new UserError("--bounds-temperature needs at least one temperature");
        for (float t : temperatures)
            if (!(t > 0) || Float.isInfinite(t)) throw new UserError("--bounds-temperature must be > 0 and finite, got " + t);
        if (temperatures.stream().distinct().count() < temperatures.size())
            throw new UserError("--bounds-temperature lists a temperature twice: " + temperatures);
        if (topK < 0) throw new UserError("--bounds-top-k must be >= 0 (0: off), got " + topK);
        if (decoys < 0) throw new UserError("--rank-decoys must be >= 0, got " + decoys);
    }

    public boolean has(Metric m) {
        return metrics.contains(m);
    }

    /** Whether anything beyond exact match is measured (and so the model is asked for probabilities). */
    public boolean any() {
        return metrics.size() > 1;
    }

    /** config.json's {@code metrics} object. */
    public ObjectNode toJson() {
        ObjectNode o = new ObjectMapper().createObjectNode();
        var measures = o.putArray("measures");
        metrics.forEach(m -> measures.add(m.label()));
        if (has(Metric.BOUNDS)) {
            ObjectNode b = o.putObject("bounds").put("budget", boundsBudget).put("top_k", topK);
            temperatures.forEach(b.putArray("temperatures")::add);
        }
        if (has(Metric.RANK)) o.putObject("rank").put("decoys", decoys);
        return o;
    }

    /** Reads back {@link #toJson}; null (a run from before these metrics) is {@link #EXACT_ONLY}. */
    public static MetricsConfig fromJson(JsonNode o) {
        if (o == null || o.isNull()) return EXACT_ONLY;
        List<String> names = new ArrayList<>();
        o.get("measures").forEach(n -> names.add(n.textValue()));
        Set<Metric> metrics = Metric.parse(String.join(",", names));
        JsonNode b = o.path("bounds"), r = o.path("rank");
        List<Float> temperatures = new ArrayList<>();
        b.path("temperatures").forEach(t -> temperatures.add(t.floatValue()));
        return new MetricsConfig(metrics, b.path("budget").asInt(DEFAULT_BOUNDS_BUDGET),
                temperatures.isEmpty() ? DEFAULT_TEMPERATURES : temperatures, b.path("top_k").asInt(DEFAULT_TOP_K),
                r.path("decoys").asInt(DEFAULT_DECOYS));
    }

    @Override
    public String toString() {
        return metrics.stream().map(Metric::label).collect(Collectors.joining(","));
    }
}
