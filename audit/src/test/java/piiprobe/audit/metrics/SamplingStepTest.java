package piiprobe.audit.metrics;

import org.junit.jupiter.api.Test;
import piiprobe.engine.Decoding;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each token's chance on constructed distributions whose processed form is known. */
class SamplingStepTest {

    private static float[] logSoftmax(double... logits) {
        double max = Arrays.stream(logits).max().orElseThrow(), s = 0;
        for (double x : logits) s += Math.exp(x - max);
        float[] out = new float[logits.length];
        for (int i = 0; i < out.length; i++) out[i] = (float) (logits[i] - max - Math.log(s));
        return out;
    }

    private static Decoding.Sampling sampling(float t, int k) {
        return new Decoding.Sampling(10, 0, t, k, 1f, 0);
    }

    private static double chanceOf(SamplingStep.Children c, int id) {
        for (int j = 0; j < c.ids().length; j++) if (c.ids()[j] == id) return c.chance()[j];
        return 0;
    }

    @Test
    void temperatureOneKeepsTheModelsProbabilitiesLikeliestFirst() {
        float[] lp = logSoftmax(Math.log(0.1), Math.log(0.6), Math.log(0.3));
        SamplingStep.Children c = new SamplingStep(sampling(1f, 0), new int[0]).children(lp, 0);
        assertArrayEquals(new int[] {1, 2, 0}, c.ids());
        assertArrayEquals(new double[] {0.6, 0.3, 0.1}, c.chance(), 1e-6);
    }

    @Test
    void temperatureSharpensAsPowersOfTheProbabilities() {
        // p ∝ (0.5, 0.25, 0.25)^(1/0.5) = (0.25, 0.0625, 0.0625) → (2/3, 1/6, 1/6)
        float[] lp = logSoftmax(Math.log(0.5), Math.log(0.25), Math.log(0.25));
        SamplingStep.Children c = new SamplingStep(sampling(0.5f, 0), new int[0]).children(lp, 0);
        assertArrayEquals(new int[] {0, 1, 2}, c.ids(), "ties: lower id first");
        assertArrayEquals(new double[] {2.0 / 3, 1.0 / 6, 1.0 / 6}, c.chance(), 1e-6);
    }

    @Test
    void topKKeepsTiesWithTheKthAsTheEngineDoes() {
        float[] lp = logSoftmax(3, 1, 2, 2, 0);
        SamplingStep.Children c = new SamplingStep(sampling(1f, 2), new int[0]).children(lp, 0);
        assertArrayEquals(new int[] {0, 2, 3}, c.ids(), "the k-th value's ties stay");
        double z = Math.exp(3) + 2 * Math.exp(2);
        assertArrayEquals(new double[] {Math.exp(3) / z, Math.exp(2) / z, Math.exp(2) / z}, c.chance(), 1e-6);
    }

    @Test
    void endOfSequenceIsBannedUntilMinNewTokens() {
        float[] lp = logSoftmax(0, 0, 0, 0);
        SamplingStep step = new SamplingStep(new Decoding.Sampling(10, 2, 1f, 0, 1f, 0), new int[] {3});
        SamplingStep.Children early = step.children(lp, 1), later = step.children(lp, 2);
        assertArrayEquals(new int[] {0, 1, 2}, early.ids());
        assertArrayEquals(new double[] {1.0 / 3, 1.0 / 3, 1.0 / 3}, early.chance(), 1e-6);
        assertEquals(4, later.ids().length);
    }

    @Test
    void servedTopNAtTemperatureOneGivesEachReturnedTokenItsOwnProbability() {
        // ids 0 and 1 returned (0.5 and 0.3), 0.2 unknown: at T = 1 the unknown weighs exactly 0.2
        float[] lp = {(float) Math.log(0.5), (float) Math.log(0.3), Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
        SamplingStep.Children c = new SamplingStep(sampling(1f, 0), new int[0]).children(lp, 0);
        assertArrayEquals(new int[] {0, 1}, c.ids());
        assertArrayEquals(new double[] {0.5, 0.3}, c.chance(), 1e-6);
    }

    @Test
    void servedTopNChancesAreLowerBoundsOfTheFullDistributions() {
        Random r = new Random(3);
        for (int trial = 0; trial < 300; trial++) {
            int vocab = 5 + r.nextInt(60), n = 1 + r.nextInt(vocab - 1);
            double[] logits = new double[vocab];
            for (int v = 0; v < vocab; v++) logits[v] = r.nextGaussian() * (0.5 + 3 * r.nextDouble());
            float[] full = logSoftmax(logits);
            float[] served = full.clone();
            Integer[] order = new Integer[vocab];
            for (int v = 0; v < vocab; v++) order[v] = v;
            Arrays.sort(order, (a, b) -> Float.compare(full[b], full[a]));
            for (int j = n; j < vocab; j++) served[order[j]] = Float.NEGATIVE_INFINITY;
            float t = new float[] {0.3f, 0.7f, 1f, 1.5f, 3f}[r.nextInt(5)];
            int k = new int[] {0, 1, 3, 10}[r.nextInt(4)];
            double[] truth = SoundBoundsTest.reference(full, t, k);
            SamplingStep.Children c = new SamplingStep(sampling(t, k), new int[0]).children(served, 0);
            double total = 0;
            for (int j = 0; j < c.ids().length; j++) {
                int id = c.ids()[j];
                assertTrue(served[id] != Float.NEGATIVE_INFINITY, "only returned ids are children");
                assertTrue(c.chance()[j] <= truth[id] * (1 + 1e-6) + 1e-12,
                        "trial " + trial + ": id " + id + " gets " + c.chance()[j] + " > " + truth[id]);
                total += c.chance()[j];
            }
            assertTrue(total <= 1 + 1e-6);
            if (k > 0 && k < n) // top-k cut a returned token: the unknown ones are cut too, and the chances are exact
                for (int j = 0; j < c.ids().length; j++) assertEquals(truth[c.ids()[j]], c.chance()[j], 1e-6);
        }
    }

    @Test
    void nothingReturnedLeavesEverythingUnknown() {
        float[] lp = new float[4];
        Arrays.fill(lp, Float.NEGATIVE_INFINITY);
        assertEquals(0, new SamplingStep(sampling(1f, 0), new int[0]).children(lp, 0).ids().length);
    }

    @Test
    void topPIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SamplingStep(new Decoding.Sampling(5, 0, 1f, 0, 0.9f, 0), new int[0]));
    }
}
