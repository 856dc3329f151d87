package piiprobe.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import piiprobe.audit.Audit;
import piiprobe.audit.AuditConfig;
import piiprobe.audit.SettingSummary;
import piiprobe.audit.data.Datasets;
import piiprobe.audit.probe.Probe;
import piiprobe.audit.probe.Settings;
import piiprobe.audit.report.HtmlReport;
import piiprobe.audit.report.LossCurve;
import piiprobe.engine.util.OwnerOnlyFiles;
import piiprobe.audit.report.Report;
import piiprobe.audit.report.RunFolder;
import piiprobe.engine.LocalModel;
import piiprobe.engine.Tokenizer;
import piiprobe.engine.UserError;
import piiprobe.engine.checkpoint.HfFiles;
import piiprobe.engine.kernel.Parallel;
import piiprobe.lab.bpe.BpeTrainer;
import piiprobe.lab.bpe.ByteLevelBpe;
import piiprobe.lab.corpus.Corpus;
import piiprobe.lab.corpus.CorpusGenerator;
import piiprobe.lab.corpus.LabDataset;
import piiprobe.lab.train.NextTokenLoss;
import piiprobe.lab.train.TokenWindows;
import piiprobe.lab.train.TrainableGpt2;
import piiprobe.lab.train.Trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The lab's whole job, in one folder: write a corpus with planted addresses, train a tokenizer and a
 * GPT-2 on it, save the model and the data set (which marks the controls and gives each address's
 * frequency in the corpus), and audit the model, whose summary splits planted people from controls
 * and counts by frequency.
 *
 * <p>Folder layout: {@value #LAB_JSON} (the preset, sizes and timings), {@value #CORPUS},
 * {@value #DATASET}, {@code model/} (a Hugging Face GPT-2 folder with its tokenizer),
 * {@code train/loss.csv}, {@code audit/} (the audit's outputs, a copy of the loss curve among them, so
 * that its report.html, and {@code piiprobe report} on that folder, draw it) and {@value #SUMMARY}
 * (the lab's figures above the audit's tables). Run again on the same folder, a killed lab resumes:
 * the corpus and tokenizer are rebuilt (seeded, so the same), training continues from its last
 * checkpoint or is skipped once the model is saved, and the audit resumes from its journal.
 */
public final class Lab {
    public static final String LAB_JSON = "lab.json";
    public static final String CORPUS = "corpus.jsonl";
    public static final String DATASET = "dataset.jsonl";
    public static final String SUMMARY = "summary.md";
    public static final String MODEL = "model";
    public static final String TRAIN = "train";
    public static final String AUDIT = "audit";
    private static final int AUDIT_BATCH = 16;
    private static final int MAX_NEW_TOKENS = 100;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Lab() {}

    /**
     * What a lab run produced.
     *
     * @param training  the training run's figures (from {@value #LAB_JSON} when an earlier run trained the model)
     * @param summaries the audit's summary per setting (planted people and controls apart: the audit's summary.json)
     * @param table     the lab's figures and the audit's tables, as printed and written to {@value #SUMMARY}
     */
    public record Result(Path dir, JsonNode training, List<SettingSummary> summaries, String table) {}

    /** Runs (or resumes) the lab in {@code dir}; progress goes to {@code log}. */
    public static Result run(LabPreset preset, Path dir, String version, PrintStream log) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir))
            throw new UserError(dir + " is a file: the lab needs a folder (a new one, or one of an earlier lab run)");
        if (!Files.exists(dir.resolve(LAB_JSON)) && !isEmptyOrAbsent(dir))
            throw new UserError(dir + " is not empty and holds no lab run (no " + LAB_JSON + "); give a new folder");
        OwnerOnlyFiles.createDirectories(dir);
        ObjectNode lab = openLabJson(dir, preset);
        Path modelDir = dir.resolve(MODEL);

        long t0 = System.nanoTime();
        Corpus corpus = CorpusGenerator.generate(Datasets.load(Datasets.ENRON).people(), preset.corpus());
        corpus.write(dir.resolve(CORPUS));
        LabDataset dataset = LabDataset.of(corpus);
        dataset.write(dir.resolve(DATASET));
        log.printf(Locale.ROOT, "lab: corpus of %,d documents (%.2f MB): %,d people planted %,d times, %,d controls held out (%.1f s)%n",
                corpus.documents().size(), corpus.characters() / 1e6, corpus.planted().size(), corpus.occurrences().size(),
                corpus.controls().size(), seconds(t0));

        long t1 = System.nanoTime();
        ByteLevelBpe bpe = BpeTrainer.train(corpus.documents(), preset.vocabSize());
        bpe.save(modelDir);
        int[] tokens = bpe.encodeDocuments(corpus.documents()), heldOut = bpe.encodeDocuments(corpus.heldOutDocuments());
        log.printf(Locale.ROOT, "lab: tokenizer of %,d ids; %,d training tokens, %,d held-out tokens (%.1f s)%n",
                bpe.vocabSize(), tokens.length, heldOut.length, seconds(t1));
        checkPromptsFit(preset, dataset, bpe);
        lab.putObject("corpus").put("documents", corpus.documents().size()).put("characters", corpus.characters())
                .put("planted", corpus.planted().size()).put("occurrences", corpus.occurrences().size())
                .put("controls", corpus.controls().size()).put("tokens", tokens.length).put("held_out_tokens", heldOut.length)
                .put("vocab_size", bpe.vocabSize());

        if (!lab.has("training")) {
            TrainableGpt2 model = TrainableGpt2.initialized(preset.model().withVocabSize(bpe.vocabSize()), preset.training().seed());
            log.printf(Locale.ROOT, "lab: training a GPT-2 of %,d parameters (%d layers, %d wide, %d heads, %d positions): %,d steps of %d × %d tokens (%.1f epochs) on %d threads%n",
                    model.config().parameters(), model.config().layers(), model.config().embd(), model.config().heads(),
                    model.config().positions(), preset.training().steps(), preset.training().batchSize(), preset.training().seq(),
                    (double) preset.training().steps() * preset.training().tokensPerStep() / tokens.length, Parallel.threads());
            TokenWindows windows = new TokenWindows(tokens, preset.training().seq(), preset.training().seed());
            Trainer trainer = new Trainer(model, preset.training(), new NextTokenLoss(), windows, heldOut, dir.resolve(TRAIN));
            Trainer.Result r = trainer.run(log);
            model.save(modelDir);
            ObjectNode t = lab.putObject("training");
            t.put("parameters", model.config().parameters()).put("steps", preset.training().steps())
                    .put("tokens", preset.training().steps() * preset.training().tokensPerStep())
                    .put("seconds", r.seconds()).put("tokens_per_second", r.tokensPerSecond())
                    .put("gflops_per_second", r.gflopsPerSecond()).put("threads", Parallel.threads())
                    .put("final_loss", r.loss()).put("final_validation_loss", r.validationLoss())
                    .put("note", r.steps() < preset.training().steps() ? "resumed: time and throughput cover the last " + r.steps() + " steps" : "");
            writeLabJson(dir, lab);
            trainer.discardState();  // only now: the saved model and lab.json make training unnecessary
            log.printf(Locale.ROOT, "lab: trained in %.0f s: %,.0f tokens/s, %.1f GFLOP/s; loss %.3f, held-out loss %.3f%n",
                    r.seconds(), r.tokensPerSecond(), r.gflopsPerSecond(), r.loss(), r.validationLoss());
        } else {
            log.println("lab: " + modelDir + " is trained already: auditing it");
        }

        long t2 = System.nanoTime();
        List<SettingSummary> summaries;
        AuditConfig config = new AuditConfig(version, "lab-" + preset.name(), modelDir.toString(), dir.resolve(DATASET).toString(),
                preset.settings(), "greedy", MAX_NEW_TOKENS, preset.corpus().seed(), AUDIT_BATCH, 0, false, true);
        try (LocalModel model = LocalModel.load(modelDir)) {
            summaries = Audit.run(model, config, dir.resolve(AUDIT), log);
        }
        if (summaries.isEmpty()) throw new IllegalStateException("the audit returned no summaries");
        lab.putObject("audit").put("seconds", seconds(t2));
        Path audit = dir.resolve(AUDIT);
        // the audit's report draws the loss curve it finds in its folder: give it one and draw the report again
        OwnerOnlyFiles.write(audit.resolve(LossCurve.FILE), Files.readAllBytes(dir.resolve(TRAIN).resolve(Trainer.LOSS_CSV)));
        HtmlReport.write(List.of(RunFolder.read(audit)), audit.resolve(HtmlReport.FILE), false);
        String table = header(lab) + "\n#" + Files.readString(audit.resolve(Report.SUMMARY_MD));  // the audit's title one level down
        OwnerOnlyFiles.write(dir.resolve(SUMMARY), table.getBytes(StandardCharsets.UTF_8));
        writeLabJson(dir, lab);
        log.println("lab: the report is " + audit.resolve(HtmlReport.FILE));
        return new Result(dir, lab.get("training"), summaries, table);
    }

    /** The lab's figures: corpus, model and training. */
    private static String header(JsonNode lab) {
        JsonNode c = lab.get("corpus"), t = lab.get("training");
        return String.format(Locale.ROOT, "# piiprobe lab: preset %s%n%n", lab.get("preset").get("name").asText())
                + String.format(Locale.ROOT, "Corpus: %,d documents, %,d tokens; %,d people planted (%,d addresses), %,d controls never trained on.%n",
                c.get("documents").asInt(), c.get("tokens").asInt(), c.get("planted").asInt(), c.get("occurrences").asInt(), c.get("controls").asInt())
                + String.format(Locale.ROOT, "Model: GPT-2, %,d parameters, trained on %,d tokens in %.0f s (%,.0f tokens/s, %.1f GFLOP/s); final loss %.3f, held-out loss %.3f.%n",
                t.get("parameters").asLong(), t.get("tokens").asLong(), t.get("seconds").asDouble(), t.get("tokens_per_second").asDouble(),
                t.get("gflops_per_second").asDouble(), t.get("final_loss").asDouble(), t.get("final_validation_loss").asDouble());
    }

    /**
     * Every setting's longest prompt, with the new tokens after it, must fit the model's positions: said
     * now, not by the audit after training (a seed's corpus can make longer k-shot prompts than the preset's).
     */
    private static void checkPromptsFit(LabPreset preset, LabDataset dataset, Tokenizer tokenizer) {
        for (String setting : preset.settings()) {
            Probe probe = Settings.parseOne(setting);
            int longest = dataset.people().stream().filter(probe::appliesTo)
                    .mapToInt(p -> tokenizer.encode(probe.prompt(p, tokenizer)).length).max().orElse(0);
            if (longest + MAX_NEW_TOKENS > preset.model().positions())
                throw new UserError("preset " + preset.name() + ": " + setting + " prompts of up to " + longest + " tokens and "
                        + MAX_NEW_TOKENS + " new tokens exceed the model's " + preset.model().positions()
                        + " positions with this corpus; try another --seed");
        }
    }

    /** lab.json of an earlier run in this folder if it was this preset's; a new one if there is none. */
    private static ObjectNode openLabJson(Path dir, LabPreset preset) throws IOException {
        ObjectNode presetJson = presetJson(preset);
        Path file = dir.resolve(LAB_JSON);
        if (Files.exists(file)) {
            JsonNode old = HfFiles.readObject(file);
            if (!presetJson.equals(old.get("preset")))
                throw new UserError(dir + " holds a lab run of another preset or seed (" + file.getFileName()
                        + "); use another --output-path, or delete the folder to start again");
            ObjectNode kept = JSON.createObjectNode();
            kept.set("preset", presetJson);
            // training is kept only if its model was saved: then it is not done again
            if (old.has("training") && Files.exists(dir.resolve(MODEL).resolve("model.safetensors"))) kept.set("training", old.get("training"));
            return kept;
        }
        ObjectNode lab = JSON.createObjectNode();
        lab.set("preset", presetJson);
        writeLabJson(dir, lab);
        return lab;
    }

    /** The preset as lab.json records it, in the form reading it back gives. */
    private static ObjectNode presetJson(LabPreset p) throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("name", p.name());
        o.putObject("corpus").put("people", p.corpus().people()).put("controls", p.corpus().controls())
                .put("frequency_scale", p.corpus().frequencyScale()).put("frequency_cap", p.corpus().frequencyCap())
                .put("seed", p.corpus().seed());
        o.put("vocab_size", p.vocabSize());
        o.set("model", p.model().toJson());
        o.set("training", p.training().toJson());
        p.settings().forEach(o.putArray("settings")::add);
        return (ObjectNode) JSON.readTree(JSON.writeValueAsBytes(o));
    }

    private static void writeLabJson(Path dir, ObjectNode lab) throws IOException {
        OwnerOnlyFiles.write(dir.resolve(LAB_JSON), JSON.writeValueAsBytes(lab));
    }

    private static boolean isEmptyOrAbsent(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return true;
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
