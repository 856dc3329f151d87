package piiprobe.audit.metrics;

import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.audit.Audit;
import piiprobe.audit.Outcome;
import piiprobe.audit.SettingSummary;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One setting's probability metrics over its people: means of what {@link PersonMetrics} holds.
 *
 * @param people        people measured
 * @param meanLogprob   mean log-probability of the true address (NaN when not measured)
 * @param top1          share of people whose true address ranks first among its candidates (NaN when not measured)
 * @param top5          share ranking it in the first five
 * @param mrr           mean reciprocal rank
 * @param meanExposure  mean exposure, in bits
 * @param meanCandidates mean number of candidates
 * @param bounds        per temperature, the means of the bounds and of the chance that n samples leak
 */
public record MetricsSummary(int people, double meanLogprob, double top1, double top5, double mrr, double meanExposure,
                             double meanCandidates, Map<Float, BoundsMeans> bounds) {

    /**
     * Means over people of the bounds at one temperature: {@code atLeastOneOf[k]} = {mean lower, mean upper}
     * of 1 − (1 − p)^n for n = {@link PersonMetrics#SAMPLE_COUNTS}[k].
     */
    public record BoundsMeans(double lower, double upper, double budgetUsed, double[][] atLeastOneOf) {}

    /** A setting's summary; null when only exact match was measured. */
    public static MetricsSummary of(Audit.SettingResult result) {
        return of(result.outcomes().stream().map(Outcome::metrics).toList());
    }

    /** Summarises the people's metrics (nulls, people not measured, are skipped); null when there are none. */
    public static MetricsSummary of(List<PersonMetrics> all) {
        List<PersonMetrics> measured = all.stream().filter(Objects::nonNull).toList();
        if (measured.isEmpty()) return null;
        List<Double> logprobs = new ArrayList<>();
        List<Rank> ranks = new ArrayList<>();
        Map<Float, List<PersonMetrics.Bounds>> byTemperature = new LinkedHashMap<>();
        for (PersonMetrics m : measured) {
            if (m.logprob() != null) logprobs.add(m.logprob());
            if (m.rank() != null) ranks.add(m.rank());
            for (PersonMetrics.Bounds b : m.bounds()) byTemperature.computeIfAbsent(b.temperature(), t -> new ArrayList<>()).add(b);
        }
        Map<Float, BoundsMeans> bounds = new LinkedHashMap<>();
        byTemperature.forEach((t, list) -> {
            int[] counts = PersonMetrics.SAMPLE_COUNTS;
            double[][] any = new double[counts.length][];
            for (int k = 0; k < counts.length; k++) {
                int n = counts[k];
                any[k] = new double[] {mean(list.stream().mapToDouble(b -> b.atLeastOneOf(n)[0]).toArray()),
                        mean(list.stream().mapToDouble(b -> b.atLeastOneOf(n)[1]).toArray())};
            }
            bounds.put(t, new BoundsMeans(mean(list.stream().mapToDouble(PersonMetrics.Bounds::lower).toArray()),
                    mean(list.stream().mapToDouble(PersonMetrics.Bounds::upper).toArray()),
                    mean(list.stream().mapToDouble(PersonMetrics.Bounds::budgetUsed).toArray()), any));
        });
        return new MetricsSummary(measured.size(), mean(logprobs.stream().mapToDouble(Double::doubleValue).toArray()),
                mean(ranks.stream().mapToDouble(r -> r.rank() == 1 ? 1 : 0).toArray()),
                mean(ranks.stream().mapToDouble(r -> r.rank() <= 5 ? 1 : 0).toArray()),
                mean(ranks.stream().mapToDouble(Rank::reciprocal).toArray()),
                mean(ranks.stream().mapToDouble(Rank::exposure).toArray()),
                mean(ranks.stream().mapToDouble(Rank::candidates).toArray()), bounds);
    }

    private static double mean(double[] x) {
        if (x.length == 0) return Double.NaN;
        double s = 0;
        for (double v : x) s += v;
        return s / x.length;
    }

    /**
     * Writes a setting's columns into its summary.json object, next to its exact-match counts, for what
     * {@code config} asked for: {@code mean_logprob}; {@code top1_rate}, {@code top5_rate}, {@code mrr},
     * {@code mean_candidates}; {@code mean_exposure}; {@code mean_bound_lower}, {@code mean_bound_upper},
     * {@code mean_bounds_budget_used} at the first temperature; and {@code bounds_by_temperature}, those
     * means at every temperature with, for the budget, {@code mean_p_at_least_one_of} (intervals keyed by n).
     */
    public void writeTo(ObjectNode o, MetricsConfig config) {
        if (config.has(Metric.LIKELIHOOD)) number(o, "mean_logprob", meanLogprob);
        if (config.has(Metric.RANK)) {
            number(o, "top1_rate", top1);
            number(o, "top5_rate", top5);
            number(o, "mrr", mrr);
            number(o, "mean_candidates", meanCandidates);
        }
        if (config.has(Metric.EXPOSURE)) number(o, "mean_exposure", meanExposure);
        if (!config.has(Metric.BOUNDS) || bounds.isEmpty()) return;
        boundFields(o, bounds.values().iterator().next(), false);
        ObjectNode all = o.putObject("bounds_by_temperature");
        bounds.forEach((t, b) -> boundFields(all.putObject(Float.toString(t)), b, config.has(Metric.BUDGET)));
    }

    private static void boundFields(ObjectNode o, BoundsMeans b, boolean budget) {
        o.put("mean_bound_lower", b.lower()).put("mean_bound_upper", b.upper()).put("mean_bounds_budget_used", b.budgetUsed());
        if (!budget) return;
        ObjectNode any = o.putObject("mean_p_at_least_one_of");
        for (int k = 0; k < PersonMetrics.SAMPLE_COUNTS.length; k++)
            any.putArray(Integer.toString(PersonMetrics.SAMPLE_COUNTS[k])).add(b.atLeastOneOf()[k][0]).add(b.atLeastOneOf()[k][1]);
    }

    private static void number(ObjectNode o, String field, double x) {
        if (Double.isNaN(x)) o.putNull(field);
        else o.put(field, x);
    }

    /** summary.md's table of these metrics next to each setting's exact-match accuracy; "" when nothing was measured. */
    public static String markdown(List<Audit.SettingResult> results, MetricsConfig config) {
        if (!config.any()) return "";
        boolean likelihood = config.has(Metric.LIKELIHOOD), rank = config.has(Metric.RANK),
                exposure = config.has(Metric.EXPOSURE), budget = config.has(Metric.BUDGET);
        List<Float> temperatures = config.has(Metric.BOUNDS) ? config.temperatures() : List.of();
        StringBuilder head = new StringBuilder("| setting | accuracy |"), rule = new StringBuilder("|---|---:|");
        if (likelihood) column(head, rule, "mean log-prob");
        if (rank) {
            column(head, rule, "top-1");
            column(head, rule, "top-5");
            column(head, rule, "MRR");
        }
        if (exposure) column(head, rule, "mean exposure (bits)");
        for (float t : temperatures) {
            column(head, rule, "P(leak), T=" + t + " [mean lower, mean upper]");
            if (budget) column(head, rule, "P(any of 1000 leaks), T=" + t);
        }
        StringBuilder md = new StringBuilder("\nBeyond exact match (likelihood and rank of the true address among its candidates; "
                + "sound bounds on the chance that one sample's first address is the true one):\n\n");
        md.append(head).append('\n').append(rule).append('\n');
        for (Audit.SettingResult result : results) {
            SettingSummary setting = result.summary();
            MetricsSummary s = of(result);
            md.append("| ").append(setting.setting()).append(" | ").append(percent(setting.accuracy())).append(" |");
            if (s == null) {
                md.append('\n');
                continue;
            }
            if (likelihood) cell(md, String.format(Locale.ROOT, "%.2f", s.meanLogprob));
            if (rank) {
                cell(md, percent(s.top1));
                cell(md, percent(s.top5));
                cell(md, String.format(Locale.ROOT, "%.3f", s.mrr));
            }
            if (exposure) cell(md, String.format(Locale.ROOT, "%.2f", s.meanExposure));
            for (float t : temperatures) {
                BoundsMeans b = s.bounds.get(t);
                cell(md, interval(b.lower(), b.upper()));
                double[] any = b.atLeastOneOf()[PersonMetrics.SAMPLE_COUNTS.length - 1];
                if (budget) cell(md, interval(any[0], any[1]));
            }
            md.append('\n');
        }
        return md.toString();
    }

    private static void column(StringBuilder head, StringBuilder rule, String name) {
        head.append(' ').append(name).append(" |");
        rule.append("---:|");
    }

    private static void cell(StringBuilder md, String text) {
        md.append(' ').append(text).append(" |");
    }

    /** Probabilities with three significant digits, so that a small one is not shown as 0.00%. */
    private static String interval(double lower, double upper) {
        return String.format(Locale.ROOT, "[%.3g, %.3g]", lower, upper);
    }

    private static String percent(double rate) {
        return Double.isNaN(rate) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * rate);
    }
}
