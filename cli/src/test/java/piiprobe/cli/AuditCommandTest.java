package piiprobe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import piiprobe.engine.LocalModel;
import piiprobe.http.CompletionsServer;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
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
    static final Path GOLDEN = Path.of("../engine/src/test/resources/golden").toAbsolutePath().normalize();
    static final Path GPT2 = GOLDEN.resolve("gpt2"), TOKENIZER = GOLDEN.resolve("tokenizer");
    static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> OUTPUTS = List.of("config.json", "predictions.jsonl", "rows-zero-shot-a.csv",
            "rows-zero-shot-c.csv", "summary.json", "summary.md");

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter(), err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

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
        assertEquals(0, run(audit(GPT2, TOKENIZER, output, "--limit", "20").toArray(String[]::new)), err.toString());
        assertTrue(out.toString().startsWith("# piiprobe audit: gpt2 on enron\n"), out.toString());
        assertTrue(out.toString().contains("| zero-shot-a | 20 | 0 | 0 | 0 | 0.00% | 0 | 0 | 0 | 0.00% |"), out.toString());
        assertTrue(err.toString().contains("the run's files are in " + output), err.toString());
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
        assertEquals(0, run(audit(GPT2, TOKENIZER, local, "--limit", "24").toArray(String[]::new)), err.toString());
        try (LocalModel model = LocalModel.load(GPT2, TOKENIZER, 16);
             CompletionsServer server = CompletionsServer.start(model, CompletionsServer.Options.defaults().withAddress("127.0.0.1", 0))) {
            List<String> args = audit(GPT2, TOKENIZER, served, "--limit", "24");
            args.set(args.indexOf("--model") + 1, "openai:" + server.baseUri());
            assertEquals(0, run(args.toArray(String[]::new)), err.toString());
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
        assertEquals(0, run(audit(GPT2, TOKENIZER, clean, "--limit", "240").toArray(String[]::new)), err.toString());

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

    @Test
    void userMistakesAreOneLine() throws IOException {
        Path output = dir.resolve("run");
        assertEquals(2, run(with(audit(GPT2, TOKENIZER, output), "--decoding", "nucleus")));
        assertEquals("piiprobe: --decoding must be one of greedy, sample, beam, not \"nucleus\"", err.toString().strip());
        err.getBuffer().setLength(0);
        assertEquals(2, run(with(audit(GPT2, TOKENIZER, output), "--settings", "zero-shot-e")));
        assertTrue(err.toString().startsWith("piiprobe: ") && err.toString().contains("zero-shot-e") && err.toString().strip().lines().count() == 1,
                err.toString());
        err.getBuffer().setLength(0);
        assertEquals(2, run(audit(dir.resolve("nowhere"), TOKENIZER, output).toArray(String[]::new)));
        assertTrue(err.toString().startsWith("piiprobe: ") && err.toString().contains("nowhere"), err.toString());
        assertFalse(Files.exists(output), "nothing written for a failed start");
    }

    private static String[] with(List<String> args, String flag, String value) {
        args.set(args.indexOf(flag) + 1, value);
        return args.toArray(String[]::new);
    }
}
