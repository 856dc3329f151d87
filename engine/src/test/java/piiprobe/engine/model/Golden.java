package piiprobe.engine.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import piiprobe.engine.checkpoint.Checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A golden model folder (transformers 4.40.2 reference outputs) and helpers to run and compare against it. */
final class Golden implements AutoCloseable {
    static final Path ROOT = Path.of("src/test/resources/golden");
    static final String[] MODELS = {"gpt2", "gpt2_f16", "gpt_neo", "gpt_neox", "gpt_neox_seq", "llama", "qwen2", "qwen2_bf16"};

    final String name;
    final JsonNode json;
    final Checkpoint checkpoint;
    final Transformer model;

    Golden(String name) {
        this.name = name;
        Path dir = ROOT.resolve(name);
        try {
            json = new ObjectMapper().readTree(dir.resolve("golden.json").toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        checkpoint = Checkpoint.open(dir);
        model = Architectures.load(checkpoint);
    }

    int[] ids(int text) {
        return ints(json.get("texts").get(text).get("ids"));
    }

    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) out[i] = array.get(i).intValue();
        return out;
    }

    float[] lastLogitsText2() {
        try {
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(ROOT.resolve(name).resolve("last_logits_text2.f32"))).order(ByteOrder.LITTLE_ENDIAN);
            float[] out = new float[b.remaining() / 4];
            b.asFloatBuffer().get(out);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One forward pass over a fresh cache, logits for every slot. */
    static float[][] forwardAll(Transformer m, int rows, int steps, int[] tokens, int[] positions, boolean[] real) {
        KvCache cache = m.newCache(rows, steps);
        int[] all = new int[rows * steps];
        for (int i = 0; i < all.length; i++) all[i] = i;
        return m.forward(cache, steps, tokens, positions, real, all);
    }

    static int[] range(int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        return p;
    }

    static boolean[] allReal(int n) {
        boolean[] r = new boolean[n];
        Arrays.fill(r, true);
        return r;
    }

    /** The golden README's tolerance for JSON logits, log-sum-exps and log-probs: 2e-4 + 1e-5·|x|. */
    static double tol(double x) {
        return 2e-4 + 1e-5 * Math.abs(x);
    }

    static double logSumExp(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double s = 0;
        for (float v : logits) s += Math.exp(v - max);
        return max + Math.log(s);
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    /**
     * Checks one position's summary (argmax, max_logit, logsumexp, top5, probe logits). Where the
     * reference's top logits are closer than the tolerance the order may legitimately differ, so ids
     * are compared exactly only where the gaps are clear.
     */
    void assertSummary(String where, float[] logits, double argmax, double max, double lse, JsonNode top5Ids, JsonNode top5Logits, JsonNode probe) {
        int[] probeIds = ints(json.get("probe_ids"));
        for (int k = 0; k < probeIds.length; k++)
            assertClose(where + " probe " + probeIds[k], probe.get(k).doubleValue(), logits[probeIds[k]]);
        assertClose(where + " max_logit", max, logits[argmax(logits)]);
        assertClose(where + " logsumexp", lse, logSumExp(logits));
        for (int k = 0; k < 5; k++) assertClose(where + " top5[" + k + "]", top5Logits.get(k).doubleValue(), logits[top5Ids.get(k).intValue()]);
        int[] ours = top(logits, 5);
        for (int k = 0; k < 5; k++) {
            double gapBefore = k == 0 ? Double.POSITIVE_INFINITY : top5Logits.get(k - 1).doubleValue() - top5Logits.get(k).doubleValue();
            double gapAfter = k == 4 ? Double.POSITIVE_INFINITY : top5Logits.get(k).doubleValue() - top5Logits.get(k + 1).doubleValue();
            if (Math.min(gapBefore, gapAfter) > 2 * tol(max))
                assertEquals(top5Ids.get(k).intValue(), ours[k], where + " top5 id " + k);
        }
        if (top5Logits.get(0).doubleValue() - top5Logits.get(1).doubleValue() > 2 * tol(max))
            assertEquals((int) argmax, argmax(logits), where + " argmax");
    }

    static void assertClose(String what, double expected, double actual) {
        assertTrue(Math.abs(expected - actual) <= tol(expected), what + ": expected " + expected + ", got " + actual);
    }

    /** Ids of the k largest logits, largest first (insertion into a k-long list: one pass). */
    static int[] top(float[] logits, int k) {
        int[] out = new int[k];
        Arrays.fill(out, -1);
        for (int i = 0; i < logits.length; i++) {
            int pos = k;
            while (pos > 0 && (out[pos - 1] < 0 || logits[i] > logits[out[pos - 1]])) pos--;
            if (pos == k) continue;
            System.arraycopy(out, pos, out, pos + 1, k - pos - 1);
            out[pos] = i;
        }
        return out;
    }

    /** The golden left-padded batch: positions from the mask (generate()'s) and 0..L−1 over the pads (a plain forward). */
    record Padded(int rows, int steps, int[] tokens, int[] positions, int[] plainPositions, boolean[] real) {
        static Padded of(JsonNode batched) {
            int rows = batched.get("input_ids").size(), steps = batched.get("input_ids").get(0).size();
            int[] tokens = new int[rows * steps], positions = new int[rows * steps], plain = new int[rows * steps];
            boolean[] real = new boolean[rows * steps];
            for (int r = 0; r < rows; r++)
                for (int t = 0; t < steps; t++) {
                    tokens[r * steps + t] = batched.get("input_ids").get(r).get(t).intValue();
                    real[r * steps + t] = batched.get("attention_mask").get(r).get(t).intValue() == 1;
                    positions[r * steps + t] = batched.get("position_ids_from_mask").get(r).get(t).intValue();
                    plain[r * steps + t] = t;
                }
            return new Padded(rows, steps, tokens, positions, plain, real);
        }

        int[] lastSlots() {
            int[] last = new int[rows];
            for (int r = 0; r < rows; r++) last[r] = r * steps + steps - 1;
            return last;
        }
    }

    @Override
    public void close() {
        model.close();
        checkpoint.close();
    }
}
