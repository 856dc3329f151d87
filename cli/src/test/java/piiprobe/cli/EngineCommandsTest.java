package piiprobe.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The JSON forms other tools rely on, checked against the golden transformers outputs, and the error lines. */
class EngineCommandsTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static JsonNode golden() throws IOException {
        return JSON.readTree(Cli.GOLDEN.resolve("gpt2/golden.json").toFile());
    }

    static String prompt(JsonNode golden, int text) {
        return golden.get("texts").get(text).get("text").asText();
    }

    @Test
    void generateJsonIsTransformersGreedy() throws IOException {
        JsonNode g = golden();
        Cli r = Cli.run("generate", "--model", Cli.GPT2, "--tokenizer", Cli.TOKENIZER, "--prompt", prompt(g, 0),
                "--max-new-tokens", "30", "--min-new-tokens", "30", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode out = r.json();
        assertEquals(Set.of("prompt_ids", "new_ids", "text"), keys(out));
        assertEquals(g.get("texts").get(0).get("ids"), out.get("prompt_ids"));
        JsonNode greedy = g.get("greedy").get("runs").get(0);
        assertEquals(greedy.get("new_ids"), out.get("new_ids"));
        assertEquals(greedy.get("text").asText(), out.get("text").asText());
    }

    @Test
    void generateBeamJsonListsBeamsBestFirst() throws IOException {
        JsonNode g = golden();
        Cli r = Cli.run("generate", "--model", Cli.GPT2, "--tokenizer", Cli.TOKENIZER, "--prompt", prompt(g, 1),
                "--max-new-tokens", "30", "--min-new-tokens", "30", "--decoding", "beam", "--num-beams", "5", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode out = r.json();
        assertEquals(Set.of("prompt_ids", "beams"), keys(out));
        JsonNode expected = g.get("beam").get("runs").get(1);
        assertEquals(5, out.get("beams").size());
        for (int j = 0; j < 5; j++) {
            JsonNode beam = out.get("beams").get(j);
            assertEquals(Set.of("new_ids", "score", "text"), keys(beam));
            assertEquals(expected.get("new_ids").get(j), beam.get("new_ids"));
            assertEquals(expected.get("sequences_scores").get(j).doubleValue(), beam.get("score").doubleValue(), 1e-4);
        }
    }

    @Test
    void sampleIsReproducibleBySeed() throws IOException {
        String[] args = {"generate", "--model", Cli.GPT2, "--tokenizer", Cli.TOKENIZER, "--prompt", "Hello", "--decoding", "sample",
                "--top-k", "20", "--top-p", "0.9", "--temperature", "0.8", "--seed", "7", "--json"};
        Cli a = Cli.run(args), b = Cli.run(args);
        assertEquals(0, a.exit(), a.err());
        assertEquals(a.json(), b.json());
        assertEquals(30, a.json().get("new_ids").size());
    }

    @Test
    void logprobsJsonIsTransformersTeacherForcing() throws IOException {
        JsonNode ex = golden().get("continuation_logprob").get(0);
        Cli r = Cli.run("logprobs", "--model", Cli.GPT2, "--tokenizer", Cli.TOKENIZER, "--prompt", ex.get("prompt").asText(),
                "--continuation", ex.get("continuation").asText(), "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode out = r.json();
        assertEquals(Set.of("prompt_ids", "continuation_ids", "token_logprobs", "sum_logprob"), keys(out));
        assertEquals(ex.get("prompt_ids"), out.get("prompt_ids"));
        assertEquals(ex.get("continuation_ids"), out.get("continuation_ids"));
        for (int t = 0; t < ex.get("token_logprobs").size(); t++)
            assertEquals(ex.get("token_logprobs").get(t).doubleValue(), out.get("token_logprobs").get(t).doubleValue(), 2e-4);
        assertEquals(ex.get("sum_logprob").doubleValue(), out.get("sum_logprob").doubleValue(), 1e-3);
    }

    @Test
    void benchJsonHasOneResultPerSetting() throws IOException {
        Cli r = Cli.run("bench", "--smoke", "--runs", "1", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode results = r.json().get("results");
        assertEquals(4, results.size());
        for (JsonNode row : results) {
            assertTrue(keys(row).containsAll(Set.of("model", "dtype", "batch", "prompt_tokens", "prefill_tok_per_s", "decode_tok_per_s")), row.toString());
            assertTrue(row.get("prefill_tok_per_s").doubleValue() > 0 && row.get("decode_tok_per_s").doubleValue() > 0, row.toString());
        }
        assertEquals("F32", results.get(0).get("dtype").asText());
        assertEquals("BF16", results.get(3).get("dtype").asText());
        assertTrue(r.err().contains("bench: writing a random gpt-neo-tiny (F32)"), "progress on stderr");
    }

    @Test
    void userMistakesAreOneLineAndExitTwo() {
        String[][] cases = {
                {"Unknown option: '--bogus'", "generate", "--model", Cli.GPT2, "--prompt", "hi", "--bogus"},
                {"Missing required option: '--model=DIR|openai:URL'", "generate", "--prompt", "hi"},
                {"Invalid value for option '--max-new-tokens': 'lots' is not an int", "generate", "--model", Cli.GPT2, "--prompt", "hi", "--max-new-tokens", "lots"},
                {"--top-k applies to --decoding sample, not beam", "generate", "--model", Cli.GPT2, "--prompt", "hi", "--decoding", "beam", "--top-k", "5"},
                {"--top-p must be in (0, 1], got 0.0", "generate", "--model", Cli.GPT2, "--prompt", "hi", "--decoding", "sample", "--top-p", "0"},
                {"--min-new-tokens must be in 0..--max-new-tokens (5), got 6", "generate", "--model", Cli.GPT2, "--prompt", "hi", "--max-new-tokens", "5", "--min-new-tokens", "6"},
                {"no-such-folder: no such model folder", "logprobs", "--model", "no-such-folder", "--prompt", "a", "--continuation", "b"},
                {"--continuation is empty: there is nothing to score", "logprobs", "--model", Cli.GPT2, "--tokenizer", Cli.TOKENIZER, "--prompt", "a", "--continuation", ""},
                {"prompt 0 has 1 token and 300 more are asked for: the model has only 256 positions", "generate", "--model", Cli.GPT2, "--tokenizer", Cli.TOKENIZER, "--prompt", "a", "--max-new-tokens", "300"},
                {"--models: no bench model 'gpt-5'; there are gpt-neo-125m, pythia-160m, small-llama", "bench", "--models", "gpt-5"},
                {"--runs must be >= 1, got 0", "bench", "--runs", "0"},
                {"--port must be in 0..65535, got 70000", "serve", "--model", Cli.GPT2, "--port", "70000"},
                {"--max-logprobs must be >= 0, got -1", "serve", "--model", Cli.GPT2, "--max-logprobs", "-1"},
                {"--batch-window-ms must be >= 0, got -5", "serve", "--model", Cli.GPT2, "--batch-window-ms", "-5"},
        };
        for (String[] c : cases) {
            String[] args = java.util.Arrays.copyOfRange(c, 1, c.length);
            String message = Cli.run(args).userError();
            assertTrue(message.startsWith(c[0]), String.join(" ", args) + "\n" + message);
        }
    }

    private static Set<String> keys(JsonNode node) {
        Set<String> keys = new TreeSet<>();
        node.fieldNames().forEachRemaining(keys::add);
        return keys;
    }
}
