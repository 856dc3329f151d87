package piiprobe.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.audit.SettingSummary;
import piiprobe.lab.corpus.LabDataset;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The audit's results split by what only the lab knows: planted people against controls (who were
 * never trained on, so whatever the model gets right for them it guessed, and the guessing baseline
 * is the bar), and planted people by how many times their address occurs in the training corpus.
 * Computed from the audit's predictions.jsonl (its {@code baseline_correct} per row included) and
 * the lab's data set (its {@code control} field), because the audit does not know controls.
 */
public record LabBreakdown(Map<String, Setting> settings) {
    /** Upper bounds of the frequency buckets (occurrences in the corpus); the last is open. */
    public static final int[] BUCKET_TOPS = {1, 3, 7, 15, Integer.MAX_VALUE};
    public static final List<String> BUCKETS = List.of("1", "2-3", "4-7", "8-15", "16+");

    /** People asked, correct predictions, and people the guessing baseline gets right. */
    public record Tally(int eligible, int correct, int baselineCorrect) {
        public double accuracy() {
            return eligible == 0 ? Double.NaN : (double) correct / eligible;
        }

        public double baselineAccuracy() {
            return eligible == 0 ? Double.NaN : (double) baselineCorrect / eligible;
        }
    }

    /** One setting: planted people, controls, and planted people by frequency bucket (in {@link #BUCKETS} order). */
    public record Setting(Tally planted, Tally controls, List<Tally> byFrequency) {}

    public static String bucket(int frequency) {
        for (int b = 0; b < BUCKET_TOPS.length; b++) if (frequency <= BUCKET_TOPS[b]) return BUCKETS.get(b);
        throw new IllegalArgumentException("frequency " + frequency);
    }

    /** Reads the audit's predictions and sorts them by the data set's control flag and frequency. */
    public static LabBreakdown of(Path predictions, LabDataset dataset, List<String> settings) throws IOException {
        Map<String, Boolean> control = new HashMap<>();
        for (piiprobe.audit.data.Person p : dataset.people()) control.put(p.email().toLowerCase(Locale.ROOT), p.control());
        // per setting, rows: planted, controls, then the buckets; columns: eligible, correct, baseline correct
        Map<String, int[][]> counts = new LinkedHashMap<>();
        for (String s : settings) counts.put(s, new int[2 + BUCKETS.size()][3]);
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader in = Files.newBufferedReader(predictions, StandardCharsets.UTF_8)) {
            for (String line; (line = in.readLine()) != null; ) {
                if (line.isBlank()) continue;
                JsonNode row = json.readTree(line);
                int[][] c = counts.get(row.get("setting").asText());
                Boolean isControl = control.get(row.get("email").asText().toLowerCase(Locale.ROOT));
                if (c == null || isControl == null)
                    throw new IllegalStateException(predictions + " has a row the lab did not plan: " + row.get("setting") + " " + row.get("email"));
                int[] hit = {1, row.get("correct").asBoolean() ? 1 : 0, row.get("baseline_correct").asBoolean() ? 1 : 0};
                for (int[] target : isControl ? List.of(c[1]) : List.of(c[0], c[2 + BUCKETS.indexOf(bucket(row.get("frequency").asInt()))]))
                    for (int i = 0; i < 3; i++) target[i] += hit[i];
            }
        }
        Map<String, Setting> out = new LinkedHashMap<>();
        counts.forEach((s, c) -> {
            List<Tally> t = java.util.Arrays.stream(c).map(x -> new Tally(x[0], x[1], x[2])).toList();
            out.put(s, new Setting(t.get(0), t.get(1), t.subList(2, t.size())));
        });
        return new LabBreakdown(out);
    }

    public ObjectNode toJson() {
        ObjectNode root = new ObjectMapper().createObjectNode();
        settings.forEach((name, s) -> {
            ObjectNode o = root.putObject(name);
            tally(o.putObject("planted"), s.planted);
            tally(o.putObject("controls"), s.controls);
            ObjectNode f = o.putObject("planted_by_frequency");
            for (int b = 0; b < BUCKETS.size(); b++) tally(f.putObject(BUCKETS.get(b)), s.byFrequency.get(b));
        });
        return root;
    }

    private static void tally(ObjectNode o, Tally t) {
        o.put("eligible", t.eligible).put("correct", t.correct).put("baseline_correct", t.baselineCorrect);
    }

    /** The tables the lab prints: the audit's summary with the lab's split beside it, then accuracy by frequency. */
    static String tables(List<SettingSummary> summaries, LabBreakdown b, JsonNode lab) {
        StringBuilder md = new StringBuilder();
        JsonNode c = lab.get("corpus"), t = lab.get("training");
        md.append(String.format(Locale.ROOT, "# piiprobe lab: preset %s%n%n", lab.get("preset").get("name").asText()));
        md.append(String.format(Locale.ROOT, "Corpus: %,d documents, %,d tokens; %,d people planted (%,d addresses), %,d controls never trained on.%n",
                c.get("documents").asInt(), c.get("tokens").asInt(), c.get("planted").asInt(), c.get("occurrences").asInt(), c.get("controls").asInt()));
        md.append(String.format(Locale.ROOT, "Model: GPT-2, %,d parameters, trained on %,d tokens in %.0f s (%,.0f tokens/s, %.1f GFLOP/s); final loss %.3f, held-out loss %.3f.%n",
                t.get("parameters").asLong(), t.get("tokens").asLong(), t.get("seconds").asDouble(), t.get("tokens_per_second").asDouble(),
                t.get("gflops_per_second").asDouble(), t.get("final_loss").asDouble(), t.get("final_validation_loss").asDouble()));
        md.append("Audit: greedy decoding, 100 new tokens. Baseline: a guesser that knows no model.\n\n");
        md.append("| setting | # eligible | # predicted | # correct | accuracy | baseline | planted | controls | controls' baseline |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (SettingSummary s : summaries) {
            Setting l = b.settings.get(s.setting());
            md.append(String.format(Locale.ROOT, "| %s | %d | %d | %d | %s | %s | %s | %s | %s |%n", s.setting(), s.eligible(), s.predicted(),
                    s.correct(), percent(s.accuracy()), percent(s.baselineAccuracy()), ratio(l.planted), ratio(l.controls),
                    percent(l.controls.baselineAccuracy())));
        }
        md.append("\nPlanted people's accuracy by occurrences of their address in the training corpus (correct / eligible):\n\n");
        md.append("| setting | ").append(String.join(" | ", BUCKETS)).append(" |\n|---|").append("---:|".repeat(BUCKETS.size())).append('\n');
        for (SettingSummary s : summaries) {
            md.append("| ").append(s.setting()).append(" |");
            for (Tally x : b.settings.get(s.setting()).byFrequency()) md.append(' ').append(ratio(x)).append(" |");
            md.append('\n');
        }
        return md.toString();
    }

    private static String ratio(Tally t) {
        return t.eligible == 0 ? "" : String.format(Locale.ROOT, "%d/%d (%s)", t.correct, t.eligible, percent(t.accuracy()));
    }

    private static String percent(double rate) {
        return Double.isNaN(rate) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * rate);
    }
}
