package piiprobe.lab.train;

import java.util.List;

/**
 * GPT-2's forward pass in float64, written independently of the trainer's kernels as plainly as
 * possible (loops over indices, transformers' formulas): the function whose finite differences the
 * gradient checks compare against. Parameters use the trainer's flat layout.
 */
final class ReferenceGpt2 {
    private ReferenceGpt2() {}

    /** Mean next-token cross-entropy of the model with parameters p over sequences of tokens. */
    static double loss(Gpt2Config c, List<TrainableGpt2.Tensor> tensors, double[] p, int[] tokens, int[] targets, int batch) {
        double[][] logits = logits(c, tensors, p, tokens, batch);
        double total = 0;
        int counted = 0;
        for (int i = 0; i < tokens.length; i++) {
            if (targets[i] < 0) continue;
            total -= logSoftmax(logits[i])[targets[i]];
            counted++;
        }
        return total / counted;
    }

    static double[][] logits(Gpt2Config c, List<TrainableGpt2.Tensor> tensors, double[] p, int[] tokens, int batch) {
        int seq = tokens.length / batch, d = c.embd();
        double[][] x = new double[tokens.length][d];
        for (int i = 0; i < tokens.length; i++)
            for (int e = 0; e < d; e++)
                x[i][e] = p[off(tensors, "transformer.wte.weight") + tokens[i] * d + e] + p[off(tensors, "transformer.wpe.weight") + (i % seq) * d + e];
        for (int l = 0; l < c.layers(); l++) {
            String h = "transformer.h." + l + ".";
            double[][] a = layerNorm(x, p, off(tensors, h + "ln_1.weight"), off(tensors, h + "ln_1.bias"));
            double[][] qkv = linear(a, p, off(tensors, h + "attn.c_attn.weight"), off(tensors, h + "attn.c_attn.bias"), 3 * d);
            double[][] att = attention(qkv, batch, c.heads(), d);
            add(x, linear(att, p, off(tensors, h + "attn.c_proj.weight"), off(tensors, h + "attn.c_proj.bias"), d));
            double[][] m = layerNorm(x, p, off(tensors, h + "ln_2.weight"), off(tensors, h + "ln_2.bias"));
            double[][] f = linear(m, p, off(tensors, h + "mlp.c_fc.weight"), off(tensors, h + "mlp.c_fc.bias"), 4 * d);
            for (double[] row : f) for (int j = 0; j < row.length; j++) row[j] = geluNew(row[j]);
            add(x, linear(f, p, off(tensors, h + "mlp.c_proj.weight"), off(tensors, h + "mlp.c_proj.bias"), d));
        }
        double[][] y = layerNorm(x, p, off(tensors, "transformer.ln_f.weight"), off(tensors, "transformer.ln_f.bias"));
        double[][] logits = new double[tokens.length][c.vocabSize()];
        int wte = off(tensors, "transformer.wte.weight");
        for (int i = 0; i < tokens.length; i++)
            for (int v = 0; v < c.vocabSize(); v++)
                for (int e = 0; e < d; e++) logits[i][v] += y[i][e] * p[wte + v * d + e];
        return logits;
    }

    private static int off(List<TrainableGpt2.Tensor> tensors, String name) {
        return tensors.stream().filter(t -> t.name().equals(name)).findFirst().orElseThrow().offset();
    }

    private static void add(double[][] x, double[][] y) {
        for (int i = 0; i < x.length; i++) for (int e = 0; e < x[i].length; e++) x[i][e] += y[i][e];
    }

    /** LayerNorm with gain p[w..] and bias p[b..], eps 1e-5, biased variance. */
    static double[][] layerNorm(double[][] x, double[] p, int w, int b) {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            int n = x[i].length;
            double mean = 0, var = 0;
            for (double v : x[i]) mean += v;
            mean /= n;
            for (double v : x[i]) var += (v - mean) * (v - mean);
            var /= n;
            out[i] = new double[n];
            for (int e = 0; e < n; e++) out[i][e] = (x[i][e] - mean) / Math.sqrt(var + 1e-5) * p[w + e] + p[b + e];
        }
        return out;
    }

    /** x · W + b with W [in, out] at p[w..] (Conv1D) and b at p[b..]. */
    static double[][] linear(double[][] x, double[] p, int w, int b, int out) {
        double[][] y = new double[x.length][out];
        for (int i = 0; i < x.length; i++)
            for (int j = 0; j < out; j++) {
                double s = p[b + j];
                for (int k = 0; k < x[i].length; k++) s += x[i][k] * p[w + k * out + j];
                y[i][j] = s;
            }
        return y;
    }

    /** Causal attention over rows of [q | k | v] (heads side by side), sequences of equal length. */
    static double[][] attention(double[][] qkv, int batch, int heads, int d) {
        int seq = qkv.length / batch, hd = d / heads;
        double[][] out = new double[qkv.length][d];
        for (int b = 0; b < batch; b++)
            for (int h = 0; h < heads; h++)
                for (int t = 0; t < seq; t++) {
                    double[] s = new double[t + 1];
                    for (int j = 0; j <= t; j++) {
                        for (int e = 0; e < hd; e++) s[j] += qkv[b * seq + t][h * hd + e] * qkv[b * seq + j][d + h * hd + e];
                        s[j] /= Math.sqrt(hd);
                    }
                    double[] w = softmax(s);
                    for (int j = 0; j <= t; j++)
                        for (int e = 0; e < hd; e++) out[b * seq + t][h * hd + e] += w[j] * qkv[b * seq + j][2 * d + h * hd + e];
                }
        return out;
    }

    static double geluNew(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    static double[] softmax(double[] s) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : s) max = Math.max(max, v);
        double[] w = new double[s.length];
        for (int j = 0; j < s.length; j++) sum += w[j] = Math.exp(s[j] - max);
        for (int j = 0; j < s.length; j++) w[j] /= sum;
        return w;
    }

    static double[] logSoftmax(double[] s) {
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (double v : s) max = Math.max(max, v);
        for (double v : s) sum += Math.exp(v - max);
        double lse = max + Math.log(sum);
        double[] out = new double[s.length];
        for (int j = 0; j < s.length; j++) out[j] = s[j] - lse;
        return out;
    }
}
