package piiprobe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.engine.LocalModel;
import piiprobe.http.CompletionsServer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code piiprobe audit} as a user runs it: the command line, a real kill and a resume, the error lines. */
class AuditCommandTest {
    static final Path GPT2 = Cli.GOLDEN.resolve("gpt2"), TOKENIZER = Cli.GOLDEN.resolve("tokenizer");
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> OUTPUTS = List.of("config.json", "predictions.jsonl", "rows-zero-shot-a.csv",
            "rows-zero-shot-c.csv", "summary.json", "summary.md");

    @TempDir
    Path dir;

    private static List<String> audit(Path model, Path tokenizer, Path output, String... more) {
        List<String> args = new ArrayList<>(List.of("audit", "--model", model.toString(), "--tokenizer", tokenizer.toString(),
                "--dataset", "enron", "--settings", "zero-shot-a,zero-shot-c", "--decoding", "greedy",
                "--output-path", output.toString()));
        args.addAll(List.of(more));
        return args;
    }

    @Test
    void printsThePapersTableAndRecordsWhereTheModelIs() throws IOException {
        Path output = dir.resolve("run");
        Cli r = Cli.run(audit(GPT2, TOKENIZER, output, "--limit", "20"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("# piiprobe audit: gpt2 on enron\n"), r.out());
        assertTrue(r.out().contains("| zero-shot-a | 20 | 0 | 0 | 0 | 0.00% | 0 | 0 | 0 | 0.00% |"), r.out());
        assertTrue(r.err().contains("the run's files are in " + output), r.err());
        JsonNode config = JSON.readTree(output.resolve("config.json").toFile());
        assertEquals(GPT2.toString(), config.get("model").get("path").textValue());
        assertEquals(TOKENIZER.toString(), config.get("model").get("tokenizer").textValue());
        assertEquals(818_080, config.get("model").get("parameters").intValue());
        assertEquals(List.of("zero-shot-a", "zero-shot-c"), JSON.convertValue(config.get("settings"), List.class));
    }

    /** The same audit of a model served over OpenAI's API (piiprobe's own server here) as of the local folder. */
    @Test
    void aServedModelIsAuditedAsTheLocalOne() throws IOException {
        Path local = dir.resolve("local"), served = dir.resolve("served");
        assertSucceeds(audit(GPT2, TOKENIZER, local, "--limit", "24"));
        try (LocalModel model = LocalModel.load(GPT2, TOKENIZER, 16);
             CompletionsServer server = CompletionsServer.start(model, CompletionsServer.Options.defaults().withAddress("127.0.0.1", 0))) {
            List<String> args = audit(GPT2, TOKENIZER, served, "--limit", "24");
            args.set(args.indexOf("--model") + 1, "openai:" + server.baseUri());
            assertSucceeds(args);
        }
        for (String f : List.of("predictions.jsonl", "summary.json"))
            assertEquals(Files.readString(local.resolve(f)), Files.readString(served.resolve(f)), f);
        assertTrue(JSON.readTree(served.resolve("config.json").toFile()).get("model").get("path").textValue().startsWith("openai:http://127.0.0.1:"));
    }

    /**
     * Killed with SIGKILL mid-run and started again from another folder, where the same model and run folder
     * have other relative paths, the run resumes and ends with the files of an uninterrupted run.
     */
    @Test
    void aKilledRunResumesFromAnotherFolderToTheSameFiles() throws Exception {
        Path clean = dir.resolve("clean");
        assertSucceeds(audit(GPT2, TOKENIZER, clean, "--limit", "240"));

        Path first = Files.createDirectories(dir.resolve("a")), second = Files.createDirectories(dir.resolve("b/c"));
        Path runDir = dir.resolve("run"), journal = runDir.resolve("journal.jsonl");
        Process p = cli(first, audit(first.relativize(GPT2), first.relativize(TOKENIZER), first.relativize(runDir), "--limit", "240"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (lines(journal) < 3 && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(10);
        p.destroyForcibly().waitFor();
        assertFalse(Files.exists(runDir.resolve("summary.json")), "killed before it finished");
        long done = lines(journal);
        assertTrue(done >= 3 && done < 30, done + " batches journalled of 30");

        Process again = cli(second, audit(second.relativize(GPT2), second.relativize(TOKENIZER), second.relativize(runDir), "--limit", "240"));
        String log = new String(again.getErrorStream().readAllBytes());
        assertEquals(0, again.waitFor(), log);
        assertTrue(log.contains("piiprobe: resuming"), log);
        for (String f : OUTPUTS) assertEquals(Files.readString(clean.resolve(f)), Files.readString(runDir.resolve(f)), f);
        assertEquals(30, lines(journal));
    }

    /**
     * Ctrl-C (SIGINT) mid-run: one line says where the work is kept, the journal keeps the batches done, and the
     * same command resumes from them.
     */
    @Test
    void ctrlCKeepsTheJournalAndSaysSoInOneLine() throws Exception {
        Path runDir = dir.resolve("run"), journal = runDir.resolve("journal.jsonl");
        List<String> args = audit(GPT2, TOKENIZER, runDir, "--limit", "240");
        Process p = cli(dir, args);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (lines(journal) < 3 && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(p.isAlive(), "still running when interrupted");
        new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
        String log = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(130, p.waitFor(), log);
        assertEquals("piiprobe: interrupted; what is done is kept in " + runDir + ": run the same command again to resume",
                log.strip().lines().toList().getLast());
        assertFalse(log.contains("Exception") || log.contains("\tat "), log);
        assertFalse(Files.exists(runDir.resolve("summary.json")), "interrupted before it finished");
        long done = lines(journal);
        assertTrue(done >= 3 && done < 30, done + " batches journalled of 30");

        Cli again = assertSucceeds(args);
        assertTrue(again.err().contains("piiprobe: resuming " + runDir + ": "), again.err());
        assertEquals(30, lines(journal));
    }

    /** This JVM's java and class path, running {@code piiprobe} in {@code cwd}. */
    private static Process cli(Path cwd, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(args);
        return new ProcessBuilder(command).directory(cwd.toFile()).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static long lines(Path file) throws IOException {
        if (!Files.exists(file)) return 0;
        try (var l = Files.lines(file)) {
            return l.count();
        }
    }

    /** --metrics on a local model and on the same model served: the probability fields, their table, the same numbers. */
    @Test
    void measuresBeyondExactMatchWhenAsked() throws IOException {
        Path local = dir.resolve("local"), served = dir.resolve("served");
        String[] metrics = {"--limit", "3", "--metrics", "exposure,budget", "--bounds-budget", "4"};
        String table = assertSucceeds(audit(GPT2, TOKENIZER, local, metrics)).out();
        assertTrue(table.contains("| setting | accuracy | mean log-prob | top-1 | top-5 | MRR | mean exposure (bits) |"), table);
        assertEquals(4, JSON.readTree(local.resolve("config.json").toFile()).get("metrics").get("bounds").get("budget").intValue());
        try (LocalModel model = LocalModel.load(GPT2, TOKENIZER, 16);
             CompletionsServer server = CompletionsServer.start(model, CompletionsServer.Options.defaults().withAddress("127.0.0.1", 0))) {
            List<String> args = audit(GPT2, TOKENIZER, served, metrics);
            args.set(args.indexOf("--model") + 1, "openai:" + server.baseUri());
            assertSucceeds(args);
        }
        List<String> a = Files.readAllLines(local.resolve("predictions.jsonl")), b = Files.readAllLines(served.resolve("predictions.jsonl"));
        assertEquals(6, a.size());
        for (int i = 0; i < a.size(); i++) {
            JsonNode l = JSON.readTree(a.get(i)), r = JSON.readTree(b.get(i));
            assertEquals(l.get("logprob").doubleValue(), r.get("logprob").doubleValue(), 1e-3, "the served model's echo log-probs");
            assertEquals(l.get("candidates"), r.get("candidates"));
            for (JsonNode x : List.of(l, r)) {
                assertTrue(x.has("exposure") && x.get("p_at_least_one_of").has("1000"), x.toString());
                assertTrue(x.get("bound_lower").doubleValue() <= x.get("bound_upper").doubleValue());
                assertTrue(x.get("bounds_budget_used").intValue() <= 4);
            }
        }
    }

    @Test
    void userMistakesAreOneLine() throws IOException {
        Path output = dir.resolve("run");
        assertEquals("--decoding must be one of greedy, sample, beam, not \"nucleus\"",
                Cli.run(with(audit(GPT2, TOKENIZER, output), "--decoding", "nucleus")).userError());
        assertTrue(Cli.run(with(audit(GPT2, TOKENIZER, output), "--settings", "zero-shot-e")).userError().contains("zero-shot-e"));
        assertTrue(Cli.run(audit(GPT2, TOKENIZER, output, "--metrics", "rank,likelyhood")).userError()
                .startsWith("--metrics: unknown metric \"likelyhood\""));
        assertTrue(Cli.run(audit(dir.resolve("nowhere"), TOKENIZER, output)).userError().contains("nowhere"));
        assertEquals("--dataset is empty: give enron or a .jsonl / .csv file of people",
                Cli.run(with(audit(GPT2, TOKENIZER, output), "--dataset", "")).userError());
        assertEquals("--output-path is empty: give the run's folder", Cli.run(audit(GPT2, TOKENIZER, Path.of(""))).userError());
        assertEquals("--concurrency, --top-logprobs apply to a served model (--model openai:URL), not to the model folder " + GPT2,
                Cli.run(audit(GPT2, TOKENIZER, output, "--concurrency", "4", "--top-logprobs", "5")).userError());
        assertFalse(Files.exists(output), "nothing written for a failed start");

        Path csv = Files.writeString(dir.resolve("people.csv"), "name,email\nAnn Lee,ann@example.com\n\"Bo Chan,bo@example.com\n");
        assertTrue(Cli.run(with(audit(GPT2, TOKENIZER, output), "--dataset", csv.toString())).userError().startsWith(csv + ":3: malformed CSV"));
        Path file = Files.writeString(dir.resolve("taken"), "x");
        assertEquals("cannot create the folder " + file.resolve("run") + ": " + file + " is a file",
                Cli.run(audit(GPT2, TOKENIZER, file.resolve("run"), "--limit", "2")).userError());
        Path other = Files.createDirectories(dir.resolve("other"));
        Files.writeString(other.resolve("config.json"), "{\"model\": ");
        assertTrue(Cli.run(audit(GPT2, TOKENIZER, other, "--limit", "2")).userError().startsWith(other.resolve("config.json") + ": malformed JSON: "));
    }

    private static List<String> with(List<String> args, String flag, String value) {
        args.set(args.indexOf(flag) + 1, value);
        return args;
    }

    private static Cli assertSucceeds(List<String> args) {
        Cli r = Cli.run(args);
        assertEquals(0, r.exit(), r.err());
        return r;
    }
}
