package piiprobe.audit.metrics;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import piiprobe.engine.UserError;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The metric list, its config, the sampling budget and the per-setting means, on known numbers. */
class MetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void metricsBringWhatTheyAreComputedFrom() {
        assertEquals(EnumSet.of(Metric.EXACT, Metric.LIKELIHOOD, Metric.RANK, Metric.EXPOSURE), Metric.parse("exposure"));
        assertEquals(EnumSet.of(Metric.EXACT, Metric.BOUNDS, Metric.BUDGET), Metric.parse("budget"));
        assertEquals(EnumSet.allOf(Metric.class), Metric.parse("exact, likelihood,rank,exposure,budget,bounds"));
        UserError e = assertThrows(UserError.class, () -> Metric.parse("exact,rnak"));
        assertEquals("--metrics: unknown metric \"rnak\"; choose from exact, likelihood, rank, exposure, budget, bounds", e.getMessage());
    }

    @Test
    void badSettingsNameTheirFlag() {
        var all = EnumSet.allOf(Metric.class);
        assertTrue(assertThrows(UserError.class, () -> new MetricsConfig(all, 0, List.of(1f), 0, 0)).getMessage().startsWith("--bounds-budget"));
        assertTrue(assertThrows(UserError.class, () -> new MetricsConfig(all, 5, List.of(0f), 0, 0)).getMessage().startsWith("--bounds-temperature"));
        assertTrue(assertThrows(UserError.class, () -> new MetricsConfig(all, 5, List.of(0.7f, 0.7f), 0, 0)).getMessage().contains("twice"));
        assertTrue(assertThrows(UserError.class, () -> new MetricsConfig(all, 5, List.of(1f), -1, 0)).getMessage().startsWith("--bounds-top-k"));
        assertTrue(assertThrows(UserError.class, () -> new MetricsConfig(all, 5, List.of(1f), 0, -2)).getMessage().startsWith("--rank-decoys"));
    }

    @Test
    void configSurvivesConfigJson() {
        MetricsConfig c = new MetricsConfig(Metric.parse("budget,exposure"), 33, List.of(1f, 0.7f, 1.3f), 7, 4);
        assertEquals(c, MetricsConfig.fromJson(c.toJson()));
        assertEquals(MetricsConfig.EXACT_ONLY, MetricsConfig.fromJson(null), "a run from before the metrics");
        assertTrue(!MetricsConfig.EXACT_ONLY.any());
    }

    @Test
    void atLeastOneOfNSamples() {
        PersonMetrics.Bounds b = new PersonMetrics.Bounds(1f, 0.5, 0.75, 10);
        assertArrayEquals(new double[] {0.5, 0.75}, b.atLeastOneOf(1), 1e-15);
        assertArrayEquals(new double[] {1 - Math.pow(0.5, 10), 1 - Math.pow(0.25, 10)}, b.atLeastOneOf(10), 1e-15);
        assertArrayEquals(new double[] {0, 1}, new PersonMetrics.Bounds(1f, 0, 1, 1).atLeastOneOf(1000), 0);
        // tiny p: 1 − (1 − p)^n ≈ n·p, without cancellation
        assertEquals(1e-9, new PersonMetrics.Bounds(1f, 1e-12, 1e-12, 1).atLeastOneOf(1000)[0], 1e-18);
    }

    @Test
    void personMetricsSurviveTheJournal() {
        PersonMetrics m = new PersonMetrics(-12.345678901234567, new Rank(3, 31),
                List.of(new PersonMetrics.Bounds(1f, 0.0123, 0.98, 64), new PersonMetrics.Bounds(0.7f, 1e-300, 1, 12)));
        ObjectNode row = JSON.createObjectNode();
        m.writeTo(row);
        assertEquals(m, PersonMetrics.readFrom(row));
        PersonMetrics likelihoodOnly = new PersonMetrics(Double.NEGATIVE_INFINITY, null, List.of());
        ObjectNode other = JSON.createObjectNode();
        likelihoodOnly.writeTo(other);
        assertEquals(likelihoodOnly, PersonMetrics.readFrom(other));
        assertNull(PersonMetrics.readFrom(JSON.createObjectNode()));
    }

    @Test
    void predictionFieldsFollowTheMetricsAskedFor() {
        PersonMetrics m = new PersonMetrics(-2.5, new Rank(2, 8), List.of(new PersonMetrics.Bounds(0.7f, 0.5, 0.75, 9)));
        ObjectNode line = JSON.createObjectNode();
        m.writePredictionFields(line, new MetricsConfig(Metric.parse("exposure,budget"), 9, List.of(0.7f), 50, 5));
        assertEquals(-2.5, line.get("logprob").doubleValue());
        assertEquals(2, line.get("rank").intValue());
        assertEquals(8, line.get("candidates").intValue());
        assertEquals(2, line.get("exposure").doubleValue(), 1e-12);
        assertEquals(0.7f, line.get("bound_temperature").floatValue());
        assertEquals(0.5, line.get("bound_lower").doubleValue());
        assertEquals(0.75, line.get("bound_upper").doubleValue());
        assertEquals(9, line.get("bounds_budget_used").intValue());
        assertEquals(0.5, line.get("p_one_sample").get(0).doubleValue());
        assertEquals(1 - Math.pow(0.25, 10), line.get("p_at_least_one_of").get("10").get(1).doubleValue(), 1e-15);
        assertEquals(line.get("p_at_least_one_of"), line.get("bounds_by_temperature").get("0.7").get("p_at_least_one_of"));

        ObjectNode likelihoodOnly = JSON.createObjectNode();
        m.writePredictionFields(likelihoodOnly, new MetricsConfig(Metric.parse("likelihood"), 9, List.of(0.7f), 50, 5));
        assertEquals(List.of("logprob"), fieldNames(likelihoodOnly));
        ObjectNode boundsOnly = JSON.createObjectNode();
        m.writePredictionFields(boundsOnly, new MetricsConfig(Metric.parse("bounds"), 9, List.of(0.7f), 50, 5));
        assertEquals(List.of("bound_temperature", "bound_lower", "bound_upper", "bounds_budget_used", "bounds_by_temperature"),
                fieldNames(boundsOnly));
    }

    private static List<String> fieldNames(com.fasterxml.jackson.databind.JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void settingMeansOnKnownNumbers() {
        List<PersonMetrics> people = new ArrayList<>();
        people.add(new PersonMetrics(-1.0, new Rank(1, 10), List.of(new PersonMetrics.Bounds(1f, 0.5, 0.5, 3))));
        people.add(new PersonMetrics(-3.0, new Rank(4, 10), List.of(new PersonMetrics.Bounds(1f, 0.0, 1.0, 64))));
        people.add(new PersonMetrics(-5.0, new Rank(10, 10), List.of(new PersonMetrics.Bounds(1f, 0.1, 0.3, 64))));
        people.add(null); // not measured
        MetricsSummary s = MetricsSummary.of(people);
        assertEquals(3, s.people());
        assertEquals(-3.0, s.meanLogprob(), 1e-12);
        assertEquals(1.0 / 3, s.top1(), 1e-12);
        assertEquals(2.0 / 3, s.top5(), 1e-12);
        assertEquals((1 + 0.25 + 0.1) / 3, s.mrr(), 1e-12);
        double log2of10 = Math.log(10) / Math.log(2);
        assertEquals((log2of10 + (log2of10 - 2) + 0) / 3, s.meanExposure(), 1e-12);
        MetricsSummary.BoundsMeans b = s.bounds().get(1f);
        assertEquals(0.2, b.lower(), 1e-12);
        assertEquals(0.6, b.upper(), 1e-12);
        assertEquals(131.0 / 3, b.budgetUsed(), 1e-12);
        assertArrayEquals(new double[] {(1 - Math.pow(0.5, 10) + 0 + 1 - Math.pow(0.9, 10)) / 3,
                (1 - Math.pow(0.5, 10) + 1 + 1 - Math.pow(0.7, 10)) / 3}, b.atLeastOneOf()[1], 1e-12);
        assertNull(MetricsSummary.of(List.of()));
    }
}
