package piiprobe.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static piiprobe.engine.model.Golden.assertClose;

/** The forward pass of every golden model against transformers 4.40.2, at the golden README's tolerances. */
class GoldenParityTest {
    static final String[] MODELS = Golden.MODELS;

    /** Each text alone, unpadded: every position's summary, probe logits and next-token log-prob. */
    @ParameterizedTest
    @FieldSource("MODELS")
    void singleRunsMatchEveryPosition(String name) {
        try (Golden g = new Golden(name)) {
            for (JsonNode single : g.json.get("single")) {
                int text = single.get("text_index").intValue();
                int[] ids = g.ids(text);
                float[][] logits = Golden.forwardAll(g.model, 1, ids.length, ids, Golden.range(ids.length), Golden.allReal(ids.length));
                for (int t = 0; t < ids.length; t++) {
                    String where = name + " text " + text + " position " + t;
                    g.assertSummary(where, logits[t], single.get("argmax").get(t).intValue(), single.get("max_logit").get(t).doubleValue(),
                            single.get("logsumexp").get(t).doubleValue(), single.get("top5_ids").get(t), single.get("top5_logits").get(t),
                            single.get("probe_logits").get(t));
                    if (t + 1 < ids.length)
                        assertClose(where + " next_token_logprob", single.get("next_token_logprob").get(t).doubleValue(),
                                logits[t][ids[t + 1]] - Golden.logSumExp(logits[t]));
                }
            }
        }
    }

    /** All 50257 logits at the last position of text 2, raw float32 from transformers: atol 2e-4. */
    @ParameterizedTest
    @FieldSource("MODELS")
    void fullLastLogitsOfText2(String name) {
        try (Golden g = new Golden(name)) {
            int[] ids = g.ids(2);
            float[] expected = g.lastLogitsText2();
            float[] got = g.model.forward(g.model.newCache(1, ids.length), ids.length, ids, Golden.range(ids.length),
                    Golden.allReal(ids.length), new int[] {ids.length - 1})[0];
            assertEquals(expected.length, got.length);
            assertEquals(g.model.vocabSize(), got.length);
            double worst = 0;
            for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - got[i]));
            assertTrue(worst <= 2e-4, name + ": max |Δlogit| " + worst);
        }
    }

    /**
     * The three texts left-padded into one batch, with positions 0..L−1 over the pads (a plain
     * forward) and with positions from the mask (what generate() passes); last position of each row.
     */
    @ParameterizedTest
    @FieldSource("MODELS")
    void leftPaddedBatchMatchesBothPositionSchemes(String name) {
        try (Golden g = new Golden(name)) {
            JsonNode batched = g.json.get("batched");
            Golden.Padded p = Golden.Padded.of(batched);
            int[] last = p.lastSlots();
            for (String scheme : new String[] {"default_positions_last", "mask_positions_last"}) {
                int[] positions = scheme.startsWith("default") ? p.plainPositions() : p.positions();
                float[][] logits = g.model.forward(g.model.newCache(p.rows(), p.steps()), p.steps(), p.tokens(), positions, p.real(), last);
                for (int r = 0; r < p.rows(); r++) {
                    JsonNode s = batched.get("rows").get(r).get(scheme);
                    g.assertSummary(name + " batch row " + r + " " + scheme, logits[r], s.get("argmax").intValue(), s.get("max_logit").doubleValue(),
                            s.get("logsumexp").doubleValue(), s.get("top5_ids"), s.get("top5_logits"), s.get("probe_logits"));
                }
            }
        }
    }
}
