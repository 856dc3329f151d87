package piiprobe.lab.train;

import org.junit.jupiter.api.Test;
import piiprobe.engine.kernel.AttentionTraining;
import piiprobe.engine.kernel.EmbeddingTraining;
import piiprobe.engine.kernel.GeluTraining;
import piiprobe.engine.kernel.Gemm;
import piiprobe.engine.kernel.LayerNormTraining;
import piiprobe.engine.kernel.SoftmaxCrossEntropy;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every backward pass of the trainer against finite differences. The analytic gradients come from the
 * float32 kernels; the finite differences are central differences of an independent float64
 * implementation of the same function ({@link ReferenceGpt2}) at the same (float-valued) point, with
 * step 1e-5, whose own error (h² · f''' truncation plus 1e-16 / h rounding) is below 1e-9. What is
 * left is float32 rounding of the analytic gradient: a few ulps (6e-8 each) of each partial sum, so
 * the check allows 2e-5 absolute plus 1e-3 relative, 20 to 100 times what the runs below show and a
 * thousand times below what a wrong formula, index or sign gives (errors of the gradient's own size).
 *
 * <p>Sizes are odd on purpose: widths past a multiple of the vector length, rows not a multiple of
 * four, matrices with a partial last panel, repeated tokens, ignored targets.
 */
class GradientCheckTest {
    private static final double H = 1e-5;
    private static final double ATOL = 2e-5;
    private static final double RTOL = 1e-3;

    @Test
    void layerNorm() {
        Random rnd = new Random(1);
        int rows = 5, n = 37;
        float[] x = gaussian(rnd, rows * n, 1.5, 0.3), w = gaussian(rnd, n, 0.2, 1), b = gaussian(rnd, n, 0.2, 0), r = gaussian(rnd, rows * n, 1, 0);
        float[] out = new float[rows * n], mean = new float[rows], rstd = new float[rows];
        LayerNormTraining.forward(x, 0, out, 0, mean, rstd, 0, rows, n, w, 0, b, 0, 1e-5f);
        float[] dx = new float[rows * n], dw = new float[n], db = new float[n];
        LayerNormTraining.backward(r, 0, x, 0, mean, rstd, 0, w, 0, rows, n, dx, 0, dw, 0, db, 0);
        // f(x, w, b) = Σ r · layerNorm(x)
        double[] point = concat(x, w, b);
        ToDoubleFunction<double[]> f = p -> {
            double[][] y = ReferenceGpt2.layerNorm(rowsOf(p, 0, rows, n), p, rows * n, rows * n + n);
            return dot(y, r);
        };
        check("layer norm", f, point, concatFloats(dx, dw, db));
    }

    @Test
    void attentionWithShortHeads() {
        attention(2, 7, 2, 5);
    }

    @Test
    void attentionWithVectorWideHeadsAndSequences() {
        attention(1, 19, 2, 20);
    }

    @Test
    void attentionOverSeveralBlocksOfQueries() {
        attention(1, 2 * 64 + 5, 1, 3);
    }

    private static void attention(int batch, int seq, int heads, int headDim) {
        Random rnd = new Random(2 + seq);
        int d = heads * headDim, tokens = batch * seq;
        float[] qkv = gaussian(rnd, tokens * 3 * d, 1, 0), r = gaussian(rnd, tokens * d, 1, 0);
        float[] out = new float[tokens * d], probs = new float[batch * heads * seq * seq], dqkv = new float[tokens * 3 * d];
        float scale = (float) (1 / Math.sqrt(headDim));
        AttentionTraining.forward(qkv, out, probs, batch, seq, heads, headDim, scale);
        AttentionTraining.backward(r, qkv, probs, dqkv, batch, seq, heads, headDim, scale);
        ToDoubleFunction<double[]> f = p -> dot(ReferenceGpt2.attention(rowsOf(p, 0, tokens, 3 * d), batch, heads, d), r);
        check("attention " + batch + "×" + seq + " heads " + heads + "×" + headDim, f, toDouble(qkv), dqkv);
    }

    @Test
    void geluNew() {
        Random rnd = new Random(3);
        int n = 101;
        float[] x = gaussian(rnd, n, 2.5, 0), r = gaussian(rnd, n, 1, 0), y = new float[n], dx = new float[n];
        GeluTraining.forward(x, y, n);
        GeluTraining.backward(x, r, dx, n);
        ToDoubleFunction<double[]> f = p -> {
            double s = 0;
            for (int i = 0; i < n; i++) s += r[i] * ReferenceGpt2.geluNew(p[i]);
            return s;
        };
        check("gelu_new", f, toDouble(x), dx);
    }

    @Test
    void linearLayer() {
        Random rnd = new Random(4);
        int rows = 6, in = 19, out = 70;
        float[] x = gaussian(rnd, rows * in, 1, 0), w = gaussian(rnd, in * out, 0.5, 0), b = gaussian(rnd, out, 0.1, 0);
        float[] r = gaussian(rnd, rows * out, 1, 0);
        float[] dx = new float[rows * in], dw = new float[in * out], db = new float[out];
        Gemm.nt(r, 0, w, 0, dx, 0, rows, out, in, false);
        Gemm.tn(x, 0, r, 0, dw, 0, rows, in, out, true);
        Gemm.addColumnSums(r, 0, rows, out, db, 0);
        ToDoubleFunction<double[]> f = p -> dot(ReferenceGpt2.linear(rowsOf(p, 0, rows, in), p, rows * in, rows * in + in * out, out), r);
        check("linear", f, concat(x, w, b), concatFloats(dx, dw, db));
    }

    @Test
    void tiedHeadWithCrossEntropy() {
        Random rnd = new Random(5);
        int rows = 7, d = 24, vocab = 21;
        float[] x = gaussian(rnd, rows * d, 1, 0), wte = gaussian(rnd, vocab * d, 0.5, 0);
        int[] targets = {3, 20, -1, 0, 3, 11, 7};
        float[] logits = new float[rows * vocab], lse = new float[rows], logprob = new float[rows], weight = new float[rows];
        Gemm.nt(x, 0, wte, 0, logits, 0, rows, d, vocab, false);
        SoftmaxCrossEntropy.logProbabilities(logits, rows, vocab, targets, lse, logprob);
        Arrays.fill(weight, 1f / 6);
        SoftmaxCrossEntropy.gradient(logits, rows, vocab, targets, lse, weight);
        float[] dx = new float[rows * d], dwte = new float[vocab * d];
        Gemm.nn(logits, 0, wte, 0, null, 0, dx, 0, rows, vocab, d, false);
        Gemm.tn(logits, 0, x, 0, dwte, 0, rows, vocab, d, true);
        ToDoubleFunction<double[]> f = p -> {
            double loss = 0;
            for (int i = 0; i < rows; i++) {
                if (targets[i] < 0) continue;
                double[] z = new double[vocab];
                for (int v = 0; v < vocab; v++)
                    for (int e = 0; e < d; e++) z[v] += p[i * d + e] * p[rows * d + v * d + e];
                loss -= ReferenceGpt2.logSoftmax(z)[targets[i]] / 6;
            }
            return loss;
        };
        check("tied head + cross-entropy", f, concat(x, wte), concatFloats(dx, dwte));
    }

    @Test
    void embeddings() {
        Random rnd = new Random(6);
        int vocab = 9, positions = 5, d = 21, seq = 4;
        int[] tokens = {1, 8, 1, 1, 0, 8, 3, 1};
        float[] wte = gaussian(rnd, vocab * d, 1, 0), wpe = gaussian(rnd, positions * d, 1, 0), r = gaussian(rnd, tokens.length * d, 1, 0);
        float[] out = new float[tokens.length * d], dwte = new float[vocab * d], dwpe = new float[positions * d];
        EmbeddingTraining.forward(wte, 0, wpe, 0, tokens, seq, d, out);
        EmbeddingTraining.backward(r, tokens, seq, d, dwte, 0, dwpe, 0);
        ToDoubleFunction<double[]> f = p -> {
            double s = 0;
            for (int t = 0; t < tokens.length; t++)
                for (int e = 0; e < d; e++) s += r[t * d + e] * (p[tokens[t] * d + e] + p[vocab * d + (t % seq) * d + e]);
            return s;
        };
        check("embeddings", f, concat(wte, wpe), concatFloats(dwte, dwpe));
    }

    @Test
    void wholeModel() {
        Gpt2Config c = new Gpt2Config(13, 9, 16, 2, 2);
        TrainableGpt2 model = randomModel(c, 7);
        int batch = 2;
        int[] tokens = {1, 5, 12, 5, 5, 0, 7, 7, 3, 12, 2, 9};
        int[] targets = {5, 12, 5, 5, 0, 2, 7, 3, 12, -1, 9, 1};
        float[] logits = model.forward(tokens, batch);
        int rows = tokens.length;
        float[] lse = new float[rows], logprob = new float[rows], weight = new float[rows];
        SoftmaxCrossEntropy.logProbabilities(logits, rows, c.vocabSize(), targets, lse, logprob);
        Arrays.fill(weight, 1f / 11);
        SoftmaxCrossEntropy.gradient(logits, rows, c.vocabSize(), targets, lse, weight);
        model.zeroGrads();
        model.backward();
        List<TrainableGpt2.Tensor> tensors = model.tensors();
        check("whole model", p -> ReferenceGpt2.loss(c, tensors, p, tokens, targets, batch), toDouble(model.params()), model.grads());
    }

    /** A model with weights large enough that every nonlinearity matters: matrices N(0, 0.5²), gains 1 + N(0, 0.1²), biases N(0, 0.1²). */
    static TrainableGpt2 randomModel(Gpt2Config c, long seed) {
        TrainableGpt2 m = TrainableGpt2.initialized(c, seed);
        Random rnd = new Random(seed);
        float[] p = m.params();
        for (TrainableGpt2.Tensor t : m.tensors()) {
            boolean gain = t.name().endsWith(".weight") && t.shape().length == 1;
            for (int i = t.offset(); i < t.offset() + t.size(); i++)
                p[i] = (float) (t.shape().length == 2 ? 0.5 * rnd.nextGaussian() : (gain ? 1 : 0) + 0.1 * rnd.nextGaussian());
        }
        return m;
    }

    /** Compares the analytic gradient with central differences of f at every coordinate of the point. */
    private static void check(String what, ToDoubleFunction<double[]> f, double[] point, float[] analytic) {
        double worst = 0, biggest = 0;
        int worstAt = -1;
        for (int i = 0; i < point.length; i++) {
            double[] p = point.clone();
            p[i] = point[i] + H;
            double up = f.applyAsDouble(p);
            p[i] = point[i] - H;
            double fd = (up - f.applyAsDouble(p)) / (2 * H);
            double excess = Math.abs(analytic[i] - fd) / (ATOL + RTOL * Math.abs(fd));
            biggest = Math.max(biggest, Math.abs(fd));
            if (excess > worst) {
                worst = excess;
                worstAt = i;
            }
        }
        System.out.printf("gradient check %-40s %6d coordinates, |grad| up to %.3g, worst error %.3f of the tolerance%n",
                what, point.length, biggest, worst);
        int at = worstAt;
        assertTrue(worst <= 1, () -> what + ": coordinate " + at + " has analytic gradient " + analytic[at] + ", outside the tolerance of the finite difference");
        assertTrue(biggest > 1e-2, what + ": the gradient is too small to check anything");
    }

    private static float[] gaussian(Random rnd, int n, double std, double mean) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (mean + std * rnd.nextGaussian());
        return x;
    }

    private static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }

    private static double[] concat(float[]... parts) {
        return toDouble(concatFloats(parts));
    }

    private static float[] concatFloats(float[]... parts) {
        float[] out = new float[Arrays.stream(parts).mapToInt(a -> a.length).sum()];
        int o = 0;
        for (float[] a : parts) {
            System.arraycopy(a, 0, out, o, a.length);
            o += a.length;
        }
        return out;
    }

    private static double[][] rowsOf(double[] p, int off, int rows, int n) {
        double[][] x = new double[rows][n];
        for (int i = 0; i < rows; i++) System.arraycopy(p, off + i * n, x[i], 0, n);
        return x;
    }

    private static double dot(double[][] y, float[] r) {
        double s = 0;
        for (int i = 0; i < y.length; i++) for (int j = 0; j < y[i].length; j++) s += y[i][j] * r[i * y[i].length + j];
        return s;
    }
}
