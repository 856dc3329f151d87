package piiprobe.lab.train;

/** Language modelling: the mean cross-entropy of every token that has a target. */
public final class NextTokenLoss implements Objective {
    @Override
    public double weigh(int[] inputs, float[] logprob, int[] targets, int batch, int seq, float[] weight) {
        int n = batch * seq, counted = 0;
        double sum = 0;
        for (int i = 0; i < n; i++) {
            if (targets[i] < 0) continue;
            sum -= logprob[i];
            counted++;
        }
        float w = counted == 0 ? 0f : 1f / counted;
        for (int i = 0; i < n; i++) weight[i] = targets[i] < 0 ? 0f : w;
        return counted == 0 ? 0 : sum / counted;
    }
}
