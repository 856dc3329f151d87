package piiprobe.http;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import piiprobe.engine.Decoding;
import piiprobe.engine.Generation;
import piiprobe.engine.StopRule;
import piiprobe.engine.UserError;

import java.time.Duration;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link OpenAiModel} over {@link CompletionsServer} must answer exactly as the model it serves. */
class OpenAiModelTest {
    private final ToyModel model = new ToyModel();
    private CompletionsServer server;
    private OpenAiModel client;

    private OpenAiModel connect(CompletionsServer.Options serverOptions, OpenAiModel.Options clientOptions) {
        server = CompletionsServer.start(model, serverOptions.withAddress("127.0.0.1", 0));
        client = OpenAiModel.connect(clientOptions);
        return client;
    }

    private OpenAiModel connect(OpenAiModel.Use... uses) {
        server = CompletionsServer.start(model, CompletionsServer.Options.defaults().withAddress("127.0.0.1", 0));
        client = OpenAiModel.connect(options().withUses(uses.length == 0 ? EnumSet.of(OpenAiModel.Use.GENERATE) : EnumSet.of(uses[0], uses)));
        return client;
    }

    private OpenAiModel.Options options() {
        return OpenAiModel.Options.of(server.baseUri()).withApiKey(null).withTokenizer(model.tokenizer());
    }

    @AfterEach
    void stop() {
        if (client != null) client.close();
        if (server != null) server.close();
    }

    private static final List<int[]> PROMPTS = List.of(ids("abc"), ids("w"), ids("q r"), ids("abc"), ids("é"), ids("abc"));

    static int[] ids(String s) {
        return s.chars().toArray(); // ASCII and Latin-1 only in these tests: one byte, one token
    }

    private static void assertSameGenerations(List<Generation> expected, List<Generation> actual, boolean scores) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            List<Generation.Sequence> e = expected.get(i).sequences(), a = actual.get(i).sequences();
            assertEquals(e.size(), a.size(), "row " + i);
            for (int k = 0; k < e.size(); k++) {
                assertArrayEquals(e.get(k).newIds(), a.get(k).newIds(), "row " + i + " sequence " + k);
                assertEquals(e.get(k).text(), a.get(k).text(), "row " + i + " sequence " + k);
                if (scores) assertEquals(e.get(k).score(), a.get(k).score(), 1e-12, "row " + i + " sequence " + k);
            }
        }
    }

    @Test
    void greedySamplingAndBeamEqualTheServedModel() {
        OpenAiModel m = connect();
        assertEquals("toy", m.name());
        assertArrayEquals(new int[] {256}, m.eosTokenIds());
        List<Decoding> decodings = List.of(new Decoding.Greedy(12, 0), new Decoding.Greedy(12, 4),
                new Decoding.Sampling(12, 0, 1.3f, 40, 1f, 7), new Decoding.Beam(6, 0, 4, 1f, true, 3));
        for (Decoding d : decodings) {
            List<Generation> direct = model.generate(PROMPTS, d, StopRule.NEVER);
            assertSameGenerations(direct, m.generate(PROMPTS, d, StopRule.NEVER), true);
        }
    }

    @Test
    void theStopRuleCutsRowsExactlyAndStopsThemOnTheServer() {
        OpenAiModel m = connect();
        StopRule untilE = (row, ids) -> ids[ids.length - 1] == 'e' || (row == 2 && ids.length == 3);
        Decoding greedy = new Decoding.Greedy(40, 0);
        List<Generation> direct = model.generate(PROMPTS, greedy, untilE);
        model.tokensGenerated.set(0);
        model.stepMillis = 20;
        List<Generation> served = m.generate(PROMPTS, greedy, untilE);
        assertSameGenerations(direct, served, false);
        assertArrayEquals(ids("de"), served.get(0).best().newIds());
        assertTrue(Double.isNaN(served.get(0).best().score()), "a row cut by the rule has no server score");
        // Without the stop the six rows would make about 6 x 40 tokens; closing their streams stops them.
        assertTrue(model.tokensGenerated.get() < 6 * 40 / 2, "tokens generated on the server: " + model.tokensGenerated.get());
    }

    @Test
    void sampledDuplicatesGetSuccessiveSamplesAsLocally() {
        OpenAiModel m = connect();
        List<int[]> same = List.of(ids("x"), ids("x"), ids("y"), ids("x"));
        Decoding d = new Decoding.Sampling(10, 0, 2f, 0, 1f, 11);
        List<Generation> direct = model.generate(same, d, StopRule.NEVER);
        assertSameGenerations(direct, m.generate(same, d, StopRule.NEVER), true);
    }

    @Test
    void continuationLogprobsAreExact() {
        OpenAiModel m = connect(OpenAiModel.Use.SCORE);
        List<int[]> prompts = List.of(ids("the email of ab is"), ids("x"), ids("q"));
        List<int[]> conts = List.of(ids(" ab@cd.com"), ids("yz"), new int[0]);
        List<float[]> direct = model.continuationLogprobs(prompts, conts);
        List<float[]> served = m.continuationLogprobs(prompts, conts);
        for (int i = 0; i < 3; i++) assertArrayEquals(direct.get(i), served.get(i), 0f);
    }

    @Test
    void nextTokenLogprobsHoldTheTopNAndMinusInfinityElsewhere() {
        OpenAiModel m = connect(OpenAiModel.Use.NEXT_TOKEN);
        List<int[]> prefixes = List.of(ids("ab"), ids("z"), ids("hello "));
        List<float[]> direct = model.nextTokenLogprobs(prefixes);
        List<float[]> served = m.nextTokenLogprobs(prefixes);
        for (int i = 0; i < prefixes.size(); i++) {
            float[] d = direct.get(i), s = served.get(i);
            assertEquals(ToyModel.VOCAB, s.length);
            float cut = topValue(d, 20);
            int kept = 0;
            for (int v = 0; v < d.length; v++) {
                if (d[v] >= cut) {
                    assertEquals(d[v], s[v], 0f, "id " + v);
                    kept++;
                } else assertEquals(Float.NEGATIVE_INFINITY, s[v], "id " + v);
            }
            assertEquals(20, kept);
        }
    }

    private static float topValue(float[] values, int n) {
        float[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        return sorted[sorted.length - n];
    }

    @Test
    void theServersTokenizerStandsInWhenNoneIsGiven() {
        server = CompletionsServer.start(model, CompletionsServer.Options.defaults().withAddress("127.0.0.1", 0));
        client = OpenAiModel.connect(OpenAiModel.Options.of(server.baseUri()).withApiKey(null));
        assertArrayEquals(new int[]{104, 195, 169}, client.tokenizer().encode("hé"));
        assertEquals("hé<|endoftext|>", client.tokenizer().decode(new int[]{104, 195, 169, 256}));
        assertEquals(257, client.tokenizer().vocabSize());
        assertSameGenerations(model.generate(PROMPTS, new Decoding.Greedy(5, 0), StopRule.NEVER),
                client.generate(PROMPTS, new Decoding.Greedy(5, 0), StopRule.NEVER), true);
    }

    @Test
    void everyEndOfSequenceIdOfTheServedModelIsKnown() {
        ToyModel endsAtZToo = new ToyModel('z');
        server = CompletionsServer.start(endsAtZToo, CompletionsServer.Options.defaults().withAddress("127.0.0.1", 0));
        client = OpenAiModel.connect(OpenAiModel.Options.of(server.baseUri()).withApiKey(null));
        assertArrayEquals(new int[] {256, 'z'}, client.eosTokenIds());
        assertTrue(client.tokenizer().isSpecial(256) && client.tokenizer().isSpecial('z'), "the server's tokenizer skips both");
        assertFalse(client.tokenizer().isSpecial('y'));
        assertSameGenerations(endsAtZToo.generate(PROMPTS, new Decoding.Greedy(8, 2), StopRule.NEVER),
                client.generate(PROMPTS, new Decoding.Greedy(8, 2), StopRule.NEVER), true);
    }

    @Test
    void connectNamesWhatIsMissing() {
        server = CompletionsServer.start(model, CompletionsServer.Options.defaults().withAddress("127.0.0.1", 0).withMaxLogprobs(5));
        UserError wrongName = assertThrows(UserError.class, () -> OpenAiModel.connect(options().withModelName("gpt2")));
        assertTrue(wrongName.getMessage().contains("has no model 'gpt2'; it serves [toy]"), wrongName.getMessage());
        UserError tooMany = assertThrows(UserError.class, () -> OpenAiModel.connect(
                options().withUses(EnumSet.of(OpenAiModel.Use.NEXT_TOKEN)).withTopLogprobs(20)));
        assertTrue(tooMany.getMessage().contains("lower --top-logprobs"), tooMany.getMessage());
        client = OpenAiModel.connect(options().withUses(EnumSet.of(OpenAiModel.Use.NEXT_TOKEN)).withTopLogprobs(5));
        float[] dist = client.nextTokenLogprobs(List.of(ids("a"))).getFirst();
        int finite = 0;
        for (float x : dist) if (Float.isFinite(x)) finite++;
        assertEquals(5, finite);
    }

    @Test
    void theApiKeyIsSentAndNeverShown() {
        server = CompletionsServer.start(model, CompletionsServer.Options.defaults().withAddress("127.0.0.1", 0).withApiKey("right-key"));
        OpenAiModel.Options wrong = options().withApiKey("sk-wrong-secret");
        UserError refused = assertThrows(UserError.class, () -> OpenAiModel.connect(wrong));
        assertTrue(refused.getMessage().contains("HTTP 401") && refused.getMessage().contains("PIIPROBE_API_KEY"), refused.getMessage());
        assertTrue(!refused.getMessage().contains("sk-wrong-secret") && !wrong.toString().contains("sk-wrong-secret"));
        client = OpenAiModel.connect(options().withApiKey("right-key").withTimeout(Duration.ofSeconds(30)));
        assertEquals("toy", client.name());
    }
}
