package piiprobe.lab.train;

import piiprobe.engine.kernel.AdamW;
import piiprobe.engine.kernel.AttentionTraining;
import piiprobe.engine.kernel.GeluTraining;
import piiprobe.engine.kernel.Gemm;
import piiprobe.engine.kernel.LayerNormTraining;
import piiprobe.engine.kernel.Parallel;
import piiprobe.engine.kernel.SoftmaxCrossEntropy;
import piiprobe.lab.LabPreset;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Prints the training throughput of a preset's model (tokens/s and GFLOP/s of whole steps: forward,
 * backward, clipping and AdamW) and what each kernel costs at that model's shapes. Not a test: run it
 * on the test class path, {@code java -cp ... piiprobe.lab.train.TrainBench [preset] [steps]}. Each
 * kernel figure is the best of several runs after a warm-up; the step figure is the median.
 */
public final class TrainBench {
    public static void main(String[] args) {
        LabPreset preset = LabPreset.named(args.length > 0 ? args[0] : LabPreset.DEFAULT);
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        Gpt2Config c = preset.model();
        TrainConfig t = preset.training();
        int batch = t.batchSize(), seq = t.seq(), n = batch * seq, d = c.embd(), v = c.vocabSize();
        System.out.printf(Locale.ROOT, "preset %s: GPT-2 %d layers × %d, %d heads, vocab %d, %,d parameters; batch %d × %d tokens; %d threads%n",
                preset.name(), c.layers(), d, c.heads(), v, c.parameters(), batch, seq, Parallel.threads());

        TrainableGpt2 model = TrainableGpt2.initialized(c, 1);
        Random rnd = new Random(1);
        int[] tokens = new int[n], targets = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = rnd.nextInt(v);
            targets[i] = rnd.nextInt(v);
        }
        float[] lse = new float[n], logprob = new float[n], weight = new float[n];
        float[] m = new float[model.params().length], s = new float[model.params().length];
        double[] times = new double[steps + 2];
        for (int i = 0; i < times.length; i++) {
            long t0 = System.nanoTime();
            model.zeroGrads();
            float[] logits = model.forward(tokens, batch);
            SoftmaxCrossEntropy.logProbabilities(logits, n, v, targets, lse, logprob);
            new NextTokenLoss().weigh(tokens, logprob, targets, batch, seq, weight);
            SoftmaxCrossEntropy.gradient(logits, n, v, targets, lse, weight);
            model.backward();
            double norm = Math.sqrt(AdamW.squaredNorm(model.grads(), 0, model.grads().length));
            AdamW.update(model.params(), model.grads(), m, s, 0, model.params().length,
                    new AdamW.Step(1e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, i + 1, (float) Math.min(1, 1 / norm)));
            times[i] = (System.nanoTime() - t0) / 1e9;
        }
        double[] measured = Arrays.copyOfRange(times, 2, times.length);
        Arrays.sort(measured);
        double step = measured[measured.length / 2];
        System.out.printf(Locale.ROOT, "training step: %.3f s median of %d: %,.0f tokens/s, %.1f GFLOP/s (%.2f GFLOP per step)%n",
                step, steps, n / step, model.trainingFlops(batch, seq) / step / 1e9, model.trainingFlops(batch, seq) / 1e9);

        float[] x = random(rnd, n * 4 * d), w = random(rnd, 4 * d * Math.max(4 * d, v)), y = new float[n * Math.max(4 * d, v)];
        System.out.println("kernels at these shapes (per call; a step makes each matrix call once per layer, the head's once):");
        for (int[] shape : new int[][] {{d, 3 * d}, {d, d}, {d, 4 * d}, {4 * d, d}}) {
            int in = shape[0], out = shape[1];
            gemm("nn", n, in, out, () -> Gemm.nn(x, 0, w, 0, null, 0, y, 0, n, in, out, false));
            gemm("nt", n, out, in, () -> Gemm.nt(y, 0, w, 0, x, 0, n, out, in, false));
            gemm("tn", in, n, out, () -> Gemm.tn(x, 0, y, 0, w, 0, n, in, out, true));
        }
        gemm("nt head", n, d, v, () -> Gemm.nt(x, 0, w, 0, y, 0, n, d, v, false));
        gemm("nn head", n, v, d, () -> Gemm.nn(y, 0, w, 0, null, 0, x, 0, n, v, d, false));
        gemm("tn head", v, n, d, () -> Gemm.tn(y, 0, x, 0, w, 0, n, v, d, true));
        int heads = c.heads(), hd = c.headDim();
        float[] qkv = random(rnd, n * 3 * d), att = new float[n * d], probs = new float[batch * heads * seq * seq], dqkv = new float[n * 3 * d];
        float scale = (float) (1 / Math.sqrt(hd));
        long attFlops = AttentionTraining.forwardFlops(batch, seq, heads, hd);
        kernel("attention forward", attFlops, () -> AttentionTraining.forward(qkv, att, probs, batch, seq, heads, hd, scale));
        kernel("attention backward", 2 * attFlops, () -> AttentionTraining.backward(att, qkv, probs, dqkv, batch, seq, heads, hd, scale));
        float[] mean = new float[n], rstd = new float[n], gain = random(rnd, d), bias = random(rnd, d), dg = new float[d], db = new float[d];
        kernel("layer norm forward", 0, () -> LayerNormTraining.forward(x, 0, y, 0, mean, rstd, 0, n, d, gain, 0, bias, 0, 1e-5f));
        kernel("layer norm backward", 0, () -> LayerNormTraining.backward(y, 0, x, 0, mean, rstd, 0, gain, 0, n, d, att, 0, dg, 0, db, 0));
        kernel("gelu forward", 0, () -> GeluTraining.forward(x, y, n * 4 * d));
        kernel("gelu backward", 0, () -> GeluTraining.backward(x, y, y, n * 4 * d));
        float[] logits = random(rnd, n * v);
        kernel("cross-entropy log-probs", 0, () -> SoftmaxCrossEntropy.logProbabilities(logits, n, v, targets, lse, logprob));
        kernel("cross-entropy gradient", 0, () -> SoftmaxCrossEntropy.gradient(logits, n, v, targets, lse, weight));
        float[] p = model.params(), g = model.grads();
        kernel("AdamW update (all parameters)", 0, () -> AdamW.update(p, g, m, s, 0, p.length,
                new AdamW.Step(1e-4f, 0.9f, 0.95f, 1e-8f, 0.1f, 3, 1f)));
    }

    private static void gemm(String what, int m, int k, int n, Runnable r) {
        kernel(String.format(Locale.ROOT, "gemm %-7s %5d × %5d · %5d × %5d", what, m, k, k, n), Gemm.flops(m, n, k), r);
    }

    private static void kernel(String what, long flops, Runnable r) {
        for (int i = 0; i < 3; i++) r.run();
        double best = Double.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            long t0 = System.nanoTime();
            r.run();
            best = Math.min(best, (System.nanoTime() - t0) / 1e9);
        }
        System.out.printf(Locale.ROOT, "  %-46s %8.3f ms%s%n", what, best * 1e3,
                flops > 0 ? String.format(Locale.ROOT, "  %6.1f GFLOP/s", flops / best / 1e9) : "");
    }

    private static float[] random(Random rnd, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) (rnd.nextGaussian() * 0.1);
        return a;
    }
}
