package piiprobe.engine.model;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The KV cache: incremental decoding equals one full forward, and select() forks and drops rows. */
class KvCacheTest {
    static final String[] MODELS = Golden.MODELS;

    /** Text 2 (83 tokens, longer than GPT-Neo's window of 8): a 30-token prefill, then one token per call. */
    @ParameterizedTest
    @FieldSource("MODELS")
    void prefillThenSingleStepsEqualOneFullForward(String name) {
        try (Golden g = new Golden(name)) {
            int[] ids = g.ids(2);
            int n = ids.length, prefill = 30;
            float[][] full = Golden.forwardAll(g.model, 1, n, ids, Golden.range(n), Golden.allReal(n));
            KvCache cache = g.model.newCache(1, n);
            float[][] first = g.model.forward(cache, prefill, Arrays.copyOf(ids, prefill), Golden.range(prefill),
                    Golden.allReal(prefill), Golden.range(prefill));
            for (int t = 0; t < prefill; t++) assertLogitsEqual(name + " prefill position " + t, full[t], first[t]);
            for (int t = prefill; t < n; t++) {
                float[] step = g.model.forward(cache, 1, new int[] {ids[t]}, new int[] {t}, new boolean[] {true}, new int[] {0})[0];
                assertLogitsEqual(name + " step position " + t, full[t], step);
            }
            assertEquals(n, cache.length());
        }
    }

    /**
     * The golden left-padded batch with generate()'s positions, then decoding steps: every row must
     * match its text decoded alone (padding is invisible).
     */
    @ParameterizedTest
    @FieldSource("MODELS")
    void leftPaddedRowsDecodeLikeSingleRows(String name) {
        try (Golden g = new Golden(name)) {
            Golden.Padded p = Golden.Padded.of(g.json.get("batched"));
            int extra = 3;
            KvCache batch = g.model.newCache(p.rows(), p.steps() + extra);
            float[][] logits = g.model.forward(batch, p.steps(), p.tokens(), p.positions(), p.real(), p.lastSlots());
            KvCache[] singles = new KvCache[p.rows()];
            for (int r = 0; r < p.rows(); r++) {
                int[] ids = g.ids(r);
                singles[r] = g.model.newCache(1, ids.length + extra);
                float[] alone = g.model.forward(singles[r], ids.length, ids, Golden.range(ids.length), Golden.allReal(ids.length),
                        new int[] {ids.length - 1})[0];
                assertLogitsEqual(name + " row " + r + " prefill", alone, logits[r]);
            }
            for (int s = 0; s < extra; s++) {
                int[] next = new int[p.rows()], pos = new int[p.rows()], rows = Golden.range(p.rows());
                for (int r = 0; r < p.rows(); r++) {
                    next[r] = Golden.argmax(logits[r]);
                    pos[r] = g.ids(r).length + s;
                }
                logits = g.model.forward(batch, 1, next, pos, Golden.allReal(p.rows()), rows);
                for (int r = 0; r < p.rows(); r++) {
                    float[] alone = g.model.forward(singles[r], 1, new int[] {next[r]}, new int[] {pos[r]}, new boolean[] {true}, new int[] {0})[0];
                    assertLogitsEqual(name + " row " + r + " step " + s, alone, logits[r]);
                }
            }
        }
    }

    /** select() with a reordering, forks (beam search) and then drops (finished rows), checked against single rows. */
    @Test
    void selectForksReordersAndDrops() {
        for (String name : new String[] {"gpt_neo", "llama"}) {
            try (Golden g = new Golden(name)) {
                Golden.Padded p = Golden.Padded.of(g.json.get("batched"));
                KvCache batch = g.model.newCache(p.rows(), p.steps() + 2);
                g.model.forward(batch, p.steps(), p.tokens(), p.positions(), p.real(), p.lastSlots());
                int[] from = {2, 0, 0, 1, 2};
                batch.select(from);
                assertEquals(5, batch.rows());
                int[] next = {11, 22, 33, 44, 55}, pos = new int[5];
                for (int i = 0; i < 5; i++) pos[i] = g.ids(from[i]).length;
                float[][] forked = g.model.forward(batch, 1, next, pos, Golden.allReal(5), Golden.range(5));
                for (int i = 0; i < 5; i++)
                    assertLogitsEqual(name + " fork " + i, alone(g, from[i], next[i]), forked[i]);
                batch.select(new int[] {3, 1});
                float[][] kept = g.model.forward(batch, 1, new int[] {7, 8}, new int[] {pos[3] + 1, pos[1] + 1}, Golden.allReal(2), Golden.range(2));
                assertLogitsEqual(name + " kept row 3", alone(g, 1, 44, 7), kept[0]);
                assertLogitsEqual(name + " kept row 1", alone(g, 0, 22, 8), kept[1]);
                assertThrows(IllegalArgumentException.class, () -> batch.select(new int[] {2}));
            }
        }
    }

    /** Text {@code text} alone followed by {@code more} tokens; the last position's logits. */
    private static float[] alone(Golden g, int text, int... more) {
        int[] ids = g.ids(text);
        int[] all = Arrays.copyOf(ids, ids.length + more.length);
        System.arraycopy(more, 0, all, ids.length, more.length);
        return g.model.forward(g.model.newCache(1, all.length), all.length, all, Golden.range(all.length), Golden.allReal(all.length),
                new int[] {all.length - 1})[0];
    }

    /** Same computation in another batch shape or order of calls: equal up to float summation order. */
    static void assertLogitsEqual(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        assertTrue(worst <= 1e-4, what + ": max |Δlogit| " + worst);
    }
}
