package piiprobe.http;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The wire protocol of {@link CompletionsServer}: OpenAI's shapes, vLLM's extensions, errors, batching. */
class CompletionsServerTest {
    private final ToyModel model = new ToyModel();
    private CompletionsServer server;

    private URI start(CompletionsServer.Options options) {
        server = CompletionsServer.start(model, options.withAddress("127.0.0.1", 0));
        return server.baseUri();
    }

    private URI start() {
        return start(CompletionsServer.Options.defaults());
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private Http.Answer complete(URI base, String json) {
        return Http.post(URI.create(base + "/completions"), json);
    }

    private JsonNode ok(Http.Answer a) {
        assertEquals(200, a.status(), a.raw());
        return a.body();
    }

    @Test
    void listsTheModelWithItsVocabularyAndEos() {
        URI base = start();
        JsonNode list = ok(Http.get(URI.create(base + "/models")));
        assertEquals("list", list.get("object").asText());
        JsonNode card = list.get("data").get(0);
        assertEquals("toy", card.get("id").asText());
        assertEquals("model", card.get("object").asText());
        assertEquals(257, card.get("vocab_size").asInt());
        assertEquals(256, card.get("eos_token_id").asInt());
        assertEquals("toy", ok(Http.get(URI.create(base + "/models/toy"))).get("id").asText());
        assertEquals(404, Http.get(URI.create(base + "/models/other")).status());
    }

    @Test
    void greedyTextCompletionWithUsageAndLengthFinish() {
        JsonNode r = ok(complete(start(), "{\"model\":\"toy\",\"prompt\":\"abc\",\"max_tokens\":5,\"temperature\":0}"));
        assertEquals("text_completion", r.get("object").asText());
        assertTrue(r.get("id").asText().startsWith("cmpl-"));
        JsonNode c = r.get("choices").get(0);
        assertEquals("defgh", c.get("text").asText());
        assertEquals("length", c.get("finish_reason").asText());
        assertTrue(c.get("logprobs").isNull());
        assertEquals(3, r.get("usage").get("prompt_tokens").asInt());
        assertEquals(5, r.get("usage").get("completion_tokens").asInt());
        assertEquals(8, r.get("usage").get("total_tokens").asInt());
    }

    @Test
    void endOfTextStopsAndIsHiddenUnlessSpecialTokensAreKept() {
        URI base = start();
        JsonNode c = ok(complete(base, "{\"prompt\":\"w\",\"max_tokens\":10,\"temperature\":0,\"return_token_ids\":true}")).get("choices").get(0);
        assertEquals("xyz", c.get("text").asText());
        assertEquals("stop", c.get("finish_reason").asText());
        assertEquals("[120,121,122,256]", c.get("token_ids").toString());
        assertEquals("[119]", c.get("prompt_token_ids").toString());
        JsonNode kept = ok(complete(base, "{\"prompt\":\"w\",\"max_tokens\":10,\"temperature\":0,\"skip_special_tokens\":false}"));
        assertEquals("xyz<|endoftext|>", kept.get("choices").get(0).get("text").asText());
    }

    @Test
    void everyEndOfSequenceIdIsOnTheCardAndEndsAChoice() {
        server = CompletionsServer.start(new ToyModel('z'), CompletionsServer.Options.defaults().withAddress("127.0.0.1", 0));
        URI base = server.baseUri();
        assertEquals("[256,122]", ok(Http.get(URI.create(base + "/models"))).get("data").get(0).get("eos_token_id").toString());
        JsonNode c = ok(complete(base, "{\"prompt\":\"w\",\"max_tokens\":10,\"temperature\":0,\"return_token_ids\":true}"))
                .get("choices").get(0);
        assertEquals("[120,121,122]", c.get("token_ids").toString(), "'z' ends the sequence");
        assertEquals("stop", c.get("finish_reason").asText());
        assertEquals("xy", c.get("text").asText(), "an end of sequence is hidden, as special tokens are");
    }

    @Test
    void stopSequencesCutTheTextBeforeThem() {
        JsonNode c = ok(complete(start(), "{\"prompt\":\"a\",\"max_tokens\":20,\"temperature\":0,\"stop\":[\"zz\",\"fg\"]}"))
                .get("choices").get(0);
        assertEquals("bcde", c.get("text").asText());
        assertEquals("stop", c.get("finish_reason").asText());
        assertEquals(6, model.tokensGenerated.get(), "generation ends once the stop sequence is complete: b..g");
    }

    @Test
    void tokenIdPromptsAndNSamplesAreReproducibleBySeed() {
        URI base = start();
        String body = "{\"prompt\":[[97],[98,99]],\"n\":2,\"max_tokens\":8,\"temperature\":1.5,\"seed\":5,\"return_token_ids\":true}";
        JsonNode first = ok(complete(base, body)).get("choices");
        assertEquals(4, first.size());
        for (int i = 0; i < 4; i++) assertEquals(i, first.get(i).get("index").asInt());
        assertEquals("[97]", first.get(1).get("prompt_token_ids").toString());
        assertEquals("[98,99]", first.get(2).get("prompt_token_ids").toString());
        assertNotEquals(first.get(0).get("token_ids"), first.get(1).get("token_ids"), "two samples of one prompt differ");
        assertEquals(first, ok(complete(base, body)).get("choices"), "the same seed gives the same samples");
        assertNotEquals(first, ok(complete(base, body.replace("\"seed\":5", "\"seed\":6"))).get("choices"));
    }

    @Test
    void echoWithTopLogprobsScoresPromptAndContinuation() {
        JsonNode c = ok(complete(start(), "{\"prompt\":\"abc\",\"max_tokens\":2,\"temperature\":0,\"echo\":true,\"logprobs\":2}"))
                .get("choices").get(0);
        assertEquals("abcde", c.get("text").asText());
        JsonNode lp = c.get("logprobs");
        assertEquals("[\"a\",\"b\",\"c\",\"d\",\"e\"]", lp.get("tokens").toString());
        assertEquals("[0,1,2,3,4]", lp.get("text_offset").toString());
        assertTrue(lp.get("token_logprobs").get(0).isNull());
        assertTrue(lp.get("top_logprobs").get(0).isNull());
        int[] ids = {'a', 'b', 'c', 'd', 'e'};
        for (int t = 1; t < 5; t++) {
            float expected = ToyModel.logprobs(java.util.Arrays.copyOf(ids, t))[ids[t]];
            assertEquals(expected, lp.get("token_logprobs").get(t).floatValue(), 0f, "position " + t);
            JsonNode top = lp.get("top_logprobs").get(t);
            assertTrue(top.size() >= 2 && top.size() <= 3, top.toString());
            assertEquals(expected, top.get(String.valueOf((char) ids[t])).floatValue(), 0f);
        }
    }

    @Test
    void echoWithoutGenerationScoresOnlyThePrompt() {
        JsonNode c = ok(complete(start(), "{\"prompt\":[97,98,120],\"max_tokens\":0,\"echo\":true,\"logprobs\":0,"
                + "\"return_tokens_as_token_ids\":true}")).get("choices").get(0);
        JsonNode lp = c.get("logprobs");
        assertEquals("[\"token_id:97\",\"token_id:98\",\"token_id:120\"]", lp.get("tokens").toString());
        assertEquals(ToyModel.logprobs(new int[]{97, 98})[120], lp.get("token_logprobs").get(2).floatValue(), 0f);
        assertTrue(lp.get("top_logprobs").get(2).isNull(), "logprobs 0: the chosen tokens only");
        assertEquals("abx", c.get("text").asText());
        assertEquals(List.of("score 1"), model.calls);
    }

    @Test
    void streamsTokensAsTheyComeThenUsageAndDone() {
        Http.Answer a = complete(start(), "{\"prompt\":\"abc\",\"max_tokens\":5,\"temperature\":0,\"stream\":true,"
                + "\"return_token_ids\":true,\"stream_options\":{\"include_usage\":true}}");
        assertEquals(200, a.status());
        List<String> events = Http.events(a.raw());
        assertEquals("[DONE]", events.getLast());
        StringBuilder text = new StringBuilder();
        List<Integer> ids = new ArrayList<>();
        String finish = null;
        for (String e : events.subList(0, events.size() - 2)) {
            JsonNode c = Http.json(e).get("choices").get(0);
            text.append(c.get("text").asText());
            c.get("token_ids").forEach(id -> ids.add(id.asInt()));
            if (!c.get("finish_reason").isNull()) finish = c.get("finish_reason").asText();
        }
        assertEquals("defgh", text.toString());
        assertEquals(List.of(100, 101, 102, 103, 104), ids);
        assertEquals("length", finish);
        assertTrue(events.size() >= 7, "one event per token at least: " + events);
        JsonNode usage = Http.json(events.get(events.size() - 2));
        assertEquals(0, usage.get("choices").size());
        assertEquals(5, usage.get("usage").get("completion_tokens").asInt());
    }

    @Test
    void streamedTextEqualsWholeTextEvenWhenTokensSplitCharacters() {
        // Sampling hot over raw bytes makes invalid and split UTF-8: the stream must hold partial characters back.
        URI base = start();
        for (int seed = 0; seed < 5; seed++) {
            String body = "{\"prompt\":\"é\",\"max_tokens\":40,\"temperature\":2,\"seed\":" + seed + ",\"stop\":[\"qq\"]";
            String whole = ok(complete(base, body + "}")).get("choices").get(0).get("text").asText();
            StringBuilder streamed = new StringBuilder();
            for (String e : Http.events(complete(base, body + ",\"stream\":true}").raw()))
                if (!e.equals("[DONE]")) streamed.append(Http.json(e).get("choices").get(0).get("text").asText());
            assertEquals(whole, streamed.toString(), "seed " + seed);
        }
    }

    @Test
    void beamSearchReturnsNBeamsBestFirst() {
        JsonNode choices = ok(complete(start(), "{\"prompt\":\"ab\",\"max_tokens\":4,\"use_beam_search\":true,\"n\":3}")).get("choices");
        assertEquals(3, choices.size());
        assertEquals("cdef", choices.get(0).get("text").asText());
        double previous = Double.POSITIVE_INFINITY;
        for (JsonNode c : choices) {
            assertTrue(c.get("sequence_score").asDouble() <= previous);
            previous = c.get("sequence_score").asDouble();
        }
    }

    @Test
    void badRequestsGetOpenAiErrorsNamingTheField() {
        URI base = start();
        assertError(complete(base, "{\"prompt\": \"abc\""), 400, null, "not valid JSON");
        assertError(complete(base, "[1,2]"), 400, null, "JSON object");
        assertError(complete(base, "{\"max_tokens\":3}"), 400, "prompt", "prompt is required");
        assertError(complete(base, "{\"prompt\":[97,300]}"), 400, "prompt", "prompt[1] is 300");
        assertError(complete(base, "{\"prompt\":[]}"), 400, "prompt", "prompt must be");
        assertError(complete(base, "{\"prompt\":[[97],[]]}"), 400, "prompt", "prompt[1] is empty");
        assertError(complete(base, "{\"prompt\":\"a\",\"logprobs\":21}"), 400, "logprobs", "0..20");
        assertError(complete(base, "{\"prompt\":\"a\",\"max_tokens\":0}"), 400, "max_tokens", "unless echo");
        assertError(complete(base, "{\"prompt\":\"a\",\"temperature\":\"hot\"}"), 400, "temperature", "must be a number");
        assertError(complete(base, "{\"prompt\":\"a\",\"n\":1000}"), 400, "n", "n must be");
        assertError(complete(base, "{\"prompt\":\"a\",\"stop\":[\"\"]}"), 400, "stop", "must not be empty");
        assertError(complete(base, "{\"prompt\":\"a\",\"presence_penalty\":1}"), 400, "presence_penalty", "not supported");
        assertError(complete(base, "{\"prompt\":\"a\",\"use_beam_search\":true,\"stream\":true}"), 400, "stream", "beam");
        assertError(complete(base, "{\"model\":\"gpt-4\",\"prompt\":\"a\"}"), 404, null, "'gpt-4' does not exist");
        assertError(Http.get(URI.create(base + "/completions")), 405, null, "use POST");
        assertError(Http.get(URI.create(base + "/nowhere")), 404, null, "no route GET /v1/nowhere");
        assertError(complete(base, "{\"prompt\":\"" + "a".repeat(CompletionsServer.MAX_BODY_BYTES) + "\"}"), 413, null, "larger than");
    }

    private static void assertError(Http.Answer a, int status, String param, String message) {
        assertEquals(status, a.status(), a.raw());
        JsonNode error = a.body().get("error");
        assertTrue(error.get("message").asText().contains(message), error.toString());
        assertEquals(param == null ? "null" : "\"" + param + "\"", error.get("param").toString());
        assertEquals(status, error.get("code").asInt());
        assertFalse(error.get("type").asText().isEmpty());
    }

    @Test
    void anApiKeyGuardsEveryRouteButHealth() {
        URI base = start(CompletionsServer.Options.defaults().withApiKey("sesame"));
        assertEquals(401, Http.get(URI.create(base + "/models")).status());
        assertEquals(200, Http.get(URI.create(base.resolve("/health").toString())).status());
        HttpRequest withKey = HttpRequest.newBuilder(URI.create(base + "/models")).header("Authorization", "Bearer sesame").build();
        assertEquals(200, Http.send(withKey).status());
        HttpRequest wrongKey = HttpRequest.newBuilder(URI.create(base + "/models")).header("Authorization", "Bearer sesam").build();
        assertEquals(401, Http.send(wrongKey).status());
    }

    @Test
    void tokenizeAndDetokenizeAsVllmDoes() {
        URI base = start();
        JsonNode t = ok(Http.post(base.resolve("/tokenize"), "{\"model\":\"toy\",\"prompt\":\"hé\"}"));
        assertEquals("[104,195,169]", t.get("tokens").toString());
        assertEquals(3, t.get("count").asInt());
        assertEquals("hé", ok(Http.post(base.resolve("/detokenize"), "{\"tokens\":[104,195,169]}")).get("prompt").asText());
        assertError(Http.post(base.resolve("/detokenize"), "{\"tokens\":[104,999]}"), 400, "tokens", "tokens[1] is 999");
    }

    @Test
    void concurrentRequestsShareOneEngineCall() {
        URI base = start(CompletionsServer.Options.defaults().withBatching(8, Duration.ofMillis(1500)));
        List<CompletableFuture<Http.Answer>> answers = IntStream.range(0, 8).mapToObj(i -> CompletableFuture.supplyAsync(() ->
                complete(base, "{\"prompt\":\"" + (char) ('a' + i) + "\",\"max_tokens\":3,\"temperature\":0}"))).toList();
        for (int i = 0; i < 8; i++) {
            String expected = "" + (char) ('b' + i) + (char) ('c' + i) + (char) ('d' + i);
            assertEquals(expected, ok(answers.get(i).join()).get("choices").get(0).get("text").asText());
        }
        assertEquals(List.of("generate 8"), model.calls);
    }

    @Test
    void identicalSampledPromptsOfTwoRequestsAreNotBatchedTogether() {
        // Batched together, the second copy would draw the second sample: each request must get what it gets alone.
        URI base = start(CompletionsServer.Options.defaults().withBatching(8, Duration.ofMillis(500)));
        String body = "{\"prompt\":\"q\",\"max_tokens\":6,\"temperature\":1.5,\"seed\":3}";
        String alone = ok(complete(base, body)).get("choices").get(0).get("text").asText();
        model.calls.clear();
        var a = CompletableFuture.supplyAsync(() -> complete(base, body));
        var b = CompletableFuture.supplyAsync(() -> complete(base, body));
        assertEquals(alone, ok(a.join()).get("choices").get(0).get("text").asText());
        assertEquals(alone, ok(b.join()).get("choices").get(0).get("text").asText());
        assertEquals(List.of("generate 1", "generate 1"), model.calls);
    }

    @Test
    void oneBadRequestDoesNotFailTheOthersInItsBatch() {
        URI base = start(CompletionsServer.Options.defaults().withBatching(3, Duration.ofMillis(1000)));
        var good1 = CompletableFuture.supplyAsync(() -> complete(base, "{\"prompt\":[97],\"max_tokens\":2,\"temperature\":0}"));
        var bad = CompletableFuture.supplyAsync(() -> complete(base, "{\"prompt\":[0,97],\"max_tokens\":2,\"temperature\":0}"));
        var good2 = CompletableFuture.supplyAsync(() -> complete(base, "{\"prompt\":[98],\"max_tokens\":2,\"temperature\":0}"));
        assertEquals("bc", ok(good1.join()).get("choices").get(0).get("text").asText());
        assertEquals("cd", ok(good2.join()).get("choices").get(0).get("text").asText());
        assertError(bad.join(), 400, null, "prompt starts with token 0");
    }
}
