package piiprobe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import piiprobe.engine.Decoding;
import piiprobe.engine.Generation;
import piiprobe.engine.LocalModel;
import piiprobe.engine.StopRule;
import piiprobe.http.CompletionsServer;
import piiprobe.http.OpenAiModel;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static piiprobe.cli.Cli.GOLDEN;
import static piiprobe.cli.Cli.TOKENIZER;
import static piiprobe.cli.Cli.run;

/** Served models end to end: an audit over HTTP equals the local one, the CLI speaks openai:URL, serve survives kill -9. */
class ServedModelTest {

    @ParameterizedTest
    @CsvSource({"gpt_neo, greedy", "gpt_neo, sample", "gpt_neo, beam", "llama, greedy", "gpt2, sample"})
    void anAuditOverHttpGivesTheLocalPredictions(String model, String decoding) throws IOException {
        Cli r = run("bench-http", "--model", GOLDEN.resolve(model).toString(), "--tokenizer", TOKENIZER,
                "--settings", "zero-shot-a,one-shot-non-domain", "--decoding", decoding, "--limit", "24", "--batch-size", "8",
                "--max-new-tokens", decoding.equals("beam") ? "20" : "100", "--json");
        assertEquals(0, r.exit(), r.out() + r.err());
        JsonNode out = r.json();
        assertTrue(out.get("same_predictions").asBoolean(), out.toString());
        assertEquals(48, out.get("rows").asInt());
    }

    @Test
    void generateAndLogprobsTakeOpenAiUrls() throws IOException {
        String gpt2 = GOLDEN.resolve("gpt2").toString();
        try (LocalModel local = LocalModel.load(Path.of(gpt2), Path.of(TOKENIZER), 16);
             CompletionsServer server = CompletionsServer.start(local, CompletionsServer.Options.defaults().withAddress("127.0.0.1", 0))) {
            String url = "openai:" + server.baseUri();
            for (String[] args : List.of(
                    new String[]{"generate", "--prompt", "the email address of Karen Arnold is", "--max-new-tokens", "30", "--json"},
                    new String[]{"generate", "--prompt", "Hello", "--decoding", "sample", "--seed", "3", "--max-new-tokens", "20", "--json"},
                    new String[]{"logprobs", "--prompt", "the email address of Karen Arnold is", "--continuation", " klarnold@flash.net", "--json"})) {
                JsonNode direct = run(concat(args, "--model", gpt2, "--tokenizer", TOKENIZER)).json();
                Cli served = run(concat(args, "--model", url));
                assertEquals(0, served.exit(), served.err());
                assertEquals(direct, served.json(), String.join(" ", args));
            }
            Cli wrong = run("generate", "--prompt", "x", "--model", url, "--model-name", "gpt-4");
            assertEquals(Main.USER_ERROR, wrong.exit());
            assertTrue(wrong.err().contains("has no model 'gpt-4'; it serves [gpt2]"), wrong.err());
        }
    }

    private static String[] concat(String[] a, String... b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    /** {@code piiprobe serve} in its own JVM, killed with SIGKILL in the middle of a run and started again. */
    @Test
    void aRunSurvivesServeBeingKilledAndRestarted() throws Exception {
        String model = GOLDEN.resolve("gpt_neo").toString();
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        Process serve = serve(model, port);
        List<int[]> prompts = new ArrayList<>();
        try (LocalModel local = LocalModel.load(Path.of(model), Path.of(TOKENIZER), 16)) {
            for (int i = 0; i < 600; i++) prompts.add(local.tokenizer().encode("the email address of person " + i + " is"));
            Decoding greedy = new Decoding.Greedy(100, 0);
            List<Generation> expected = local.generate(prompts, greedy, StopRule.NEVER);
            try (OpenAiModel client = OpenAiModel.connect(OpenAiModel.Options.of(URI.create("http://127.0.0.1:" + port + "/v1"))
                    .withApiKey(null).withTokenizer(local.tokenizer()).withConcurrency(16)
                    .withRetries(30, Duration.ofMillis(50), Duration.ofSeconds(1)))) {
                Process[] restarted = new Process[1];
                Thread killer = Thread.ofVirtual().start(() -> {
                    try {
                        Thread.sleep(800);
                        serve.destroyForcibly().waitFor();
                        restarted[0] = serve(model, port);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                });
                long start = System.nanoTime();
                List<Generation> served = client.generate(prompts, greedy, StopRule.NEVER);
                double seconds = (System.nanoTime() - start) / 1e9;
                killer.join();
                try {
                    assertTrue(seconds > 0.8, "the run ended before the kill (" + seconds + " s): make it longer");
                    assertTrue(!serve.isAlive() && restarted[0].isAlive());
                    for (int i = 0; i < prompts.size(); i++)
                        assertArrayEquals(expected.get(i).best().newIds(), served.get(i).best().newIds(), "row " + i);
                } finally {
                    restarted[0].destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        } finally {
            serve.destroyForcibly();
        }
    }

    private static Process serve(String model, int port) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process p = new ProcessBuilder(java.toString(), "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                "piiprobe.cli.Main", "serve", "--model", model, "--tokenizer", TOKENIZER, "--port", String.valueOf(port))
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try (var socket = new java.net.Socket("127.0.0.1", port)) {
                return p;
            } catch (IOException notYet) {
                if (!p.isAlive()) throw new AssertionError("serve exited with " + p.exitValue());
                Thread.sleep(100);
            }
        }
        throw new AssertionError("serve did not listen on port " + port + " within 60 s");
    }
}
