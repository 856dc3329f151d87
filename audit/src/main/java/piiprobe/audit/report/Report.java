package piiprobe.audit.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;
import piiprobe.audit.Audit;
import piiprobe.audit.AuditConfig;
import piiprobe.audit.Outcome;
import piiprobe.audit.PatternType;
import piiprobe.audit.Redactor;
import piiprobe.audit.SettingSummary;
import piiprobe.audit.data.Dataset;
import piiprobe.audit.data.Population;
import piiprobe.audit.metrics.MetricsSummary;
import piiprobe.audit.probe.FewShotProbe;

import piiprobe.engine.util.OwnerOnlyFiles;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Writes a run's outputs: {@code predictions.jsonl} (one line per person per setting),
 * {@code rows-SETTING.csv} (the paper's columns; Support lists a k-shot setting's supports as {@code name <email>; ...}), {@code summary.json},
 * {@code summary.md} and the {@link HtmlReport HTML report}. All are
 * owner-only and written atomically; with redaction on, names and addresses are masked everywhere.
 */
public final class Report {
    public static final String PREDICTIONS = "predictions.jsonl";
    public static final String SUMMARY_JSON = "summary.json";
    public static final String SUMMARY_MD = "summary.md";
    private static final ObjectMapper JSON = new ObjectMapper();

    private Report() {}

    public static String rowsFile(String setting) {
        return "rows-" + setting + ".csv";
    }

    public static List<SettingSummary> write(Path dir, List<Audit.SettingResult> results, AuditConfig config,
                                             Dataset dataset) throws IOException {
        Redactor redactor = Redactor.of(dataset, config.redact());
        StringBuilder predictions = new StringBuilder();
        List<SettingSummary> summaries = new ArrayList<>();
        for (Audit.SettingResult r : results) {
            for (Outcome o : r.outcomes()) {
                ObjectNode line = predictionLine(o, redactor, dataset.hasControls());
                if (o.metrics() != null) o.metrics().writePredictionFields(line, config.metrics());
                predictions.append(JSON.writeValueAsString(line)).append('\n');
            }
            OwnerOnlyFiles.write(dir.resolve(rowsFile(r.probe().setting())), rows(r, redactor));
            summaries.add(r.summary());
        }
        OwnerOnlyFiles.write(dir.resolve(PREDICTIONS), predictions.toString());
        Population population = results.isEmpty() ? null : results.getFirst().population();
        OwnerOnlyFiles.write(dir.resolve(SUMMARY_JSON),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(summaryJson(results, population, config, dataset)) + "\n");
        OwnerOnlyFiles.write(dir.resolve(SUMMARY_MD), markdown(results, population, config, dataset));
        // drawn from the files just written, as `piiprobe report` draws it
        HtmlReport.write(List.of(RunFolder.read(dir)), dir.resolve(HtmlReport.FILE), config.redact());
        return summaries;
    }

    private static ObjectNode predictionLine(Outcome o, Redactor redactor, boolean controls) {
        ObjectNode line = JSON.createObjectNode();
        line.put("setting", o.setting());
        line.put("name", redactor.name(o.person().name()));
        line.put("email", redactor.email(o.person().email()));
        line.put("prompt", redactor.text(o.prompt()));
        line.put("continuation", redactor.text(o.continuation()));
        line.put("prediction", redactor.email(o.prediction().email()));
        line.put("correct", o.prediction().correct());
        line.put("local_part", o.prediction().localPart());
        line.put("domain", o.prediction().domain());
        line.put("refused", o.prediction().refused());
        line.put("pattern_type", o.patternType().label());
        if (o.person().frequency() >= 0) line.put("frequency", o.person().frequency());
        else line.putNull("frequency");
        line.put("baseline", redactor.email(o.baselineGuess()));
        line.put("baseline_correct", o.baselineCorrect());
        if (controls) line.put("control", o.person().control());
        return line;
    }

    /** The paper's CSV: people with a prediction only, the correct ones first, each group in data set order. */
    private static String rows(Audit.SettingResult r, Redactor redactor) throws IOException {
        FewShotProbe fewShot = r.probe() instanceof FewShotProbe f ? f : null;
        List<String> header = new ArrayList<>(List.of("Name", "Email", "Prediction", "Label", "Pattern_type", "Frequency"));
        if (fewShot != null) header.add("Support");
        StringWriter out = new StringWriter();
        try (CSVPrinter csv = new CSVPrinter(out, CSVFormat.RFC4180.builder().setHeader(header.toArray(String[]::new)).get())) {
            List<Outcome> predicted = r.outcomes().stream().filter(o -> o.prediction().predicted())
                    .sorted(Comparator.comparing((Outcome o) -> !o.prediction().correct())).toList();
            for (Outcome o : predicted) {
                List<Object> row = new ArrayList<>(List.of(redactor.name(o.person().name()), redactor.email(o.person().email()),
                        redactor.email(o.prediction().email()), o.prediction().correct() ? 1 : 0, o.patternType().label(),
                        o.person().frequency() >= 0 ? o.person().frequency() : ""));
                if (fewShot != null) row.add(redactor.text(fewShot.supports(o.person()).stream()
                        .map(s -> s.name() + " <" + s.email() + ">").collect(Collectors.joining("; "))));
                csv.printRecord(row);
            }
        }
        return out.toString();
    }

    private static ObjectNode summaryJson(List<Audit.SettingResult> results, Population population, AuditConfig config,
                                          Dataset dataset) {
        ObjectNode root = JSON.createObjectNode();
        root.put("model", config.model());
        root.put("dataset", config.dataset());
        root.put("decoding", config.decoding());
        root.put("frequency_buckets", SettingSummary.FREQUENCY_BUCKETS);
        if (population != null) {
            ObjectNode p = root.putObject("population").put("people", population.people())
                    .put("audited", population.members().size()).put("long_names", population.longNames())
                    .put("without_supports", population.withoutSupports()).put("beyond_limit", population.beyondLimit());
            if (dataset.hasControls())
                p.put("controls", population.members().stream().filter(m -> m.person().control()).count());
        }
        ObjectNode settings = root.putObject("settings");
        for (Audit.SettingResult r : results) {
            SettingSummary s = r.summary();
            ObjectNode o = settings.putObject(s.setting());
            counts(o, s);
            MetricsSummary metrics = MetricsSummary.of(r);
            if (metrics != null) metrics.writeTo(o, config.metrics());
            tallies(o.putObject("by_pattern_type"), s.byPatternType());
            tallies(o.putObject("by_frequency"), s.byFrequency());
            if (dataset.hasControls()) {
                counts(o.putObject("planted"), r.summaryOf(false));
                counts(o.putObject("control"), r.summaryOf(true));
            }
        }
        return root;
    }

    /** A setting's counts and rates, the guessing baseline's beside them. */
    private static void counts(ObjectNode o, SettingSummary s) {
        o.put("eligible", s.eligible()).put("skipped", s.skipped());
        if (s.skipped() > 0) o.put("skipped_for_lack_of", s.skippedFor());
        o.put("predicted", s.predicted()).put("correct", s.correct());
        putRate(o, "accuracy", s.accuracy());
        o.put("no_pattern_correct", s.noPatternCorrect()).put("local_part", s.localPart()).put("domain", s.domain())
                .put("refused", s.refused());
        putRate(o, "refusal_rate", s.refusalRate());
        o.put("baseline_correct", s.baselineCorrect());
        putRate(o, "baseline_accuracy", s.baselineAccuracy());
    }

    private static void putRate(ObjectNode o, String field, double rate) {
        if (Double.isNaN(rate)) o.putNull(field);
        else o.put(field, rate);
    }

    private static void tallies(ObjectNode target, Map<String, SettingSummary.Tally> tallies) {
        tallies.forEach((k, t) -> target.putObject(k).put("eligible", t.eligible()).put("predicted", t.predicted())
                .put("correct", t.correct()));
    }

    private static String markdown(List<Audit.SettingResult> results, Population population, AuditConfig config,
                                   Dataset dataset) {
        List<SettingSummary> summaries = results.stream().map(Audit.SettingResult::summary).toList();
        StringBuilder md = new StringBuilder();
        md.append("# piiprobe audit: ").append(config.model()).append(" on ").append(config.dataset()).append("\n\n");
        md.append("Decoding: ").append(config.decoding()).append(", ").append(config.maxNewTokens()).append(" new tokens");
        if (config.decoding().equals("sample")) md.append(", seed ").append(config.seed());
        md.append(". ");
        if (population != null) {
            md.append(String.format(Locale.ROOT, "People: %,d of %,d", population.members().size(), population.people()));
            List<String> left = new ArrayList<>();
            if (population.longNames() > 0) left.add(String.format(Locale.ROOT, "%,d", population.longNames()) + " with names of more than " + Population.MAX_NAME_WORDS + " words");
            if (population.withoutSupports() > 0) left.add(String.format(Locale.ROOT, "%,d", population.withoutSupports()) + " without k-shot supports");
            if (population.beyondLimit() > 0) left.add(String.format(Locale.ROOT, "%,d", population.beyondLimit()) + " beyond --limit");
            if (!left.isEmpty()) md.append(" (left out: ").append(String.join(", ", left)).append(")");
            md.append(".");
        }
        if (!dataset.duplicates().isEmpty()) md.append(" The data set has ").append(dataset.duplicates().size()).append(" duplicates.");
        md.append("\n\n| setting | # eligible | # predicted | # correct | # no pattern | accuracy | local part | domain | refused | baseline accuracy |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (SettingSummary s : summaries)
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %d | %s | %d | %d | %d | %s |%n", s.setting(), s.eligible(),
                    s.predicted(), s.correct(), s.noPatternCorrect(), percent(s.accuracy()), s.localPart(), s.domain(),
                    s.refused(), percent(s.baselineAccuracy())));
        md.append(MetricsSummary.markdown(results, config.metrics()));
        List<String> skips = summaries.stream().filter(s -> s.skipped() > 0)
                .map(s -> "- " + s.setting() + ": " + s.skipped() + " people skipped for lack of " + s.skippedFor()).toList();
        if (!skips.isEmpty()) md.append('\n').append(String.join("\n", skips)).append('\n');
        md.append("\nRefused: continuations with no address that hold one of DecodingTrust's refusal phrases (\"I'm sorry\", \"No.\", ...).\n");
        if (dataset.hasControls()) {
            md.append("\nPlanted people (in the training data) and controls (held out of it), each beside the guessing baseline:\n\n");
            md.append("| setting | planted eligible | planted correct | planted accuracy | planted baseline | "
                    + "control eligible | control correct | control accuracy | control baseline |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Audit.SettingResult r : results) {
                SettingSummary planted = r.summaryOf(false), control = r.summaryOf(true);
                md.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %s | %d | %d | %s | %s |%n", r.probe().setting(),
                        planted.eligible(), planted.correct(), percent(planted.accuracy()), percent(planted.baselineAccuracy()),
                        control.eligible(), control.correct(), percent(control.accuracy()), percent(control.baselineAccuracy())));
            }
        }
        md.append("\nCorrect / eligible by occurrences of the address in the training data (buckets by powers of two; 0: never):\n\n");
        breakdown(md, summaries, SettingSummary.frequencyBuckets(summaries), SettingSummary::byFrequency);
        md.append("\nCorrect / eligible by pattern type of the address:\n\n");
        List<String> types = Arrays.stream(PatternType.values()).map(PatternType::label).toList();
        breakdown(md, summaries, types, SettingSummary::byPatternType);
        return md.toString();
    }

    private static void breakdown(StringBuilder md, List<SettingSummary> summaries, List<String> keys,
                                  Function<SettingSummary, Map<String, SettingSummary.Tally>> of) {
        List<String> present = keys.stream().filter(k -> summaries.stream().anyMatch(s -> of.apply(s).containsKey(k))).toList();
        md.append("| setting | ").append(String.join(" | ", present)).append(" |\n|---|");
        md.append("---:|".repeat(present.size())).append('\n');
        for (SettingSummary s : summaries) {
            md.append("| ").append(s.setting()).append(" |");
            for (String k : present) {
                SettingSummary.Tally t = of.apply(s).get(k);
                md.append(' ').append(t == null ? "" : t.correct() + "/" + t.eligible()).append(" |");
            }
            md.append('\n');
        }
    }

    private static String percent(double rate) {
        return Double.isNaN(rate) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * rate);
    }
}
