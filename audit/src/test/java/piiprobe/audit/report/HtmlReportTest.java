package piiprobe.audit.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.audit.Audit;
import piiprobe.audit.AuditRuns;
import piiprobe.audit.data.Datasets;
import piiprobe.audit.data.Person;
import piiprobe.engine.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HtmlReportTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path shared;
    /** Every person of the paper's Enron population, each given a context; audited in every setting. */
    static Path enron, enronRun;

    @TempDir
    Path dir;

    @BeforeAll
    static void auditAllOfEnron() throws IOException {
        enron = AuditRuns.enronSample(shared, 0);
        enronRun = AuditRuns.run(enron, shared.resolve("full-run"), "all", false, "gpt-neo-2.7B", 2_651_307_520L, 1.0);
    }

    // ---- redaction ----

    /**
     * Every name (targets and supports) as a run of lower-case words, and every address, of the data set.
     * Some of its one-word "names" are words any page may hold ("Training", "More", "S" as in people's):
     * {@code pageWords}, the words of the same page made for made-up people, are not searched for alone.
     */
    private record Secrets(Set<List<String>> names, Set<String> addresses, Set<String> pageWords) {
        static Secrets of(Path dataset, String pageOfMadeUpPeople) {
            Set<List<String>> names = new HashSet<>();
            Set<String> addresses = new HashSet<>();
            for (Person p : Datasets.load(dataset.toString()).people()) {
                names.add(words(p.name()));
                addresses.add(p.email().toLowerCase(Locale.ROOT));
                if (p.shots() != null)
                    for (var byK : List.of(p.shots().knownDomain(), p.shots().unknownDomain()))
                        byK.values().forEach(l -> l.forEach(s -> {
                            names.add(words(s.name()));
                            addresses.add(s.email().toLowerCase(Locale.ROOT));
                        }));
            }
            names.remove(List.<String>of());
            return new Secrets(names, addresses, new HashSet<>(words(pageOfMadeUpPeople)));
        }

        /** What of this data set the page shows: names as whole words (punctuation ignored), addresses anywhere. */
        List<String> foundIn(String page) {
            String text = page.toLowerCase(Locale.ROOT);
            List<String> found = new ArrayList<>();
            for (String a : addresses) if (text.contains(a)) found.add(a);
            List<String> words = new ArrayList<>();
            List<Integer> at = new ArrayList<>();
            Matcher m = WORD.matcher(text);
            while (m.find()) {
                words.add(m.group());
                at.add(m.start());
            }
            int longest = names.stream().mapToInt(List::size).max().orElse(0);
            for (int i = 0; i < words.size(); i++)
                for (int n = 1; n <= longest && i + n <= words.size(); n++) {
                    List<String> run = words.subList(i, i + n);
                    if (names.contains(run) && !(n == 1 && pageWords.contains(run.getFirst())))
                        found.add(String.join(" ", run) + " in \"" + text.substring(Math.max(0, at.get(i) - 60), Math.min(text.length(), at.get(i) + 40)) + "\"");
                }
            return found;
        }

        private static final Pattern WORD = Pattern.compile("[\\p{L}\\p{N}]+");

        static List<String> words(String text) {
            List<String> out = new ArrayList<>();
            Matcher m = WORD.matcher(text.toLowerCase(Locale.ROOT));
            while (m.find()) out.add(m.group());
            return out;
        }
    }

    @Test
    void aRedactedReportHoldsNoNameOrAddressOfTheDataSet() throws IOException {
        Path madeUp = AuditRuns.run(AuditRuns.invented(enron, dir.resolve("made-up.jsonl")), dir.resolve("made-up"), "all", false,
                "gpt-neo-2.7B", 2_651_307_520L, 1.0);
        Secrets secrets = Secrets.of(enron, HtmlReport.render(List.of(RunFolder.read(madeUp)), true));
        assertTrue(secrets.names().size() > 10_000, "names: " + secrets.names().size());
        RunFolder run = RunFolder.read(enronRun);

        // the check can fail: the plain report lists leaked people by name and address
        List<String> plain = secrets.foundIn(HtmlReport.render(List.of(run), false));
        assertTrue(plain.size() >= 2 * HtmlReport.LEAKS_LISTED, "the plain page should show leaks: " + plain);

        assertEquals(List.of(), secrets.foundIn(HtmlReport.render(List.of(run), true)));
        assertEquals(List.of(), secrets.foundIn(HtmlReport.render(List.of(run, RunFolder.read(enronRun)), true)));

        // a run audited with --redact writes a report that names no one, without being asked
        Path redacted = AuditRuns.run(enron, dir.resolve("redacted"), "zero-shot-a,one-shot,context-50", true, "m", -1, 1.0);
        assertEquals(List.of(), secrets.foundIn(Files.readString(redacted.resolve(HtmlReport.FILE))));
    }

    // ---- content ----

    @Test
    void onePageHoldsTheTableTheChartsTheReadingAndTheConfiguration() throws IOException {
        String page = HtmlReport.render(List.of(RunFolder.read(enronRun)), false);
        assertEquals(List.of("accuracy-by-setting", "accuracy-by-frequency", "accuracy-by-pattern"), chartIds(page));
        for (String setting : List.of("context-50", "context-100", "context-200", "zero-shot-a", "zero-shot-d", "five-shot-non-domain"))
            assertTrue(page.contains("\">" + setting + "</td>"), setting);
        assertTrue(page.contains("<h1>Does <span class=\"model\">gpt-neo-2.7B</span> leak"), "title");
        assertTrue(page.contains("2.7B parameters"), "size");
        assertTrue(page.contains("3,238 people audited"), "population");
        assertTrue(page.contains("Memorization: prompted with the text that preceded the address in training"), "reading");
        assertTrue(page.contains("<th>decoding.name</th><td><code>greedy</code>"), "configuration");
        // the paper's table: zero-shot-a's counts with the baseline beside them
        var zero = JSON.readTree(enronRun.resolve(Report.SUMMARY_JSON).toFile()).get("settings").get("zero-shot-a");
        assertTrue(page.contains(String.format(Locale.ROOT, "<td class=\"n acc\">%.2f%%</td>", 100 * zero.get("accuracy").doubleValue())), "accuracy");
        assertTrue(page.contains(String.format(Locale.ROOT, "<td class=\"n\">%.2f%%</td>", 100 * zero.get("baseline_accuracy").doubleValue())), "baseline");
        // self-contained: no script, nothing fetched, and a policy that forbids fetching
        assertSelfContained(page);
        // the same run gives the same page, byte for byte (re-scoring compares outputs)
        assertEquals(page, HtmlReport.render(List.of(RunFolder.read(enronRun)), false));
    }

    static void assertSelfContained(String page) {
        assertTrue(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""), "policy");
        for (String remote : List.of("<script", "<link", "<img", " src=", " href=", "url(http", "@import"))
            assertFalse(page.contains(remote), "the page refers to " + remote);
        for (String id : chartIds(page)) assertEquals(1, count(page, "id='" + id + "'"), id);
    }

    private static List<String> chartIds(String page) {
        List<String> ids = new ArrayList<>();
        Matcher m = Pattern.compile("data-chart=\"([^\"]+)\"").matcher(page);
        while (m.find()) ids.add(m.group(1));
        return ids;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) n++;
        return n;
    }

    @Test
    void metricsAndALossCurveAddTheirCharts() throws IOException {
        Path data = AuditRuns.enronSample(dir, 200);
        Path run = AuditRuns.run(data, dir.resolve("run"), "zero-shot-a,context-100", false, "lab", 120_000, 1.0);
        AuditRuns.addMetrics(run);
        AuditRuns.addLossCurve(run, 120);
        String page = HtmlReport.render(List.of(RunFolder.read(run)), false);
        assertEquals(List.of("accuracy-by-setting", "accuracy-by-frequency", "accuracy-by-pattern", "likelihood", "rank", "bounds", "loss"),
                chartIds(page));
        // summary.json's numbers beyond the paper's table get their own table
        assertTrue(page.contains("<caption>Beyond exact match</caption>"), "extra columns");
        assertTrue(page.contains("<th class=\"n\">top-1</th><th class=\"n\">mean exposure (bits)</th>"), "extra columns");
        assertSelfContained(page);
    }

    @Test
    void everyTemperaturesBoundsGetColumnsNamedWithIt() throws IOException {
        Path run = AuditRuns.run(AuditRuns.enronSample(dir, 20), dir.resolve("run"), "zero-shot-a", false, "lab", 120_000, 1.0);
        ObjectNode summary = (ObjectNode) JSON.readTree(run.resolve(Report.SUMMARY_JSON).toFile());
        // as MetricsSummary writes the bounds: the first temperature's means in the setting, every temperature's below
        ObjectNode setting = (ObjectNode) summary.get("settings").get("zero-shot-a");
        setting.put("mean_bound_lower", 0.125).put("mean_bound_upper", 0.5).put("mean_bounds_budget_used", 64);
        ObjectNode byT = setting.putObject("bounds_by_temperature");
        byT.putObject("1.0").put("mean_bound_lower", 0.125).put("mean_bound_upper", 0.5).put("mean_bounds_budget_used", 64)
                .putObject("mean_p_at_least_one_of").putArray("10").add(0.7).add(0.9);
        byT.putObject("0.7").put("mean_bound_lower", 0.25).put("mean_bound_upper", 0.375).put("mean_bounds_budget_used", 61.5);
        Files.writeString(run.resolve(Report.SUMMARY_JSON), summary.toString());
        RunFolder folder = RunFolder.read(run);
        assertEquals(List.of("mean_bound_lower (T=1.0)", "mean_bound_upper (T=1.0)", "mean_bounds_budget_used (T=1.0)",
                "mean_bound_lower (T=0.7)", "mean_bound_upper (T=0.7)", "mean_bounds_budget_used (T=0.7)"),
                List.copyOf(folder.extraColumns().get("zero-shot-a").keySet()));
        String page = HtmlReport.render(List.of(folder), false);
        assertTrue(page.contains("<th class=\"n\">mean lower bound (T=0.7)</th><th class=\"n\">mean upper bound (T=0.7)</th>"
                + "<th class=\"n\">budget used (T=0.7)</th>"), "headers");
        assertTrue(page.contains("<td class=\"n\">0.2500</td><td class=\"n\">0.3750</td><td class=\"n\">61.5</td>"), "values");
    }

    @Test
    void refusalsGetAColumnWhenAnyRunRefusedAndAReading() throws IOException {
        Path data = AuditRuns.enronSample(dir, 150);
        Path plain = AuditRuns.run(data, dir.resolve("plain"), "zero-shot-a,context-50", false, "base", -1, 1.0);
        String page = HtmlReport.render(List.of(RunFolder.read(plain)), false);
        assertFalse(page.contains("<th class=\"n\">refused</th>"), "no refusals, no column");
        assertFalse(page.contains("Beyond exact match"), "the refusal counts are not metrics beyond exact match");

        Path chat = AuditRuns.run(data, dir.resolve("chat"), "zero-shot-a,context-50", false, "chat", -1, 1.0, 0.3);
        var zeroShot = RunFolder.read(chat).settings().getFirst();
        assertTrue(zeroShot.refused() > 20 && zeroShot.refused() < 70, "about 30% of 150 refused: " + zeroShot.refused());
        page = HtmlReport.render(List.of(RunFolder.read(chat)), false);
        assertTrue(page.contains("<th class=\"n\">refused</th>"), "column");
        assertTrue(page.contains("<td class=\"n\">" + zeroShot.refused() + " (" + Proportion.percent(zeroShot.refusalRate()) + ")</td>"),
                "count and share");
        assertTrue(page.contains("<td class=\"n\">0 (0.00%)</td>"), "context-50: the model completes text, it refuses nothing");
        assertTrue(page.contains(HtmlReport.esc("The model refused to answer " + zeroShot.refused() + " of 150 people")), "reading");
        assertFalse(page.contains("Beyond exact match"));
        // one shape of table for every run of a page
        page = HtmlReport.render(List.of(RunFolder.read(plain), RunFolder.read(chat)), false);
        assertEquals(2, count(page, "<th class=\"n\">refused</th>"));
    }

    @Test
    void controlsAreDrawnApartFromThePlantedPeople() throws IOException {
        Path data = AuditRuns.withControls(AuditRuns.enronSample(dir, 500), 5, dir.resolve("with-controls.jsonl"));
        Path run = AuditRuns.run(data, dir.resolve("run"), "context-100,zero-shot-a", false, "lab", 120_000, 1.0);
        RunFolder folder = RunFolder.read(run);
        var settings = JSON.readTree(run.resolve(Report.SUMMARY_JSON).toFile()).get("settings");
        assertEquals(List.of("context-100", "zero-shot-a"), List.copyOf(folder.groups().keySet()));
        folder.groups().forEach((setting, g) -> {
            for (var group : List.of(java.util.Map.entry("planted", g.planted()), java.util.Map.entry("control", g.control()))) {
                var counts = settings.get(setting).get(group.getKey());
                assertEquals(counts.get("eligible").intValue(), group.getValue().eligible(), setting + "." + group.getKey());
                assertEquals(counts.get("correct").intValue(), group.getValue().correct(), setting + "." + group.getKey());
                assertEquals(counts.get("baseline_correct").intValue(), group.getValue().baselineCorrect(), setting + "." + group.getKey());
            }
        });
        assertEquals(100, folder.groups().get("context-100").control().eligible());
        assertEquals(0, folder.groups().get("context-100").control().correct());  // the scripted model only guesses at controls

        String page = HtmlReport.render(List.of(folder), false);
        assertTrue(chartIds(page).contains("planted-and-controls"), chartIds(page).toString());
        assertTrue(page.contains("<table class=\"groups\">"), "table");
        var planted = folder.groups().get("context-100").planted();
        assertTrue(page.contains(HtmlReport.esc("Planted people leak, controls do not: in context-100, " + planted.correct() + " of "
                + planted.eligible() + " people")), "reading");
        assertTrue(page.contains("On the controls the model does no better than a guess from the name in any setting"), "reading");
        assertSelfContained(page);
        assertFalse(HtmlReport.render(List.of(RunFolder.read(enronRun)), false).contains("planted-and-controls"), "a run without controls");

        ObjectNode summary = (ObjectNode) JSON.readTree(run.resolve(Report.SUMMARY_JSON).toFile());
        ((ObjectNode) summary.get("settings").get("zero-shot-a")).remove("control");
        Files.writeString(run.resolve(Report.SUMMARY_JSON), summary.toString());
        UserError e = assertThrows(UserError.class, () -> RunFolder.read(run));
        assertEquals(run.resolve(Report.SUMMARY_JSON) + ": setting zero-shot-a has \"planted\" counts without \"control\"", e.getMessage());
        ((ObjectNode) summary.get("settings").get("zero-shot-a").get("planted")).remove("eligible");
        ((ObjectNode) summary.get("settings").get("zero-shot-a")).set("control", summary.get("settings").get("context-100").get("control"));
        Files.writeString(run.resolve(Report.SUMMARY_JSON), summary.toString());
        e = assertThrows(UserError.class, () -> RunFolder.read(run));
        assertEquals(run.resolve(Report.SUMMARY_JSON) + ": setting zero-shot-a.planted lacks a count \"eligible\"", e.getMessage());
    }

    @Test
    void severalRunsAreComparedBySizeWhenEachKnowsIt() throws IOException {
        Path data = AuditRuns.enronSample(dir, 150);
        Path small = AuditRuns.run(data, dir.resolve("s"), "zero-shot-a,context-50", false, "small", 125_000_000, 0.3);
        Path big = AuditRuns.run(data, dir.resolve("b"), "zero-shot-a,context-50", false, "big", 2_700_000_000L, 1.0);
        String page = HtmlReport.render(List.of(RunFolder.read(small), RunFolder.read(big)), false);
        assertTrue(page.contains("<strong>Accuracy against model size</strong>"), "by size");
        assertTrue(page.contains("Memorization, best setting of each run: small "), "reading across runs");
        assertTrue(chartIds(page).containsAll(List.of("across-runs", "settings-across-runs", "run1-accuracy-by-setting", "run2-accuracy-by-setting")));
        assertSelfContained(page);

        // checkpoints of one model (same name, no size): in the order given, told apart by folder
        Path a = AuditRuns.run(data, dir.resolve("step-100"), "zero-shot-a", false, "tiny", -1, 0.3);
        Path b = AuditRuns.run(data, dir.resolve("step-200"), "zero-shot-a", false, "tiny", -1, 0.9);
        page = HtmlReport.render(List.of(RunFolder.read(a), RunFolder.read(b)), false);
        assertTrue(page.contains("<strong>Accuracy across runs</strong>"), "in order");
        assertTrue(page.contains("Run 1: tiny (step-100)") && page.contains("Run 2: tiny (step-200)"), "labels");
    }

    @Test
    void missingDataIsSaidNotDrawn() throws IOException {
        // three people, no frequencies, and a model that names no address
        Path data = dir.resolve("three.jsonl");
        Files.writeString(data, """
                {"name": "Ann Lee", "email": "ann.lee@example.com"}
                {"name": "Bo Chan", "email": "bchan@example.com"}
                {"name": "Cy Dee", "email": "cy@example.org"}
                """);
        Path run = AuditRuns.run(data, dir.resolve("run"), "zero-shot-a", false, "mute", -1, 0);
        Files.writeString(run.resolve(LossCurve.FILE), "step,loss\n");  // a training that logged nothing yet
        String page = HtmlReport.render(List.of(RunFolder.read(run)), false);
        assertEquals(List.of("accuracy-by-setting"), chartIds(page));
        assertTrue(page.contains(HtmlReport.esc("The model produced no one's exact address in the one setting run (zero-shot-a).")), "reading");
        assertTrue(page.contains("accuracy by frequency and by pattern type is zero throughout"), "note");
        assertTrue(page.contains("Only 3 people were asked in this setting"), "few people");
        assertTrue(page.contains("No setting produced anyone's exact address."), "no leaks");
        assertSelfContained(page);

        Path again = AuditRuns.run(data, dir.resolve("again"), "zero-shot-a", false, "mute", -1, 0);
        page = HtmlReport.render(List.of(RunFolder.read(run), RunFolder.read(again)), false);
        assertEquals(List.of("run1-accuracy-by-setting", "run2-accuracy-by-setting"), chartIds(page));
        assertTrue(page.contains("No run produced anyone's exact address: there is nothing to compare."), "comparison");
    }

    // ---- errors ----

    @Test
    void aFolderThatIsNoFinishedRunIsRefusedWithOneLine() throws IOException {
        UserError e = assertThrows(UserError.class, () -> RunFolder.read(dir.resolve("nowhere")));
        assertEquals("run folder " + dir.resolve("nowhere") + " does not exist", e.getMessage());
        e = assertThrows(UserError.class, () -> RunFolder.read(dir));
        assertEquals(dir + " holds no config.json: not a piiprobe run folder", e.getMessage());

        Path run = Files.createDirectory(dir.resolve("run"));
        Files.copy(enronRun.resolve(Audit.CONFIG), run.resolve(Audit.CONFIG));
        e = assertThrows(UserError.class, () -> RunFolder.read(run));
        assertTrue(e.getMessage().endsWith("holds no summary.json: the run is unfinished; run the same audit command again to finish it"),
                e.getMessage());

        Files.writeString(run.resolve(Report.SUMMARY_JSON), "{\"settings\": {\"zero-shot-a\": {\"eligible\": 3");
        e = assertThrows(UserError.class, () -> RunFolder.read(run));
        assertTrue(e.getMessage().startsWith(run.resolve(Report.SUMMARY_JSON) + ": malformed JSON: Unexpected end-of-input"), e.getMessage());

        ObjectNode summary = (ObjectNode) JSON.readTree(enronRun.resolve(Report.SUMMARY_JSON).toFile());
        ((ObjectNode) summary.get("settings").get("zero-shot-b")).remove("correct");
        Files.writeString(run.resolve(Report.SUMMARY_JSON), summary.toString());
        e = assertThrows(UserError.class, () -> RunFolder.read(run));
        assertEquals(run.resolve(Report.SUMMARY_JSON) + ": setting zero-shot-b lacks a count \"correct\"", e.getMessage());

        ((ObjectNode) summary.get("settings")).putObject("ten-shot").put("eligible", 1).put("predicted", 0).put("correct", 0);
        ((ObjectNode) summary.get("settings")).remove("zero-shot-b");
        Files.writeString(run.resolve(Report.SUMMARY_JSON), summary.toString());
        e = assertThrows(UserError.class, () -> RunFolder.read(run));
        assertTrue(e.getMessage().startsWith(run.resolve(Report.SUMMARY_JSON) + ": unknown setting \"ten-shot\""), e.getMessage());

        ((ObjectNode) summary.get("settings")).remove("ten-shot");
        Files.writeString(run.resolve(Report.SUMMARY_JSON), summary.toString());
        Files.writeString(run.resolve(Report.PREDICTIONS), "{\"setting\": \"zero-shot-a\", \"correct\": false}\n{\"setting\": \n");
        e = assertThrows(UserError.class, () -> RunFolder.read(run));
        assertTrue(e.getMessage().startsWith(run.resolve(Report.PREDICTIONS) + ":2: not valid JSON ("), e.getMessage());

        Files.delete(run.resolve(Report.PREDICTIONS));  // a report needs no predictions: the counts are in summary.json
        assertEquals(summary.get("settings").size(), RunFolder.read(run).settings().size());
    }
}
