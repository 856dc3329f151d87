package piiprobe.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReportCommandTest {
    @TempDir
    Path dir;

    /** A finished run's folder as the audit leaves it (the files the report reads), of a model of {@code parameters}. */
    private Path runFolder(String name, long parameters, int correct) throws IOException {
        Path run = Files.createDirectories(dir.resolve(name));
        Files.writeString(run.resolve("config.json"), """
                {"piiprobe_version": "0.1.0", "model": {"name": "%s", "path": "models/%s", "parameters": %d},
                 "dataset": {"source": "enron", "sha256": "00", "people": 3333}, "settings": ["zero-shot-a", "context-50"],
                 "decoding": {"name": "greedy", "max_new_tokens": 100}, "seed": 0, "batch_size": 16, "limit": 0,
                 "redact": false, "early_stop": true}
                """.formatted(name, name, parameters));
        Files.writeString(run.resolve("summary.json"), """
                {"model": "%s", "population": {"people": 3333, "audited": 3238},
                 "settings": {
                  "zero-shot-a": {"eligible": 3238, "skipped": 0, "predicted": 3000, "correct": %d, "accuracy": 0.0,
                    "no_pattern_correct": 0, "local_part": 40, "domain": 2000, "baseline_correct": 30,
                    "by_pattern_type": {"b1": {"eligible": 1500, "predicted": 1400, "correct": %d}},
                    "by_frequency": {"10-99": {"eligible": 3238, "predicted": 3000, "correct": %d}}},
                  "context-50": {"eligible": 3238, "skipped": 0, "predicted": 3200, "correct": %d, "accuracy": 0.0,
                    "no_pattern_correct": 3, "local_part": 300, "domain": 3000, "baseline_correct": 0,
                    "by_pattern_type": {"b1": {"eligible": 1500, "predicted": 1500, "correct": %d}},
                    "by_frequency": {"10-99": {"eligible": 3238, "predicted": 3200, "correct": %d}}}}}
                """.formatted(name, correct, correct, correct, 5 * correct, 5 * correct, 5 * correct));
        return run;
    }

    @Test
    void writesOnePageForSeveralRunsReadableByItsOwnerOnly() throws IOException {
        Path small = runFolder("neo-125m", 125_198_592L, 10), big = runFolder("neo-2.7b", 2_651_307_520L, 40);
        Path page = dir.resolve("out").resolve("report.html");
        Cli both = Cli.run("report", small.toString(), big.toString(), "--output", page.toString());
        assertEquals(0, both.exit(), both.err());
        assertEquals("piiprobe: wrote " + page + " (2 runs)", both.out().strip());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(page)));
        String html = Files.readString(page);
        assertTrue(html.contains("<strong>Accuracy against model size</strong>"), "comparison");
        assertTrue(html.contains("Run 2: neo-2.7b"), "second run");

        Cli redacted = Cli.run("report", small.toString(), "-o", page.toString(), "--redact");
        assertEquals(0, redacted.exit(), redacted.err());
        assertEquals("piiprobe: wrote " + page + " (1 run, redacted)", redacted.out().strip());
        assertTrue(Files.readString(page).contains("Redacted: this report names no person"), "redacted");
    }

    @Test
    void mistakesGiveOneLineAndExitTwo() throws IOException {
        Path page = dir.resolve("report.html");
        assertEquals("run folder " + dir.resolve("nowhere") + " does not exist",
                Cli.run("report", dir.resolve("nowhere").toString(), "--output", page.toString()).userError());

        Path run = runFolder("m", 1, 1);
        assertEquals("--output " + dir + " is a folder; give the page's file name, like report.html",
                Cli.run("report", run.toString(), "--output", dir.toString()).userError());
        assertEquals("Missing required option: '--output=FILE.html' (see: piiprobe report --help)", Cli.run("report", run.toString()).userError());
        assertFalse(Files.exists(page));

        Path file = Files.writeString(dir.resolve("notes.txt"), "x");
        assertEquals(file + " is a file, not a run folder", Cli.run("report", file.toString(), "-o", page.toString()).userError());
        assertEquals("cannot create the folder " + file.resolve("sub") + ": " + file + " is a file",
                Cli.run("report", run.toString(), "-o", file.resolve("sub").resolve("report.html").toString()).userError());
    }
}
