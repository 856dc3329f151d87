package piiprobe.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Decoding and scoring through {@link LocalModel} against transformers 4.40.2 on every golden model:
 * greedy, batched greedy and beam token ids exactly, beam scores within 1e-4, continuation
 * log-probabilities within the golden README's tolerances, and every next-token log-probability of
 * every text from one shared-prefix scoring call.
 */
class GoldenDecodingTest {
    static final Path ROOT = Path.of("src/test/resources/golden");

    record Case(LocalModel model, JsonNode golden) implements AutoCloseable {
        static Case of(String name) throws IOException {
            Path dir = ROOT.resolve(name);
            return new Case(LocalModel.load(dir, ROOT.resolve("tokenizer"), LocalModel.DEFAULT_MAX_BATCH),
                    new ObjectMapper().readTree(dir.resolve("golden.json").toFile()));
        }

        int[] text(int i) {
            return ints(golden.get("texts").get(i).get("ids"));
        }

        @Override
        public void close() {
            model.close();
        }
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).intValue();
        return out;
    }

    /** The README's tolerance for log-probabilities printed with 6 significant digits. */
    static void assertLogprob(double expected, double actual, String what) {
        assertEquals(expected, actual, 2e-4 + 1e-5 * Math.abs(expected), what);
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gpt2_f16", "gpt_neo", "gpt_neox", "gpt_neox_seq", "llama", "qwen2", "qwen2_bf16"})
    void greedySingleAndBatched(String name) throws IOException {
        try (Case c = Case.of(name)) {
            var greedy = new Decoding.Greedy(30, 30);
            for (JsonNode run : c.golden.get("greedy").get("runs")) {
                int text = run.get("text_index").intValue();
                Generation.Sequence got = c.model.generate(List.of(c.text(text)), greedy, StopRule.NEVER).getFirst().best();
                assertArrayEquals(ints(run.get("new_ids")), got.newIds(), name + " text " + text);
                assertEquals(run.get("text").asText(), got.text(), name + " text " + text);
            }
            var batched = c.model.generate(List.of(c.text(0), c.text(1), c.text(2)), greedy, StopRule.NEVER);
            JsonNode expected = c.golden.get("greedy_batched").get("new_ids");
            for (int i = 0; i < 3; i++) assertArrayEquals(ints(expected.get(i)), batched.get(i).best().newIds(), name + " row " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gpt2_f16", "gpt_neo", "gpt_neox", "gpt_neox_seq", "llama", "qwen2", "qwen2_bf16"})
    void beamSearch(String name) throws IOException {
        try (Case c = Case.of(name)) {
            JsonNode s = c.golden.get("beam").get("settings");
            var beam = new Decoding.Beam(s.get("max_new_tokens").intValue(), s.get("min_new_tokens").intValue(),
                    s.get("num_beams").intValue(), (float) s.get("length_penalty").doubleValue(),
                    s.get("early_stopping").booleanValue(), s.get("num_return_sequences").intValue());
            for (JsonNode run : c.golden.get("beam").get("runs")) {
                int text = run.get("text_index").intValue();
                var got = c.model.generate(List.of(c.text(text)), beam, StopRule.NEVER).getFirst().sequences();
                for (int j = 0; j < got.size(); j++) {
                    String what = name + " text " + text + " beam " + j;
                    assertArrayEquals(ints(run.get("new_ids").get(j)), got.get(j).newIds(), what);
                    assertEquals(run.get("sequences_scores").get(j).doubleValue(), got.get(j).score(), 1e-4, what);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gpt2_f16", "gpt_neo", "gpt_neox", "gpt_neox_seq", "llama", "qwen2", "qwen2_bf16"})
    void continuationLogprobs(String name) throws IOException {
        try (Case c = Case.of(name)) {
            List<int[]> prompts = new ArrayList<>(), continuations = new ArrayList<>();
            for (JsonNode ex : c.golden.get("continuation_logprob")) {
                prompts.add(ints(ex.get("prompt_ids")));
                continuations.add(ints(ex.get("continuation_ids")));
                assertArrayEquals(ints(ex.get("prompt_ids")), c.model.tokenizer().encode(ex.get("prompt").asText()));
                assertArrayEquals(ints(ex.get("continuation_ids")), c.model.tokenizer().encode(ex.get("continuation").asText()));
            }
            var got = c.model.continuationLogprobs(prompts, continuations);
            int i = 0;
            for (JsonNode ex : c.golden.get("continuation_logprob")) {
                float[] lp = got.get(i++);
                JsonNode expected = ex.get("token_logprobs");
                double sum = 0;
                for (int t = 0; t < lp.length; t++) {
                    assertLogprob(expected.get(t).doubleValue(), lp[t], name + " token " + t);
                    sum += lp[t];
                }
                assertEquals(expected.size(), lp.length);
                assertEquals(ex.get("sum_logprob").doubleValue(), sum, 1e-3, name);
            }
        }
    }

    /** Every prefix of every text in one call: a chain per text, scored left-padded side by side. */
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gpt_neo", "gpt_neox", "llama", "qwen2_bf16"})
    void nextTokenLogprobsOfEveryPrefix(String name) throws IOException {
        try (Case c = Case.of(name)) {
            List<int[]> prefixes = new ArrayList<>();
            List<double[]> expected = new ArrayList<>(); // {token, log-prob}
            for (int text = 0; text < 3; text++) {
                int[] ids = c.text(text);
                JsonNode lp = c.golden.get("single").get(text).get("next_token_logprob");
                for (int t = 0; t + 1 < ids.length; t++) {
                    prefixes.add(Arrays.copyOf(ids, t + 1));
                    expected.add(new double[] {ids[t + 1], lp.get(t).doubleValue()});
                }
            }
            var got = c.model.nextTokenLogprobs(prefixes);
            for (int i = 0; i < prefixes.size(); i++)
                assertLogprob(expected.get(i)[1], got.get(i)[(int) expected.get(i)[0]], name + " prefix " + i);
        }
    }
}
