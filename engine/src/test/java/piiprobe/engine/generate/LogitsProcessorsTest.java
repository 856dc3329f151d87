package piiprobe.engine.generate;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LogitsProcessorsTest {

    static float[] gaussian(Random r, int n, double scale) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (r.nextGaussian() * scale);
        return x;
    }

    static boolean[] kept(float[] x) {
        boolean[] k = new boolean[x.length];
        for (int i = 0; i < x.length; i++) k[i] = x[i] != Float.NEGATIVE_INFINITY;
        return k;
    }

    @Test
    void topPKeepsWhatTheWholeVocabularyRuleKeeps() {
        Random r = new Random(1);
        int vocab = 5000;
        long[] keyed = new long[vocab];
        float[] weight = new float[vocab];
        for (double scale : new double[] {0.5, 2, 6})
            for (float p : new float[] {0.05f, 0.5f, 0.9f, 0.99f}) {
                float[] x = gaussian(r, vocab, scale);
                double[] expected = TokenSearchTest.referenceDistribution(x, 1f, 0, p);
                float[] got = x.clone();
                LogitsProcessors.topP(got, p, keyed, weight);
                boolean[] want = new boolean[vocab];
                for (int v = 0; v < vocab; v++) want[v] = expected[v] > 0;
                assertArrayEquals(want, kept(got), "scale " + scale + ", top-p " + p);
                for (int v = 0; v < vocab; v++) if (want[v]) assertEquals(x[v], got[v], "kept scores are untouched");
            }
    }

    @Test
    void topPAlwaysKeepsTheMostLikelyToken() {
        float[] x = {0f, 5f, 1f, -2f};
        LogitsProcessors.topP(x, 0.01f, new long[4], new float[4]);
        assertArrayEquals(new boolean[] {false, true, false, false}, kept(x));
    }

    @Test
    void topKKeepsTiesWithTheKthAndIgnoresWhatIsAlreadyMasked() {
        float[] x = {1f, 3f, 2f, 2f, Float.NEGATIVE_INFINITY, 0f};
        LogitsProcessors.topK(x, 2, new float[2]);
        assertArrayEquals(new boolean[] {false, true, true, true, false, false}, kept(x));
        float[] y = {Float.NEGATIVE_INFINITY, 1f, Float.NEGATIVE_INFINITY};
        LogitsProcessors.topK(y, 2, new float[2]);
        assertArrayEquals(new boolean[] {false, true, false}, kept(y), "fewer finite scores than k: nothing more removed");
        float[] z = gaussian(new Random(2), 1000, 3);
        float[] sorted = z.clone();
        Arrays.sort(sorted);
        LogitsProcessors.topK(z, 50, new float[50]);
        int count = 0;
        for (float v : z) if (v != Float.NEGATIVE_INFINITY) {
            count++;
            assertEquals(true, v >= sorted[1000 - 50]);
        }
        assertEquals(50, count);
    }

    @Test
    void temperatureDividesAndBanningMasks() {
        float[] x = {2f, -4f, 1f};
        LogitsProcessors.temperature(x, 0.5f);
        assertArrayEquals(new float[] {4f, -8f, 2f}, x);
        LogitsProcessors.banTokens(x, new int[] {2, 7});
        assertArrayEquals(new float[] {4f, -8f, Float.NEGATIVE_INFINITY}, x);
    }
}
