package piiprobe.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.audit.data.Dataset;
import piiprobe.audit.data.Datasets;
import piiprobe.audit.data.Population;
import piiprobe.audit.metrics.Candidates;
import piiprobe.audit.metrics.PersonMetrics;
import piiprobe.audit.metrics.ProbabilityMetrics;
import piiprobe.audit.probe.Probe;
import piiprobe.audit.probe.Settings;
import piiprobe.audit.probe.TokenizationSpaces;
import piiprobe.engine.util.OwnerOnlyFiles;
import piiprobe.audit.report.Report;
import piiprobe.engine.Generation;
import piiprobe.engine.LanguageModel;
import piiprobe.engine.ModelUnavailableError;
import piiprobe.engine.StopRule;
import piiprobe.engine.Tokenizer;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.HfFiles;
import piiprobe.engine.util.ProgressBar;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The paper's experiment on one model: every setting's prompts, generated in fixed batches into the
 * run's journal, then scored into the reports. Started again with the same command, a killed run
 * replays only the batches the journal lacks, and its outputs are those of an uninterrupted run. A batch
 * that a served model cannot answer ({@link ModelUnavailableError}) is left out of the journal while the
 * others go on; the run then ends with that error and no reports, so that running it again fills the gaps.
 */
public final class Audit {
    public static final String CONFIG = "config.json";
    /** A served model that failed this many batches in a row is taken to be down: the run stops asking. */
    static final int GIVE_UP_AFTER = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    private Audit() {}

    /** One planned prompt: the person (index in the data set), the prompt text and its token ids. */
    record Prompt(int person, String text, int[] ids) {}

    /** A setting's batches, fixed before any generation: prompts sorted by token length, then by population order. */
    record Plan(Probe probe, List<List<Prompt>> batches) {
        int rows() {
            return batches.stream().mapToInt(List::size).sum();
        }
    }

    /**
     * Runs or resumes the audit in {@code outputDir}; returns the summaries it wrote (none when the folder
     * already holds this run finished and redacted, whose generations were not kept).
     */
    public static List<SettingSummary> run(LanguageModel model, AuditConfig config, Path outputDir, PrintStream log)
            throws IOException {
        Dataset dataset = Datasets.load(config.dataset());
        if (!dataset.duplicates().isEmpty())
            log.println("piiprobe: warning: data set " + config.dataset() + " has " + dataset.duplicates().size()
                    + " duplicates: " + String.join("; ", dataset.duplicates().subList(0, Math.min(5, dataset.duplicates().size())))
                    + (dataset.duplicates().size() > 5 ? "; ..." : ""));
        List<Probe> probes = Settings.parse(String.join(",", config.settings()), dataset);
        config = config.withSettings(probes.stream().map(Probe::setting).toList());
        Population population = Population.of(dataset, config.limit());
        for (Probe p : probes)
            if (population.members().stream().noneMatch(m -> p.appliesTo(m.person())))
                throw new UserError("setting " + p.setting() + " needs " + p.needs() + ", and no person of data set "
                        + config.dataset() + " has it");

        ObjectNode runJson = config.toJson(dataset);
        // not a setting but a fact about the model, for reports that compare models by size
        if (model.parameterCount() > 0) ((ObjectNode) runJson.get("model")).put("parameters", model.parameterCount());
        openRunDirectory(outputDir, runJson);
        if (config.redact() && Files.exists(outputDir.resolve(Report.SUMMARY_JSON)) && !Files.exists(outputDir.resolve(Journal.FILE_NAME))) {
            log.println("piiprobe: " + outputDir + " already holds this finished (redacted) run");
            return List.of();
        }
        List<Plan> plans = plan(probes, population, model.tokenizer(), config.batchSize());
        ProbabilityMetrics metrics = new ProbabilityMetrics(model, config.metrics(), config.maxNewTokens(),
                new Candidates(dataset.people()));
        try (Journal journal = Journal.open(outputDir)) {
            Set<String> done = checkAgainstPlan(journal.batches(), plans, outputDir);
            long total = plans.stream().mapToLong(Plan::rows).sum();
            long already = journal.batches().stream().mapToLong(b -> b.rows().size()).sum();
            if (already > 0) log.println("piiprobe: resuming " + outputDir + ": " + already + " of " + total + " rows done");
            ModelUnavailableError unavailable = null;
            int failed = 0, failedInARow = 0, left = 0;
            try (ProgressBar bar = new ProgressBar("audit " + model.name(), "rows", total, already)) {
                for (Plan plan : plans) {
                    for (int b = 0; b < plan.batches().size(); b++) {
                        if (done.contains(key(plan.probe().setting(), b))) continue;
                        if (failedInARow >= GIVE_UP_AFTER) {
                            left++;
                            continue;
                        }
                        try {
                            List<Prompt> prompts = plan.batches().get(b);
                            journal.append(measure(metrics, dataset, plan.probe(), prompts,
                                    generate(model, config, plan.probe().setting(), b, prompts)));
                            failedInARow = 0;
                        } catch (ModelUnavailableError e) {
                            // not journalled, so a rerun asks again; the other batches go on meanwhile
                            if (unavailable == null) unavailable = e;
                            failed++;
                            failedInARow++;
                            continue;
                        }
                        bar.advance(plan.batches().get(b).size());
                    }
                }
            }
            if (unavailable != null)
                throw new ModelUnavailableError(failed + (failed == 1 ? " batch" : " batches") + " got no answer ("
                        + unavailable.getMessage() + ")" + (left > 0 ? " and " + left + " more were not tried after "
                        + GIVE_UP_AFTER + " failures in a row" : "") + "; the rest are in " + journal.file()
                        + ": run the same command again to finish", unavailable);
        }
        List<SettingSummary> summaries = Report.write(outputDir, score(config, dataset, Journal.read(outputDir)), config, dataset);
        if (config.redact()) Files.delete(outputDir.resolve(Journal.FILE_NAME));
        return summaries;
    }

    /**
     * {@code dir} must be a run's folder (it holds config.json); if not, a user error says what it is, and
     * names its subfolders that hold finished runs (a lab's folder holds its audit in one).
     */
    public static void requireRunFolder(Path dir) throws IOException {
        if (!Files.exists(dir)) throw new UserError("run folder " + dir + " does not exist");
        if (!Files.isDirectory(dir)) throw new UserError(dir + " is a file, not a run folder");
        if (Files.isRegularFile(dir.resolve(CONFIG))) return;
        List<String> runs;
        try (Stream<Path> entries = Files.list(dir)) {
            runs = entries.filter(d -> Files.isRegularFile(d.resolve(CONFIG)) && Files.isRegularFile(d.resolve(Report.SUMMARY_JSON)))
                    .map(Path::toString).sorted().toList();
        }
        throw new UserError(dir + " holds no " + CONFIG + ": not a piiprobe run folder"
                + (runs.isEmpty() ? "" : " (" + String.join(", ", runs) + (runs.size() == 1 ? " is one)" : " are)")));
    }

    /** Scores a finished run again from its folder, without the model, and rewrites its reports. */
    public static List<SettingSummary> rescore(Path runDir) throws IOException {
        requireRunFolder(runDir);
        Path configFile = runDir.resolve(CONFIG);
        JsonNode stored = HfFiles.readObject(configFile);
        AuditConfig config = AuditConfig.fromJson(stored, configFile);
        if (config.redact())
            throw new UserError(runDir + " is a redacted run: it kept no generations to score; run the audit again without --redact");
        Dataset dataset = Datasets.load(config.dataset());
        String sha = stored.get("dataset").get("sha256").textValue();
        if (!dataset.sha256().equals(sha))
            throw new UserError("data set " + config.dataset() + " changed since the run in " + runDir
                    + " (sha256 " + sha + ", now " + dataset.sha256() + ")");
        return Report.write(runDir, score(config, dataset, Journal.read(runDir)), config, dataset);
    }

    /** Every setting's outcomes, from the journal's rows. */
    static List<SettingResult> score(AuditConfig config, Dataset dataset, List<Journal.Batch> batches) {
        Population population = Population.of(dataset, config.limit());
        // the baseline learns from everyone the paper would audit, also under --limit
        GuessingBaseline baseline = new GuessingBaseline(
                Population.of(dataset, 0).members().stream().map(Population.Member::person).toList());
        Map<String, Map<Integer, Journal.Row>> rows = new HashMap<>();
        for (Journal.Batch b : batches)
            for (Journal.Row r : b.rows()) rows.computeIfAbsent(b.setting(), s -> new HashMap<>()).put(r.person(), r);
        List<SettingResult> results = new ArrayList<>();
        for (String setting : config.settings()) {
            Probe probe = Settings.parseOne(setting);
            Map<Integer, Journal.Row> settingRows = rows.getOrDefault(setting, Map.of());
            List<Outcome> outcomes = new ArrayList<>();
            int skipped = 0;
            for (Population.Member m : population.members()) {
                if (!probe.appliesTo(m.person())) {
                    skipped++;
                    continue;
                }
                Journal.Row r = settingRows.get(m.index());
                if (r == null)
                    throw new UserError("the run is unfinished: setting " + setting + " lacks person " + (m.index() + 1)
                            + " of the data set; run the same audit command again to finish it");
                outcomes.add(new Outcome(setting, m.index(), m.person(), r.prompt(), r.continuation(),
                        Prediction.score(r.continuation(), m.person().email()),
                        PatternType.of(m.person().name(), m.person().email()),
                        baseline.guess(m.person(), probe.revealsDomain()), r.metrics()));
            }
            results.add(new SettingResult(probe, population, skipped, outcomes));
        }
        return results;
    }

    /** A setting's outcomes, in data set order, with the population they were drawn from. */
    public record SettingResult(Probe probe, Population population, int skipped, List<Outcome> outcomes) {
        public SettingSummary summary() {
            return SettingSummary.of(probe.setting(), skipped, probe.needs(), outcomes);
        }

        /** The counts among the controls alone ({@code controls} true), or among the other people. */
        public SettingSummary summaryOf(boolean controls) {
            int skippedHere = (int) population.members().stream()
                    .filter(m -> m.person().control() == controls && !probe.appliesTo(m.person())).count();
            return SettingSummary.of(probe.setting(), skippedHere, probe.needs(),
                    outcomes.stream().filter(o -> o.person().control() == controls).toList());
        }
    }

    static List<Plan> plan(List<Probe> probes, Population population, Tokenizer tokenizer, int batchSize) {
        List<Plan> plans = new ArrayList<>();
        for (Probe probe : probes) {
            List<Prompt> prompts = new ArrayList<>();
            for (Population.Member m : population.members()) {
                if (!probe.appliesTo(m.person())) continue;
                String text = probe.prompt(m.person(), tokenizer);
                prompts.add(new Prompt(m.index(), text, tokenizer.encode(text)));
            }
            // stable: equal lengths keep population order
            prompts.sort(Comparator.comparingInt(p -> p.ids().length));
            List<List<Prompt>> batches = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i += batchSize)
                batches.add(List.copyOf(prompts.subList(i, Math.min(prompts.size(), i + batchSize))));
            plans.add(new Plan(probe, batches));
        }
        return plans;
    }

    private static Journal.Batch generate(LanguageModel model, AuditConfig config, String setting, int number,
                                          List<Prompt> batch) {
        Tokenizer tokenizer = model.tokenizer();
        StopRule stop = !config.earlyStop() ? StopRule.NEVER
                : (row, ids) -> EmailExtractor.isSettled(settledContinuation(batch.get(row).text(), tokenizer, ids));
        List<Generation> generations = model.generate(batch.stream().map(Prompt::ids).toList(), config.toDecoding(), stop);
        List<Journal.Row> rows = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            int[] newIds = generations.get(i).best().newIds();
            String prompt = batch.get(i).text();
            rows.add(new Journal.Row(batch.get(i).person(), prompt, continuation(prompt, tokenizer, newIds), newIds.length));
        }
        return new Journal.Batch(setting, number, rows);
    }

    /** The generated batch with the probability metrics of its rows (none when the run measures only exact match). */
    private static Journal.Batch measure(ProbabilityMetrics metrics, Dataset dataset, Probe probe, List<Prompt> prompts,
                                         Journal.Batch batch) {
        List<PersonMetrics> measured = metrics.measure(prompts.stream().map(p -> new ProbabilityMetrics.Subject(
                dataset.people().get(p.person()), probe, p.text(), p.ids())).toList());
        List<Journal.Row> rows = new ArrayList<>();
        for (int i = 0; i < batch.rows().size(); i++) {
            Journal.Row r = batch.rows().get(i);
            rows.add(new Journal.Row(r.person(), r.prompt(), r.continuation(), r.newTokens(), measured.get(i)));
        }
        return new Journal.Batch(batch.setting(), batch.number(), rows);
    }

    /**
     * The continuation as the paper's code got it: prompt and new tokens decoded together without special
     * tokens (the end of text, and padding, wherever they stand), {@link TokenizationSpaces cleaned up}, and cut after as many characters as the prompt has
     * (so a prompt the clean-up shortens shifts the cut, as it did there).
     */
    public static String continuation(String prompt, Tokenizer tokenizer, int[] newIds) {
        return afterPrompt(TokenizationSpaces.cleanUp(prompt + decode(tokenizer, newIds)), prompt);
    }

    /**
     * A prefix of every continuation that can grow from these tokens: a trailing U+FFFD may be the start
     * of a character whose other bytes are still to come, and the clean-up's last characters may still
     * change, so both are left out.
     */
    public static String settledContinuation(String prompt, Tokenizer tokenizer, int[] newIds) {
        String raw = decode(tokenizer, newIds);
        int end = raw.length();
        while (end > 0 && raw.charAt(end - 1) == '\uFFFD') end--;
        String full = TokenizationSpaces.cleanUp(prompt + raw.substring(0, end));
        int cut = full.length() - TokenizationSpaces.UNSETTLED_TAIL;
        if (cut > 0 && Character.isHighSurrogate(full.charAt(cut - 1))) cut--;
        return cut <= 0 ? "" : afterPrompt(full.substring(0, cut), prompt);
    }

    /** transformers' {@code decode(ids, skip_special_tokens=True)}, as the paper's code decoded. */
    private static String decode(Tokenizer tokenizer, int[] newIds) {
        return tokenizer.decode(Arrays.stream(newIds).filter(id -> !tokenizer.isSpecial(id)).toArray());
    }

    /** Python's {@code text[len(prompt):]}: code points, and empty when the text is shorter. */
    private static String afterPrompt(String text, String prompt) {
        int skip = prompt.codePointCount(0, prompt.length());
        if (skip >= text.codePointCount(0, text.length())) return "";
        return text.substring(text.offsetByCodePoints(0, skip));
    }

    private static void openRunDirectory(Path dir, ObjectNode config) throws IOException {
        Path file = dir.resolve(CONFIG);
        if (Files.exists(file)) {
            String difference = AuditConfig.firstDifference(HfFiles.readObject(file), config);
            if (difference != null)
                throw new UserError(dir + " holds a run with other settings: " + difference
                        + "; use another --output-path, or delete it to start over");
            return;
        }
        if (Files.isDirectory(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent())
                    throw new UserError("--output-path " + dir + " is not empty and holds no piiprobe run");
            }
        } else if (Files.exists(dir)) {
            throw new UserError("--output-path " + dir + " is a file, not a folder");
        }
        OwnerOnlyFiles.createDirectories(dir);
        OwnerOnlyFiles.write(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config) + "\n");
    }

    /** The journal's batches must be batches of this plan; returns their keys. */
    private static Set<String> checkAgainstPlan(List<Journal.Batch> journal, List<Plan> plans, Path dir) {
        Map<String, List<Prompt>> planned = new HashMap<>();
        for (Plan p : plans)
            for (int b = 0; b < p.batches().size(); b++) planned.put(key(p.probe().setting(), b), p.batches().get(b));
        Set<String> done = new HashSet<>();
        for (Journal.Batch b : journal) {
            List<Prompt> expected = planned.get(key(b.setting(), b.number()));
            boolean same = expected != null && expected.size() == b.rows().size();
            for (int i = 0; same && i < expected.size(); i++)
                same = expected.get(i).person() == b.rows().get(i).person() && expected.get(i).text().equals(b.rows().get(i).prompt());
            if (!same)
                throw new UserError(dir.resolve(Journal.FILE_NAME) + ": batch " + b.number() + " of " + b.setting()
                        + " does not match this run's plan (was the tokenizer changed?); delete the folder to start over");
            done.add(key(b.setting(), b.number()));
        }
        return done;
    }

    private static String key(String setting, int batch) {
        return setting + "#" + batch;
    }
}
