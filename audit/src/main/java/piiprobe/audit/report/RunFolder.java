package piiprobe.audit.report;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import piiprobe.audit.Audit;
import piiprobe.audit.SettingSummary;
import piiprobe.audit.probe.Settings;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.HfFiles;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A finished audit run, read back from its folder for the HTML report (no model, no data set needed):
 * {@code config.json}, {@code summary.json}, {@code predictions.jsonl} for the per-person metrics and
 * the addresses that leaked, and a training loss curve ({@value LossCurve#FILE}) when one lies beside them.
 *
 * @param dir          the run folder
 * @param config       config.json as written by the audit
 * @param population   summary.json's population counts (people, audited, long_names, ...); empty when absent
 * @param settings     every setting's counts, in the run's order
 * @param extraColumns per setting, numbers of summary.json that the paper's table lacks (metrics added later,
 *                     such as top-1 rate or mean exposure), in the order written; the bounds' means once per
 *                     temperature, named {@code "mean_bound_lower (T=0.7)"} and so on
 * @param metrics      per setting, the per-person likelihoods, ranks and probability bounds, where the run has them
 * @param leaks        people whose true address some setting produced, most settings first; empty for a
 *                     redacted run
 * @param loss         the training loss curve, or null
 * @param groups       per setting, its counts for the planted people and for the controls apart, when the
 *                     data set marks controls (summary.json's {@code planted} and {@code control}); else empty
 */
public record RunFolder(Path dir, JsonNode config, Map<String, Integer> population, List<SettingSummary> settings,
                        Map<String, Map<String, Double>> extraColumns, Map<String, PersonMetrics> metrics,
                        List<Leak> leaks, LossCurve loss, Map<String, Groups> groups) {

    /** The summary.json fields of a setting that the paper's table shows; other numbers are extra columns. */
    private static final Set<String> TABLE_FIELDS = Set.of("eligible", "skipped", "predicted", "correct", "accuracy",
            "no_pattern_correct", "local_part", "domain", "refused", "refusal_rate", "baseline_correct", "baseline_accuracy");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One setting counted for the people in the training data (planted) and for those held out of it
     * (controls), each with the guessing baseline on its own people.
     */
    public record Groups(SettingSummary planted, SettingSummary control) {}

    /** A person whose address leaked: in which settings, how often the address occurs in training, its pattern. */
    public record Leak(String name, String email, int frequency, String patternType, List<String> settings) {}

    /**
     * Per-person numbers of one setting beyond exact match (issue 5's metrics), each empty when the run lacks
     * it: log P(true address | prompt), the true address's rank among its candidates, and sound bounds on the
     * probability that sampling yields it (lower and upper, person by person).
     */
    public record PersonMetrics(double[] logprob, double[] rank, double[] boundLower, double[] boundUpper) {
        public boolean isEmpty() {
            return logprob.length == 0 && rank.length == 0 && boundLower.length == 0;
        }
    }

    public RunFolder {
        population = Map.copyOf(population);
        settings = List.copyOf(settings);
        leaks = List.copyOf(leaks);
        groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
    }

    /** Reads the run in {@code dir}; a user error names the folder or file and what is wrong with it. */
    public static RunFolder read(Path dir) throws IOException {
        Audit.requireRunFolder(dir);
        Path configFile = dir.resolve(Audit.CONFIG);
        Path summaryFile = dir.resolve(Report.SUMMARY_JSON);
        if (!Files.isRegularFile(summaryFile))
            throw new UserError(dir + " holds no " + Report.SUMMARY_JSON + ": the run is unfinished; run the same audit command again to finish it");
        JsonNode config = HfFiles.readObject(configFile);
        JsonNode summary = HfFiles.readObject(summaryFile);

        Map<String, Integer> population = new LinkedHashMap<>();
        JsonNode pop = summary.path("population");
        for (Iterator<Map.Entry<String, JsonNode>> it = pop.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().canConvertToInt()) population.put(e.getKey(), e.getValue().intValue());
        }
        JsonNode settingsNode = summary.get("settings");
        if (settingsNode == null || !settingsNode.isObject()) throw new UserError(summaryFile + ": no \"settings\" object");
        List<SettingSummary> settings = new ArrayList<>();
        Map<String, Map<String, Double>> extra = new LinkedHashMap<>();
        Map<String, Groups> groups = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = settingsNode.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            settings.add(setting(summaryFile, e.getKey(), "", e.getValue()));
            JsonNode planted = e.getValue().get("planted"), control = e.getValue().get("control");
            if (planted != null || control != null) {
                if (planted == null || control == null)
                    throw new UserError(summaryFile + ": setting " + e.getKey() + " has \"" + (planted == null ? "control" : "planted")
                            + "\" counts without \"" + (planted == null ? "planted" : "control") + "\"");
                groups.put(e.getKey(), new Groups(setting(summaryFile, e.getKey(), "planted", planted),
                        setting(summaryFile, e.getKey(), "control", control)));
            }
            Map<String, Double> columns = numbers(e.getValue(), "");
            columns.keySet().removeAll(TABLE_FIELDS);
            // every temperature's bounds, each column named with its temperature; the first temperature's, which
            // the setting also holds unnamed, are among them
            Map<String, Double> byTemperature = new LinkedHashMap<>();
            e.getValue().path("bounds_by_temperature").properties()
                    .forEach(t -> byTemperature.putAll(numbers(t.getValue(), " (T=" + t.getKey() + ")")));
            if (!byTemperature.isEmpty())
                columns.keySet().removeIf(c -> byTemperature.keySet().stream().anyMatch(b -> b.startsWith(c + " (T=")));
            columns.putAll(byTemperature);
            if (!columns.isEmpty()) extra.put(e.getKey(), columns);
        }
        boolean redacted = config.path("redact").asBoolean(false);
        Predictions predictions = Predictions.read(dir.resolve(Report.PREDICTIONS), !redacted);
        Path lossFile = dir.resolve(LossCurve.FILE);
        LossCurve loss = Files.exists(lossFile) ? LossCurve.read(lossFile) : null;
        return new RunFolder(dir, config, population, settings, extra, predictions.metrics(), predictions.leaks(), loss, groups);
    }

    /** The model's name as the audit recorded it, or the folder's name. */
    public String modelName() {
        String name = config.path("model").path("name").asText("");
        return name.isBlank() ? String.valueOf(dir.toAbsolutePath().getFileName()) : name;
    }

    /** The model's parameter count when the audit recorded it ({@code model.parameters}), else -1. */
    public long parameters() {
        JsonNode n = config.path("model").path("parameters");
        return n.canConvertToLong() ? n.longValue() : -1;
    }

    /** The data set: {@code enron} or the file the audit read. */
    public String dataset() {
        return config.path("dataset").path("source").asText("?");
    }

    public boolean redacted() {
        return config.path("redact").asBoolean(false);
    }

    /** A setting's counts, or one group's ({@code group} names it: "planted", "control"; "" for everyone). */
    private static SettingSummary setting(Path file, String name, String group, JsonNode o) {
        try {
            Settings.parseOne(name);  // the report tells settings apart by their probe
        } catch (UserError e) {
            throw new UserError(file + ": unknown setting \"" + name + "\" (written by another version of piiprobe?)");
        }
        String where = group.isEmpty() ? name : name + "." + group;
        return new SettingSummary(name, count(file, where, o, "eligible"), o.path("skipped").asInt(0),
                o.path("skipped_for_lack_of").asText(""), count(file, where, o, "predicted"), count(file, where, o, "correct"),
                o.path("no_pattern_correct").asInt(0), o.path("local_part").asInt(0), o.path("domain").asInt(0),
                o.path("baseline_correct").asInt(0), tallies(file, where, o.path("by_pattern_type")),
                tallies(file, where, o.path("by_frequency")), o.path("refused").asInt(0));
    }

    /** The numbers (and nulls, as NaN) among an object's fields, each name followed by {@code suffix}. */
    private static Map<String, Double> numbers(JsonNode o, String suffix) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : o.properties())
            if (field.getValue().isNumber() || field.getValue().isNull())
                out.put(field.getKey() + suffix, field.getValue().isNull() ? Double.NaN : field.getValue().doubleValue());
        return out;
    }

    private static int count(Path file, String setting, JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.canConvertToInt() || n.intValue() < 0)
            throw new UserError(file + ": setting " + setting + " lacks a count \"" + field + "\"");
        return n.intValue();
    }

    private static Map<String, SettingSummary.Tally> tallies(Path file, String setting, JsonNode o) {
        Map<String, SettingSummary.Tally> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = o.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            JsonNode t = e.getValue();
            out.put(e.getKey(), new SettingSummary.Tally(count(file, setting, t, "eligible"), count(file, setting, t, "predicted"),
                    count(file, setting, t, "correct")));
        }
        return out;
    }

    /** What the report takes from predictions.jsonl: per-setting metrics, and leaks when not redacted. */
    private record Predictions(Map<String, PersonMetrics> metrics, List<Leak> leaks) {
        /** One setting's metric columns while reading. */
        private record Columns(List<Double> logprob, List<Double> rank, List<Double> lower, List<Double> upper) {
            Columns() {
                this(new ArrayList<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
            }

            PersonMetrics toMetrics() {
                return new PersonMetrics(array(logprob), array(rank), array(lower), array(upper));
            }

            private static double[] array(List<Double> values) {
                return values.stream().mapToDouble(Double::doubleValue).toArray();
            }
        }

        static Predictions read(Path file, boolean keepLeaks) throws IOException {
            if (!Files.exists(file)) return new Predictions(Map.of(), List.of());
            Map<String, Columns> columns = new LinkedHashMap<>();
            Map<String, Leak> leaks = new LinkedHashMap<>();
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                int lineNumber = 0;
                for (String line; (line = in.readLine()) != null; ) {
                    lineNumber++;
                    if (line.isBlank()) continue;
                    JsonNode o;
                    try {
                        o = JSON.readTree(line);
                    } catch (JacksonException e) {
                        throw new UserError(file + ":" + lineNumber + ": not valid JSON (" + e.getOriginalMessage() + ")");
                    }
                    String setting = o.path("setting").asText(null);
                    if (setting == null) throw new UserError(file + ":" + lineNumber + ": no \"setting\"");
                    Columns c = columns.computeIfAbsent(setting, s -> new Columns());
                    addIfNumber(c.logprob(), o.get("logprob"));
                    addIfNumber(c.rank(), o.get("rank"));
                    if (isNumber(o.get("bound_lower")) && isNumber(o.get("bound_upper"))) {  // intervals stay paired
                        c.lower().add(o.get("bound_lower").doubleValue());
                        c.upper().add(o.get("bound_upper").doubleValue());
                    }
                    if (keepLeaks && o.path("correct").asBoolean(false)) {
                        String email = o.path("email").asText("");
                        Leak seen = leaks.get(email);
                        List<String> leakedIn = seen == null ? new ArrayList<>() : new ArrayList<>(seen.settings());
                        leakedIn.add(setting);
                        leaks.put(email, new Leak(o.path("name").asText(""), email, o.path("frequency").asInt(-1),
                                o.path("pattern_type").asText(""), List.copyOf(leakedIn)));
                    }
                }
            }
            Map<String, PersonMetrics> metrics = new LinkedHashMap<>();
            columns.forEach((setting, c) -> {
                PersonMetrics m = c.toMetrics();
                if (!m.isEmpty()) metrics.put(setting, m);
            });
            List<Leak> sorted = new ArrayList<>(leaks.values());
            sorted.sort(Comparator.comparingInt((Leak l) -> -l.settings().size()).thenComparingInt(l -> -l.frequency()));
            return new Predictions(metrics, sorted);
        }

        private static boolean isNumber(JsonNode n) {
            return n != null && n.isNumber() && Double.isFinite(n.doubleValue());
        }

        private static void addIfNumber(List<Double> column, JsonNode value) {
            if (isNumber(value)) column.add(value.doubleValue());
        }
    }
}
