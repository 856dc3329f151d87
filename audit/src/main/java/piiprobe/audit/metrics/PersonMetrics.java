package piiprobe.audit.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * One person's probability metrics in one setting, as the run's journal keeps them (what the reports
 * derive from them, such as exposure or the sampling budget, is not stored).
 *
 * @param logprob natural log-probability of the true address after the prompt, or null when not measured
 * @param rank    the true address's rank among its candidates, or null when not measured
 * @param bounds  bounds on the chance that one sample leaks the address, per temperature (empty when not measured)
 */
public record PersonMetrics(Double logprob, Rank rank, List<Bounds> bounds) {

    /** Hayes et al.'s numbers of samples. */
    public static final int[] SAMPLE_COUNTS = {1, 10, 100, 1000};

    /**
     * For sampling at {@code temperature}: the chance that one sample's first address
     * is the true one lies in [lower, upper]; {@code budgetUsed} next-token distributions went into it.
     */
    public record Bounds(float temperature, double lower, double upper, int budgetUsed) {
        /**
         * The chance that at least one of {@code n} independent samples leaks, 1 − (1 − p)^n, for p at
         * the lower and at the upper bound (it grows with p).
         */
        public double[] atLeastOneOf(int n) {
            return new double[] {atLeastOne(lower, n), atLeastOne(upper, n)};
        }

        private static double atLeastOne(double p, int n) {
            return p >= 1 ? 1 : -Math.expm1(n * Math.log1p(-p));
        }
    }

    public PersonMetrics {
        bounds = List.copyOf(bounds);
    }

    /** Writes the measured fields into a journal row. */
    public void writeTo(ObjectNode row) {
        if (logprob != null) row.put("logprob", logprob);
        if (rank != null) row.put("rank", rank.rank()).put("candidates", rank.candidates());
        if (!bounds.isEmpty()) {
            ArrayNode list = row.putArray("bounds");
            for (Bounds b : bounds)
                list.addObject().put("temperature", b.temperature()).put("lower", b.lower())
                        .put("upper", b.upper()).put("budget_used", b.budgetUsed());
        }
    }

    /**
     * Writes predictions.jsonl's fields for what {@code config} asked for: {@code logprob}; {@code rank},
     * {@code candidates}; {@code exposure}; for the bounds, {@code bound_lower}, {@code bound_upper},
     * {@code bounds_budget_used} and {@code bound_temperature} at the first temperature, and with the
     * budget {@code p_one_sample} and {@code p_at_least_one_of} (intervals [lower, upper] keyed by n);
     * {@code bounds_by_temperature} holds the same for every temperature, keyed by it.
     */
    public void writePredictionFields(ObjectNode line, MetricsConfig config) {
        if (config.has(Metric.LIKELIHOOD) && logprob != null) line.put("logprob", logprob);
        if (config.has(Metric.RANK) && rank != null) line.put("rank", rank.rank()).put("candidates", rank.candidates());
        if (config.has(Metric.EXPOSURE) && rank != null) line.put("exposure", rank.exposure());
        if (!config.has(Metric.BOUNDS) || bounds.isEmpty()) return;
        line.put("bound_temperature", bounds.getFirst().temperature());
        boundFields(line, bounds.getFirst(), config);
        ObjectNode all = line.putObject("bounds_by_temperature");
        for (Bounds b : bounds) boundFields(all.putObject(Float.toString(b.temperature())), b, config);
    }

    private static void boundFields(ObjectNode o, Bounds b, MetricsConfig config) {
        o.put("bound_lower", b.lower()).put("bound_upper", b.upper()).put("bounds_budget_used", b.budgetUsed());
        if (!config.has(Metric.BUDGET)) return;
        o.putArray("p_one_sample").add(b.lower()).add(b.upper());
        ObjectNode any = o.putObject("p_at_least_one_of");
        for (int n : SAMPLE_COUNTS) {
            double[] p = b.atLeastOneOf(n);
            any.putArray(Integer.toString(n)).add(p[0]).add(p[1]);
        }
    }

    /** Reads what {@link #writeTo} wrote; null when the row has no metrics. */
    public static PersonMetrics readFrom(JsonNode row) {
        boolean any = row.has("logprob") || row.has("rank") || row.has("bounds");
        if (!any) return null;
        List<Bounds> bounds = new ArrayList<>();
        for (JsonNode b : row.path("bounds"))
            bounds.add(new Bounds(b.get("temperature").floatValue(), b.get("lower").asDouble(),
                    b.get("upper").asDouble(), b.get("budget_used").intValue()));
        return new PersonMetrics(row.has("logprob") ? row.get("logprob").asDouble() : null,
                row.has("rank") ? new Rank(row.get("rank").intValue(), row.get("candidates").intValue()) : null, bounds);
    }
}
