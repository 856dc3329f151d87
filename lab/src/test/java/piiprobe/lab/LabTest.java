package piiprobe.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.audit.report.HtmlReport;
import piiprobe.audit.report.LossCurve;
import piiprobe.audit.report.Report;
import piiprobe.audit.report.RunFolder;
import piiprobe.engine.UserError;
import piiprobe.engine.util.OwnerOnlyFiles;
import piiprobe.lab.train.Gpt2Config;
import piiprobe.lab.train.TrainConfig;
import piiprobe.lab.train.TrainableGpt2;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The lab end to end on the ci preset: what issue 4 says the audit of a lab model must show, read from the
 * audit's own summary.json (planted people and controls apart, counts by frequency), and that the folder it
 * leaves is complete and resumable. The preset is deterministic (seeded corpus, weights and training order;
 * training kernels that sum in a fixed order), so the figures do not wander from run to run; the thresholds
 * still leave room, since the audit's inference kernels may round a last bit differently before and after
 * JIT compilation, which can flip a near-tie of greedy decoding.
 */
class LabTest {
    @TempDir
    static Path dir;
    static Lab.Result result;
    /** The audit's summary.json: settings.SETTING with its planted and control counts and by_frequency. */
    static JsonNode settings;

    @BeforeAll
    static void runTheCiPreset() throws IOException {
        result = Lab.run(LabPreset.named("ci"), dir, "test", System.err);
        settings = new ObjectMapper().readTree(dir.resolve(Lab.AUDIT).resolve(Report.SUMMARY_JSON).toFile()).get("settings");
        System.out.print(result.table());
    }

    @Test
    void memorizationFarAboveAssociation() {
        double context = settings.get("context-100").get("planted").get("accuracy").doubleValue();
        double zeroShot = 0;
        for (String s : List.of("zero-shot-a", "zero-shot-b", "zero-shot-c", "zero-shot-d"))
            zeroShot = Math.max(zeroShot, settings.get(s).get("planted").get("accuracy").doubleValue());
        assertTrue(context >= 0.25, "context-100 accuracy of planted people " + context);
        assertTrue(context >= 3 * zeroShot, "context-100 " + context + " vs the best zero-shot template " + zeroShot);
    }

    @Test
    void accuracyRisesWithTrainedFrequency() {
        JsonNode f = settings.get("context-100").get("by_frequency");
        JsonNode once = f.get("1");
        int eligible = 0, correct = 0;
        for (var bucket : f.properties()) {
            if (List.of("0", "1", "2-3").contains(bucket.getKey())) continue;
            eligible += bucket.getValue().get("eligible").intValue();
            correct += bucket.getValue().get("correct").intValue();
        }
        double often = (double) correct / eligible, rare = once.get("correct").doubleValue() / once.get("eligible").intValue();
        assertTrue(once.get("eligible").intValue() >= 20 && eligible >= 20, "enough people seen once and seen 4+ times: " + f);
        assertTrue(often >= rare + 0.3, "addresses seen 4+ times " + often + " vs once " + rare);
    }

    @Test
    void controlsNoBetterThanTheGuessingBaseline() {
        for (String setting : LabPreset.named("ci").settings()) {
            JsonNode controls = settings.get(setting).get("control");
            assertEquals(20, controls.get("eligible").intValue(), setting);
            assertTrue(controls.get("correct").intValue() <= controls.get("baseline_correct").intValue() + 1,
                    setting + ": controls " + controls + " against the baseline");
            // controls never occur in the corpus: frequency 0, a bucket of their own
            assertEquals(20, settings.get(setting).get("by_frequency").get("0").get("eligible").intValue(), setting);
        }
    }

    @Test
    void theFolderHoldsTheModelDataSetCurveAndSummaries() throws IOException {
        TrainableGpt2 model = TrainableGpt2.load(dir.resolve(Lab.MODEL));
        assertEquals(LabPreset.named("ci").model().embd(), model.config().embd());
        assertTrue(Files.exists(dir.resolve(Lab.MODEL).resolve("tokenizer.json")));
        List<String> curve = Files.readAllLines(dir.resolve(Lab.TRAIN).resolve("loss.csv"));
        assertEquals(LabPreset.named("ci").training().steps() + 1, curve.size());
        try (var files = Files.list(dir.resolve(Lab.TRAIN))) {
            assertEquals(List.of("loss.csv"), files.map(p -> p.getFileName().toString()).toList(), "no training state left behind");
        }
        assertEquals(120, Files.readAllLines(dir.resolve(Lab.DATASET)).size());
        JsonNode lab = new ObjectMapper().readTree(dir.resolve(Lab.LAB_JSON).toFile());
        assertTrue(lab.get("training").get("tokens_per_second").asDouble() > 0);
        assertEquals(result.table(), Files.readString(dir.resolve(Lab.SUMMARY)));
        assertTrue(result.table().startsWith("# piiprobe lab: preset ci\n"), result.table());
        assertTrue(result.table().contains("\n## piiprobe audit: lab-ci on "), "the audit's tables follow the lab's figures");
        // the audit folder holds the loss curve, so its report, and `piiprobe report` on it, draw it
        Path audit = dir.resolve(Lab.AUDIT);
        assertEquals(curve, Files.readAllLines(audit.resolve(LossCurve.FILE)));
        assertEquals(LabPreset.named("ci").training().steps(), RunFolder.read(audit).loss().points().size());
        String report = Files.readString(audit.resolve(HtmlReport.FILE));
        for (String chart : List.of("data-chart=\"loss\"", "data-chart=\"planted-and-controls\"", "lab-ci"))
            assertTrue(report.contains(chart), chart);
    }

    @Test
    void runningAgainSkipsTrainingAndGivesTheSameTables() throws IOException {
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Lab.Result again = Lab.run(LabPreset.named("ci"), dir, "test", new PrintStream(log, true, StandardCharsets.UTF_8));
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("is trained already"), log.toString(StandardCharsets.UTF_8));
        assertEquals(result.table(), again.table());
    }

    @Test
    void promptsTooLongForTheModelAreRefusedBeforeTraining(@TempDir Path other) {
        LabPreset ci = LabPreset.named("ci");
        TrainConfig t = ci.training();
        LabPreset small = new LabPreset("small", ci.corpus(), ci.vocabSize(), new Gpt2Config(ci.vocabSize(), 160, 128, 2, 4),
                new TrainConfig(t.steps(), t.batchSize(), 160, t.learningRate(), t.minLearningRate(), t.warmupSteps(), t.weightDecay(),
                        t.beta1(), t.beta2(), t.eps(), t.gradClip(), t.seed(), t.evalEvery(), t.checkpointSeconds()),
                List.of("zero-shot-a", "context-100"));
        UserError e = assertThrows(UserError.class, () -> Lab.run(small, other, "test", System.err));
        assertEquals("preset small: context-100 prompts of up to 100 tokens and 100 new tokens exceed the model's 160 positions "
                + "with this corpus; try another --seed", e.getMessage());
        assertFalse(Files.exists(other.resolve(Lab.TRAIN)), "no training began");
    }

    @Test
    void aFolderOfAnotherCommandIsRefusedUntouched(@TempDir Path other) throws IOException {
        Path run = Files.writeString(Files.createDirectories(other.resolve("audit-run")).resolve("config.json"), "{}").getParent();
        UserError e = assertThrows(UserError.class, () -> Lab.run(LabPreset.named("ci"), run, "test", System.err));
        assertEquals(run + " is not empty and holds no lab run (no lab.json); give a new folder", e.getMessage());
        try (var files = Files.list(run)) {
            assertEquals(List.of("config.json"), files.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void theLabFolderAndWhatItWritesAreTheOwnersOnly() throws IOException {
        for (String folder : List.of(Lab.MODEL, Lab.TRAIN, Lab.AUDIT))
            assertEquals(OwnerOnlyFiles.DIRECTORY, Files.getPosixFilePermissions(dir.resolve(folder)), folder);
        for (Path file : List.of(dir.resolve(Lab.CORPUS), dir.resolve(Lab.DATASET), dir.resolve(Lab.MODEL).resolve("model.safetensors"),
                dir.resolve(Lab.MODEL).resolve("tokenizer.json"), dir.resolve(Lab.TRAIN).resolve("loss.csv")))
            assertEquals(OwnerOnlyFiles.FILE, Files.getPosixFilePermissions(file), file.toString());
    }

    @Test
    void anotherSeedIsRefusedInTheSameFolder() {
        UserError e = assertThrows(UserError.class, () -> Lab.run(LabPreset.named("ci").withSeed(7), dir, "test", System.err));
        assertTrue(e.getMessage().contains("holds a lab run of another preset or seed"), e.getMessage());
    }
}
